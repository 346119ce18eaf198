/**
 * Scoring and suppression benchmark (a script, not a test):
 *   node packages/scoring/bench/scoring.ts        (or: ./pnpmw bench:scoring)
 *
 * 1. Re-scores 1,000,000 synthetic indicators with realistic observations twice: the initial
 *    materialization (every row written) and a re-score one day later (only changed rows written),
 *    next to the raw limit (the bare decay formula over the same rows).
 * 2. Matches 1,000,000 indicators (real IPs, CIDRs, domains, URLs, hashes from
 *    /work/shared/fixtures/bulk-iocs, cycled to 1M) against ALL warninglists in
 *    /work/shared/fixtures/warninglists (else the package's fixture copies) plus a 10,000-entry tenant
 *    allowlist, next to a naive linear scan over every entry on a sample, extrapolated.
 * Uses Node built-ins for reading fixtures; the code measured is pure.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "@threatfusion/core/testing";
import type { IndicatorType } from "@threatfusion/ioc";
import ipaddr from "ipaddr.js";
import type { Observation } from "../src/confidence.ts";
import { dayMs, decayFraction } from "../src/decay.ts";
import { type ContextKind, defaultScoringModel as model, type Reliability } from "../src/model.ts";
import { type RescoreRow, rescoreBatch } from "../src/rescore.ts";
import {
  type AllowlistEntry,
  type IndicatorRef,
  parseWarninglist,
  SuppressionIndex,
  type Warninglist,
  type WarninglistSource,
} from "../src/suppression/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.TF_SHARED_FIXTURES ?? join(here, "../../../../shared/fixtures");
const total = 1_000_000;

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

/** CPU seconds this process spent since `start` (a `process.cpuUsage()`): less skewed by other load. */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function rate(count: number, secs: number): string {
  return `${Math.round(count / secs).toLocaleString("en-US")}/s`;
}

// ---------------------------------------------------------------------------------------------
// 1. Re-scoring
// ---------------------------------------------------------------------------------------------

function syntheticRows(now: number): RescoreRow<number>[] {
  const rand = seededRandom(42);
  const typeMix: [IndicatorType, number][] = [
    ["ipv4", 0.35],
    ["domain", 0.2],
    ["url", 0.25],
    ["sha256", 0.12],
    ["md5", 0.05],
    ["ipv6", 0.03],
  ];
  const levels: Reliability[] = ["A", "B", "B", "C", "C", "C", "D", "E", "F"];
  const sources = Array.from({ length: 40 }, (_, i) => ({
    sourceId: `src_${i}`,
    sourceName: `Feed ${i}`,
    reliability: levels[i % levels.length] ?? "C",
  }));
  const contexts: { kinds: ContextKind[] }[] = [
    { kinds: [] },
    { kinds: ["c2"] },
    { kinds: ["malware"] },
    { kinds: ["phishing"] },
    { kinds: ["ransomware", "c2"] },
    { kinds: ["scanner"] },
  ];
  const rows: RescoreRow<number>[] = [];
  for (let id = 0; id < total; id++) {
    let pick = rand();
    let type: IndicatorType = "ipv4";
    for (const [candidate, share] of typeMix) {
      if (pick < share) {
        type = candidate;
        break;
      }
      pick -= share;
    }
    const count = 1 + Math.floor(rand() * rand() * 5);
    const observations: Observation[] = [];
    const lastSeen = now - Math.floor(rand() * 90 * dayMs);
    for (let i = 0; i < count; i++) {
      const source = sources[Math.floor(rand() * sources.length)] ?? sources[0];
      if (source === undefined) continue;
      observations.push({
        ...source,
        ...(rand() < 0.5 ? { sourceConfidence: 50 + Math.floor(rand() * 51) } : {}),
        firstSeen: lastSeen - 10 * dayMs,
        lastSeen: lastSeen - Math.floor(rand() * 5 * dayMs),
      });
    }
    rows.push({
      id,
      input: { type, observations, context: contexts[Math.floor(rand() * contexts.length)] ?? {} },
      stored: null,
    });
  }
  return rows;
}

