/**
 * Benchmark: stream a STIX 2.1 bundle of N synthetic indicators (default 1,000,000) to /dev/null, next to
 * the raw limit measured in the same run: `JSON.stringify` of the same objects held in an array. Also
 * compares our UUIDv5 with three other SHA-1 sources over 1M names. Each case runs in its own child process so that
 * peak RSS is per case. Synthetic data only (no fixture needed).
 *
 *   node packages/exports/bench/stix.ts [count] [--only=bundle|uuid]     (or: ./pnpmw bench:exports)
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import os from "node:os";
import { sha1 as nobleSha1 } from "@noble/hashes/legacy.js";
import { sha1 as osloSha1 } from "@oslojs/crypto/sha1";
import type { IndicatorType } from "@threatfusion/ioc";
import { canonicalJson } from "../src/canonical-json.ts";
import { producerIdentity, type StixObject, stixBundleStream, stixObjectsFor } from "../src/stix.ts";
import type { ExportIndicator, Tlp } from "../src/types.ts";
import { formatUuidV5, stixNamespace, uuidv5Async, uuidv5For } from "../src/uuid.ts";

const count = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 1_000_000);
const producer = { name: "Acme MSSP" };
const types: IndicatorType[] = ["ipv4", "domain", "url", "sha256", "ipv6", "cidr", "md5", "email"];
const tlps: Tlp[] = ["clear", "green", "amber", "amber+strict", "red"];

function syntheticRecord(i: number): ExportIndicator {
  const type = types[i % types.length] ?? "ipv4";
  const a = (i >> 16) & 255;
  const b = (i >> 8) & 255;
  const c = i & 255;
  const hex = i.toString(16).padStart(8, "0");
  const values: Record<string, string> = {
    ipv4: `10.${a}.${b}.${c}`,
    ipv6: `2001:db8::${hex.slice(0, 4)}:${hex.slice(4)}`,
    cidr: `10.${a}.${b}.0/24`,
    domain: `host-${i}.example.com`,
    url: `http://host-${i}.example.com/path/it's/${i}?q=${i}`,
    sha256: hex.repeat(8),
    md5: hex.repeat(4),
    email: `user${i}@example.org`,
  };
  const second = String(i % 60).padStart(2, "0");
  return {
    id: `ind_${i.toString(36).padStart(26, "0")}`,
    type,
    value: values[type] ?? `10.0.0.${c}`,
    firstSeen: `2025-03-01T10:00:${second}.000Z`,
    lastSeen: `2025-03-05T12:30:${second}.000Z`,
    addedAt: `2025-03-01T10:05:${second}.000Z`,
    modifiedAt: `2025-03-05T12:30:${second}.000Z`,
    confidence: 50 + (i % 50),
    score: i % 100,
    tlp: tlps[i % tlps.length] ?? "amber",
    tags: ["botnet", "c2"],
    context: { malwareFamily: "emotet", threatType: "botnet_cc", reference: "https://feeds.example.org/e/1" },
    sources: ["abuse.ch Feodo Tracker"],
  };
}

async function* syntheticRecords(n: number): AsyncGenerator<ExportIndicator> {
  for (let i = 0; i < n; i++) yield syntheticRecord(i);
}

/** Batches of 10,000 records, as the service hands them to the writer. */
async function* syntheticBatches(n: number): AsyncGenerator<ExportIndicator[]> {
  for (let start = 0; start < n; start += 10_000) {
    const batch: ExportIndicator[] = [];
    for (let i = start; i < Math.min(n, start + 10_000); i++) batch.push(syntheticRecord(i));
    yield batch;
  }
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function caseStream(batched: boolean): Promise<Record<string, number>> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let bytes = 0;
  // A reader plus synchronous writes: `pipeTo(Writable.toWeb(fs stream))` queues chunks inside Node's
  // adapter and measured about 3x the RSS, which is the harness's memory, not the writer's.
  const devNull = openSync("/dev/null", "w");
  const source = batched ? syntheticBatches(count) : syntheticRecords(count);
  const reader = stixBundleStream(source, { producer }).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    writeSync(devNull, value);
  }
  closeSync(devNull);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // 3 objects per indicator (indicator, SCO, relationship) + identity + 5 markings.
  const objects = count * 3 + 6;
  return {
    seconds,
    cpuSeconds,
    mb: bytes / 1e6,
    objectsPerSecond: objects / seconds,
    peakRssMb: peakRssMb(),
  };
}

function caseStringify(): Record<string, number> {
  const identity = producerIdentity(producer);
  const buildStart = performance.now();
  const objects: StixObject[] = [identity];
  for (let i = 0; i < count; i++)
    for (const object of stixObjectsFor(syntheticRecord(i), identity.id)) objects.push(object);
  const buildSeconds = (performance.now() - buildStart) / 1000;
  const start = performance.now();
  let chars = 0;
  let whole = 1;
  try {
    chars = JSON.stringify({ type: "bundle", id: "bundle--x", objects }).length;
  } catch {
    // V8 strings stop at about 2^29 characters: one JSON.stringify cannot hold a 1M-indicator bundle.
    whole = 0;
    for (const object of objects) chars += JSON.stringify(object).length + 1;
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    seconds,
    mb: chars / 1e6,
    objectsPerSecond: objects.length / seconds,
    peakRssMb: peakRssMb(),
    buildSeconds,
    wholeBundleInOneString: whole,
  };
}