function benchRescore(): void {
  const t0 = Date.UTC(2026, 10, 25);
  let start = performance.now();
  const rows = syntheticRows(t0);
  console.log(
    `generated ${rows.length.toLocaleString("en-US")} indicators in ${seconds(start).toFixed(2)} s`,
  );

  start = performance.now();
  const initialCpu = process.cpuUsage();
  const initial = rescoreBatch(rows, model, t0);
  const initialSecs = seconds(start);
  const initialCpuSecs = cpuSeconds(initialCpu);
  const byId = new Map<number, (typeof initial.changes)[number]>();
  for (const change of initial.changes) byId.set(change.id, change);
  for (const row of rows) row.stored = byId.get(row.id) ?? null;

  start = performance.now();
  const nextDayCpu = process.cpuUsage();
  const nextDay = rescoreBatch(rows, model, t0 + dayMs);
  const nextDaySecs = seconds(start);
  const nextDayCpuSecs = cpuSeconds(nextDayCpu);

  // The scheduler only loads rows whose next reaction point has come; count them for reference.
  const due = rows.filter(
    (row) => row.stored?.nextReactionAt != null && row.stored.nextReactionAt <= t0 + dayMs,
  );

  // Raw limit: the decay formula alone over the same rows (no confidence, no context, no diff).
  start = performance.now();
  const decayCpu = process.cpuUsage();
  let sink = 0;
  for (const row of rows) {
    const params = model.types[row.input.type];
    const lastSeen = row.input.observations[0]?.lastSeen ?? t0;
    sink += decayFraction((t0 + dayMs - lastSeen) / dayMs, params.lifetimeDays, params.decaySpeed);
  }
  const rawSecs = seconds(start);
  const decayCpuSecs = cpuSeconds(decayCpu);

  console.log("\n## Re-scoring 1,000,000 indicators");
  console.log(
    `initial materialization: ${initialSecs.toFixed(2)} s wall, ${initialCpuSecs.toFixed(2)} s CPU (${rate(total, initialSecs)} wall), rows written ${initial.changes.length.toLocaleString("en-US")}`,
  );
  console.log(
    `re-score one day later:  ${nextDaySecs.toFixed(2)} s wall, ${nextDayCpuSecs.toFixed(2)} s CPU (${rate(total, nextDaySecs)} wall), rows written ${nextDay.changes.length.toLocaleString("en-US")} (due by nextReactionAt: ${due.length.toLocaleString("en-US")})`,
  );
  console.log(
    `raw limit (decay formula only): ${rawSecs.toFixed(2)} s wall, ${decayCpuSecs.toFixed(2)} s CPU (${rate(total, rawSecs)} wall) [checksum ${sink.toFixed(0)}]`,
  );
}

// ---------------------------------------------------------------------------------------------
// 2. Matching
// ---------------------------------------------------------------------------------------------

function loadWarninglists(): { sources: WarninglistSource[]; origin: string } {
  const dir = join(shared, "warninglists/lists");
  const sources: WarninglistSource[] = [];
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const parsed = parseWarninglist(JSON.parse(readFileSync(join(dir, name, "list.json"), "utf8")));
      if (parsed.ok) sources.push({ id: name, list: parsed.list });
    }
    return { sources, origin: dir };
  }
  const fallback = join(here, "../fixtures/warninglists");
  for (const file of readdirSync(fallback).sort()) {
    const parsed = parseWarninglist(JSON.parse(readFileSync(join(fallback, file), "utf8")));
    if (parsed.ok) sources.push({ id: file.replace(/\.json$/, ""), list: parsed.list });
  }
  return { sources, origin: `${fallback} (shared fixtures absent)` };
}

function loadIndicators(): { indicators: IndicatorRef[]; origin: string } {
  const dir = join(shared, "bulk-iocs");
  const out: IndicatorRef[] = [];
  if (existsSync(dir)) {
    const lines = (file: string) =>
      readFileSync(join(dir, file), "utf8")
        .split("\n")
        .filter((line) => line.length > 0 && !line.startsWith("#"));
    for (const line of lines("firehol_ipsum.ipset")) out.push({ type: "ipv4", value: line.trim() });
    for (const line of lines("firehol_firehol_level4.netset")) {
      out.push({ type: line.includes("/") ? "cidr" : "ipv4", value: line.trim() });
    }
    for (const line of lines("infoblox_combined.csv").slice(1)) {
      const [type, value] = line.split(",");
      if (type === "domain" && value !== undefined) out.push({ type: "domain", value });
    }
    const tweetTypes: Record<string, IndicatorType> = {
      domain: "domain",
      url: "url",
      ip: "ipv4",
      md5: "md5",
      sha256: "sha256",
    };
    for (const line of lines("tweetfeed_2025_daily_concat.csv")) {
      const fields = line.split(",");
      const type = tweetTypes[fields[2] ?? ""];
      const value = fields[3];
      if (type !== undefined && value !== undefined) out.push({ type, value });
    }
    return { indicators: out, origin: dir };
  }
  const rand = seededRandom(7);
  for (let i = 0; i < 100_000; i++) {
    const n = Math.floor(rand() * 2 ** 32);
    out.push({ type: "ipv4", value: [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".") });
    out.push({ type: "domain", value: `host${i}.example${i % 97}.com` });
    out.push({ type: "url", value: `https://site${i}.example.net/path/${i}` });
  }
  return { indicators: out, origin: "synthetic (shared bulk-iocs absent)" };
}

function tenantAllowlist(): AllowlistEntry[] {
  const rand = seededRandom(99);
  const entries: AllowlistEntry[] = [];
  for (let i = 0; i < 6_000; i++)
    entries.push({ id: `alw_h${i}`, value: `client${i}.corp-example${i % 50}.com` });
  for (let i = 0; i < 3_000; i++) {
    const a = 11 + Math.floor(rand() * 200);
    entries.push({
      id: `alw_c${i}`,
      value: `${a}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.0/24`,
    });
  }
  for (let i = 0; i < 480; i++) entries.push({ id: `alw_b${i}`, value: `brand${i}x`, type: "substring" });
  for (let i = 0; i < 500; i++) {
    const hex = Array.from({ length: 64 }, () => Math.floor(rand() * 16).toString(16)).join("");
    entries.push({ id: `alw_s${i}`, value: hex, type: "string" });
  }
  for (let i = 0; i < 20; i++)
    entries.push({
      id: `alw_r${i}`,
      value: `^svc-${i}-[a-z]+@client${i}\\.com$`,
      type: "regex",
      appliesTo: ["email"],
    });
  return entries;
}