async function caseUuid(): Promise<Record<string, number>> {
  const encoder = new TextEncoder();
  const ns = new Uint8Array(16);
  const digits = stixNamespace.replaceAll("-", "");
  for (let i = 0; i < 16; i++) ns[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  const names = Array.from({ length: 1_000_000 }, (_, i) =>
    canonicalJson({ value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }),
  );
  const input = (name: string) => {
    const bytes = encoder.encode(name);
    const out = new Uint8Array(16 + bytes.length);
    out.set(ns);
    out.set(bytes, 16);
    return out;
  };
  const result: Record<string, number> = {};
  let start = performance.now();
  const ours = uuidv5For(stixNamespace);
  for (const name of names) ours(name);
  result.oursSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  for (const name of names) formatUuidV5(osloSha1(input(name)));
  result.osloSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  for (const name of names) formatUuidV5(nobleSha1(input(name)));
  result.nobleSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  for (let i = 0; i < names.length; i += 1000) {
    await Promise.all(names.slice(i, i + 1000).map((name) => uuidv5Async(stixNamespace, name)));
  }
  result.subtleBatchedSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  for (const name of names.slice(0, 200_000)) await uuidv5Async(stixNamespace, name);
  result.subtleSequentialSeconds = ((performance.now() - start) / 1000) * 5;
  return result;
}

async function runCase(name: string): Promise<void> {
  const result =
    name === "stream"
      ? await caseStream(false)
      : name === "stream-ids"
        ? await caseStream(true)
        : name === "stringify"
          ? caseStringify()
          : await caseUuid();
  process.stdout.write(JSON.stringify(result));
}

function child(name: string, extraArgs: string[] = []): Record<string, number> {
  const run = spawnSync(
    process.execPath,
    [...extraArgs, import.meta.filename, `--case=${name}`, String(count)],
    {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    },
  );
  if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
const caseArg = process.argv.find((arg) => arg.startsWith("--case="));
if (caseArg !== undefined) {
  await runCase(caseArg.slice("--case=".length));
} else {
  console.log(
    `STIX 2.1 bundle of ${count.toLocaleString("en")} indicators (${(count * 3 + 6).toLocaleString("en")} objects), Node ${process.version}`,
  );
  if (only === "uuid") {
    printUuid(child("uuid"));
    process.exit(0);
  }
  const stream = child("stream");
  const streamBatches = child("stream-batches");
  const stringify = child("stringify", ["--max-old-space-size=12288"]);
  const row = (label: string, r: Record<string, number>) =>
    `${label.padEnd(34)} ${(r.seconds ?? 0).toFixed(1).padStart(7)} s ${(r.mb ?? 0).toFixed(0).padStart(6)} MB ${Math.round(
      r.objectsPerSecond ?? 0,
    )
      .toLocaleString("en")
      .padStart(11)} obj/s ${(r.peakRssMb ?? 0).toFixed(0).padStart(6)} MB peak RSS`;
  console.log(
    `load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}`,
  );
  console.log(row("stixBundleStream -> /dev/null", stream));
  console.log(`  (stream CPU time ${(stream.cpuSeconds ?? 0).toFixed(1)} s)`);
  console.log(row("same, batches of 10,000", streamBatches));
  console.log(`  (stream CPU time ${(streamBatches.cpuSeconds ?? 0).toFixed(1)} s)`);
  console.log(row("JSON.stringify (objects prebuilt)", stringify));
  console.log(
    `  (prebuilding the array took ${(stringify.buildSeconds ?? 0).toFixed(1)} s; whole bundle in one string: ${stringify.wholeBundleInOneString === 1 ? "yes" : "no, exceeds V8's string limit; stringified per object"})`,
  );
  if (only === "bundle") process.exit(0);
  printUuid(child("uuid"));
}

function printUuid(uuid: Record<string, number>): void {
  console.log(
    `UUIDv5 over 1,000,000 names (SHA-1 source; load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}):`,
  );
  console.log(`  ours: uuidv5For (noble, cloned)   ${(uuid.oursSeconds ?? 0).toFixed(2)} s`);
  console.log(`  @oslojs/crypto sha1 (sync)        ${(uuid.osloSeconds ?? 0).toFixed(2)} s`);
  console.log(`  @noble/hashes sha1 (sync)         ${(uuid.nobleSeconds ?? 0).toFixed(2)} s`);
  console.log(`  crypto.subtle, 1000 in parallel   ${(uuid.subtleBatchedSeconds ?? 0).toFixed(2)} s`);
  console.log(
    `  crypto.subtle, one await each     ${(uuid.subtleSequentialSeconds ?? 0).toFixed(2)} s (200k measured, x5)`,
  );
}