/** The naive way: every indicator against every entry of every list, entries pre-parsed once. */
function naiveMatcher(
  lists: Warninglist[],
  allowlist: AllowlistEntry[],
): (indicator: IndicatorRef) => boolean {
  type Rule = (indicator: IndicatorRef, host: string, ip: ipaddr.IPv4 | ipaddr.IPv6 | undefined) => boolean;
  const rules: Rule[] = [];
  const addEntry = (type: Warninglist["type"], entry: string) => {
    if (type === "cidr") {
      try {
        const range = entry.includes("/")
          ? ipaddr.parseCIDR(entry)
          : ipaddr.parseCIDR(`${entry}/${entry.includes(":") ? 128 : 32}`);
        rules.push((_i, _h, ip) => ip !== undefined && ip.kind() === range[0].kind() && ip.match(range));
      } catch {
        // not an address: skipped, as the index would reject it
      }
    } else if (type === "hostname") {
      const suffix = `.${entry}`;
      rules.push((_i, host) => host === entry || host.endsWith(suffix));
    } else if (type === "string") {
      rules.push((indicator, host) => indicator.value === entry || host === entry);
    } else if (type === "substring") {
      rules.push((indicator) => indicator.value.includes(entry));
    }
  };
  for (const list of lists) for (const entry of list.list) addEntry(list.type, entry);
  for (const entry of allowlist)
    addEntry(entry.type ?? (entry.value.includes("/") ? "cidr" : "hostname"), entry.value);
  return (indicator) => {
    const host = indicator.type === "url" ? (indicator.value.split("/")[2] ?? "") : indicator.value;
    let ip: ipaddr.IPv4 | ipaddr.IPv6 | undefined;
    const address = indicator.value.split("/")[0] ?? "";
    if (indicator.type !== "domain" && indicator.type !== "url" && ipaddr.isValid(address))
      ip = ipaddr.parse(address);
    for (const rule of rules) if (rule(indicator, host, ip)) return true;
    return false;
  };
}

function benchMatching(): void {
  const { sources, origin: listOrigin } = loadWarninglists();
  const entryCount = sources.reduce((sum, source) => sum + source.list.list.length, 0);
  const allowlist = tenantAllowlist();
  const heapBefore = process.memoryUsage().heapUsed;
  let start = performance.now();
  const global = SuppressionIndex.build({ warninglists: sources });
  const buildSecs = seconds(start);
  const heapAfter = process.memoryUsage().heapUsed;
  start = performance.now();
  const index = global.withAllowlist(allowlist);
  const allowlistSecs = seconds(start);

  const { indicators, origin: iocOrigin } = loadIndicators();
  const workload: IndicatorRef[] = [];
  for (let i = 0; i < total; i++) {
    const indicator = indicators[i % indicators.length];
    if (indicator !== undefined) workload.push(indicator);
  }

  // Warm up on 50,000 indicators taken every 20th across the workload, so that every type's path is compiled
  // before the clock starts (the first 50,000 alone are all IPv4 addresses), then measure.
  const warmUpStride = Math.max(1, Math.floor(workload.length / 50_000));
  for (let i = 0; i < workload.length; i += warmUpStride) {
    index.match(workload[i] ?? { type: "ipv4", value: "1.1.1.1" });
  }
  // One pass over the 1,000,000, timed also at the end of the first cycle: the first 465,813 are all
  // distinct values, so that rate owes nothing to repetition.
  const distinct = Math.min(indicators.length, workload.length);
  start = performance.now();
  const matchCpu = process.cpuUsage();
  let suppressed = 0;
  let flagged = 0;
  let distinctSecs = 0;
  let distinctCpuSecs = 0;
  for (let i = 0; i < workload.length; i++) {
    if (i === distinct) {
      distinctSecs = seconds(start);
      distinctCpuSecs = cpuSeconds(matchCpu);
    }
    const result = index.match(workload[i] ?? { type: "ipv4", value: "" });
    if (result.suppressed) suppressed++;
    else if (result.reasons.length > 0) flagged++;
  }
  const matchSecs = seconds(start);
  const matchCpuSecs = cpuSeconds(matchCpu);
  if (distinct === workload.length) {
    distinctSecs = matchSecs;
    distinctCpuSecs = matchCpuSecs;
  }

  // Per type: one pass over each type's distinct indicators.
  const byType = new Map<IndicatorType, IndicatorRef[]>();
  for (const indicator of indicators) {
    const group = byType.get(indicator.type) ?? [];
    group.push(indicator);
    byType.set(indicator.type, group);
  }
  const perType: string[] = [];
  for (const [type, group] of byType) {
    const typeCpu = process.cpuUsage();
    for (const indicator of group) index.match(indicator);
    perType.push(`${type} ${rate(group.length, cpuSeconds(typeCpu))}`);
  }

  // Raw limit: a single hash lookup per indicator in a map of every entry (exact match only: no
  // CIDR containment, subdomains, URL hosts, substrings or regexes) — what no matcher can beat.
  const exactOnly = new Map<string, number>();
  for (const source of sources) for (const entry of source.list.list) exactOnly.set(entry, 1);
  for (const entry of allowlist) exactOnly.set(entry.value, 1);
  start = performance.now();
  const rawCpu = process.cpuUsage();
  let rawHits = 0;
  for (const indicator of workload) if (exactOnly.get(indicator.value) !== undefined) rawHits++;
  const rawSecs = seconds(start);
  const rawCpuSecs = cpuSeconds(rawCpu);

  const naive = naiveMatcher(
    sources.map((source) => source.list),
    allowlist,
  );
  const sampleSize = 300;
  start = performance.now();
  const naiveCpu = process.cpuUsage();
  let naiveHits = 0;
  for (let i = 0; i < sampleSize; i++) {
    const indicator = workload[(i * 3331) % workload.length];
    if (indicator !== undefined && naive(indicator)) naiveHits++;
  }
  const naiveSecs = seconds(start);
  const naiveCpuSecs = cpuSeconds(naiveCpu);

  console.log(
    "\n## Matching 1,000,000 indicators against all warninglists + a 10,000-entry tenant allowlist",
  );
  console.log(
    `warninglists: ${sources.length} lists, ${entryCount.toLocaleString("en-US")} entries from ${listOrigin}`,
  );
  console.log(
    `indicators: ${indicators.length.toLocaleString("en-US")} distinct from ${iocOrigin}, cycled to 1,000,000`,
  );
  console.log(
    `index build: warninglists ${buildSecs.toFixed(2)} s (~${Math.round((heapAfter - heapBefore) / 2 ** 20)} MiB heap), tenant allowlist ${(allowlistSecs * 1000).toFixed(0)} ms; rejected entries: ${index.rejected.length}`,
  );
  console.log(
    `SuppressionIndex.match: ${matchSecs.toFixed(2)} s wall, ${rate(total, matchSecs)} wall, ${rate(total, matchCpuSecs)} per CPU-second (suppressed ${suppressed.toLocaleString("en-US")}, flagged only ${flagged.toLocaleString("en-US")})`,
  );
  console.log(
    `  first ${distinct.toLocaleString("en-US")} (all distinct): ${rate(distinct, distinctSecs)} wall, ${rate(distinct, distinctCpuSecs)} per CPU-second`,
  );
  console.log(`  per type, per CPU-second: ${perType.join(", ")}`);
  console.log(
    `raw limit (one Map lookup per indicator, exact only): ${rawSecs.toFixed(2)} s wall, ${rate(total, rawSecs)} wall, ${rate(total, rawCpuSecs)} per CPU-second [hits ${rawHits.toLocaleString("en-US")}]`,
  );
  console.log(
    `ratio to the raw limit, same run: ${(rawSecs / matchSecs).toFixed(2)} wall, ${(rawCpuSecs / matchCpuSecs).toFixed(2)} per CPU-second`,
  );
  console.log(
    `naive linear scan: ${sampleSize} indicators in ${naiveSecs.toFixed(2)} s, ${rate(sampleSize, naiveSecs)} wall, ${rate(sampleSize, naiveCpuSecs)} per CPU-second -> 1,000,000 would take ~${Math.round((naiveSecs / sampleSize) * total).toLocaleString("en-US")} s [hits ${naiveHits}]`,
  );
}

console.log(
  `node ${process.version}; shared 2-core machine, load average ${(await import("node:os")).loadavg()[0]?.toFixed(1)} at start (other helpers running): wall-clock rates are depressed, CPU-second rates less so`,
);
const only = process.argv[2];
if (only !== "match") benchRescore();
if (only !== "rescore") benchMatching();
console.log(
  `load average at end: ${(await import("node:os"))
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(" ")}`,
);
