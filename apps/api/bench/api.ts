// The API benchmark (issue 7): the local Workers runtime (Miniflare/workerd serving the frozen bundle with the
// bindings of wrangler.toml; BENCH_RUNTIME=wrangler-dev for `wrangler dev` as `pnpm dev` runs it) + embedded
// PostgreSQL through the Neon driver's loopback bridge (WebSocket and HTTP `/sql`), 1,000,000 indicators loaded
// through the bulk path, then:
//   1. single lookup (GET /api/v1/indicators/by-value) p50/p95 under 16 concurrent clients  (target p95 <= 25 ms)
//   2. a 1,000-object TAXII page (objects?limit=1000, walking `next`) p50/p95               (target p95 <= 50 ms)
//   3. the full EDL of all IPs (GET /api/v1/blocklists/ip)                                  (target <= 2 s)
//   4. a streamed STIX bundle of every indicator (GET /api/v1/exports/stix)                 (target <= 20 s, bounded memory)
// Each figure is printed next to the raw limit measured in the same run (the same read straight from
// Postgres, or the serializer alone). Run: `pnpm bench:api` (BENCH_INDICATORS=200000 for a quicker run).

import { readdirSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createApiToken } from "@threatfusion/auth";
import { createLogger, newId } from "@threatfusion/core";
import {
  createDatabase,
  createPool,
  upsertIndicators,
  upsertObservations,
  withIngestTx,
} from "@threatfusion/db";
import { createTenantTree } from "@threatfusion/db/testing";
import { type ExportIndicator, stixBundleStream } from "@threatfusion/exports";
import { encodeKeysetCursor, exportReadConnections } from "@threatfusion/services";
import { Pool as HttpPool } from "undici";
import {
  type FrozenRuntime,
  startEmptyWorker,
  startFrozenStack,
} from "../../../packages/devstack/src/frozen-stack.ts";
import { exportBatches } from "../../../packages/services/src/exports/export-read.ts";

const root = join(import.meta.dirname, "../../..");
const total = Number(process.env.BENCH_INDICATORS ?? 1_000_000);
const port = Number(process.env.BENCH_PORT ?? 8791);
const runtime: FrozenRuntime = process.env.BENCH_RUNTIME === "wrangler-dev" ? "wrangler-dev" : "miniflare";
const log = (message: string) => console.log(`[bench] ${message}`);
// Which measurements to run (all by default): BENCH_PARTS=lookup,taxii skips the long EDL and STIX exports.
const parts = new Set((process.env.BENCH_PARTS ?? "lookup,taxii,edl,stix").split(","));
const loadAverage = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");

/** Sums the Server-Timing phases (`auth;dur=1.2, handler;dur=…`) of many responses, to print their medians. */
class PhaseTimes {
  private readonly byPhase = new Map<string, number[]>();
  add(serverTiming: string | string[] | null | undefined): void {
    for (const entry of String(serverTiming ?? "").split(",")) {
      const [name, ...params] = entry.trim().split(";");
      const duration = params.find((param) => param.startsWith("dur="));
      if (!name || !duration) continue;
      const list = this.byPhase.get(name) ?? [];
      list.push(Number(duration.slice(4)));
      this.byPhase.set(name, list);
    }
  }
  summary(): string {
    return [...this.byPhase]
      .map(([name, values]) => `${name} p50 ${percentile(values, 50).toFixed(1)}`)
      .join(", ");
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** The i-th benchmark indicator: 40% IPv4, 25% domains, 25% URLs, 10% SHA-256. */
function indicatorAt(i: number): { type: string; value: string } {
  const bucket = i % 20;
  if (bucket < 8)
    return { type: "ipv4", value: `${11 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}` };
  if (bucket < 13) return { type: "domain", value: `host${i}.bench${i % 997}.com` };
  if (bucket < 18) return { type: "url", value: `http://host${i}.bench${i % 997}.com/path/${i}` };
  return { type: "sha256", value: i.toString(16).padStart(64, "0") };
}

/** The workerd (or other `command`) processes this benchmark started (descendants of this process, from /proc). */
function workerdPids(command = "workerd"): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const isOurs = (pid: number) => {
    for (let current = pid, hops = 0; current > 1 && hops < 50; hops++) {
      if (current === process.pid) return true;
      current = parents.get(current) ?? 0;
    }
    return false;
  };
  return [...parents.keys()].filter((pid) => {
    try {
      return isOurs(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(command);
    } catch {
      return false;
    }
  });
}

/** RSS (KiB) of the workerd processes this benchmark started. */
function workerdRssKib(): number {
  let sum = 0;
  for (const pid of workerdPids()) {
    try {
      sum += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return sum;
}

/** CPU time (ms, user + system) the workerd processes have used so far (clock ticks of 10 ms). */
function workerdCpuMs(): number {
  let ticks = 0;
  for (const pid of workerdPids()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10;
}

/**
 * CPU time (ms) of the embedded PostgreSQL this benchmark started, found by its data folder (the server
 * detaches from us): the server and its live backends, plus what it collected from ended backends
 * (cutime/cstime), so a connection closed meanwhile still counts.
 */
function postgresCpuMs(): number {
  const stats = new Map<number, string[]>();
  let server: number | undefined;
  for (const name of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      stats.set(Number(name), stat.slice(stat.lastIndexOf(")") + 2).split(" "));
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(`${dataDir}/`)) {
        if (stat.includes("(postgres)")) server = Number(name);
      }
    } catch {
      // the process ended meanwhile
    }
  }
  let ticks = 0;
  for (const [pid, fields] of stats) {
    if (pid === server)
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    else if (server !== undefined && Number(fields[1]) === server)
      ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}

/** Wall time, workerd CPU and PostgreSQL CPU of one measured step, as a short text. */
async function timedWithCpu<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpu: string }> {
  const workerdBefore = workerdCpuMs();
  const postgresBefore = postgresCpuMs();
  const benchBefore = process.cpuUsage();
  const result = await timed(fn);
  const bench = process.cpuUsage(benchBefore);
  const cpu = `CPU workerd ${((workerdCpuMs() - workerdBefore) / 1000).toFixed(1)} s, Postgres ${((postgresCpuMs() - postgresBefore) / 1000).toFixed(1)} s, bench process (client + database bridge) ${((bench.user + bench.system) / 1e6).toFixed(1)} s`;
  return { ...result, cpu };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/**
 * Reads a response body to the end, counting bytes and (unless told not to) newlines: bounded memory on our
 * side. The STIX bundle is drained without the newline count, a byte-by-byte loop over 1.4 GB in this
 * process, which also runs the database bridge the Worker's reads go through.
 */
async function drain(
  response: Response,
  options: { countLines: boolean } = { countLines: true },
): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  const reader = response.body?.getReader();
  if (!reader) return { bytes, lines };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (options.countLines) for (const byte of value) if (byte === 10) lines++;
  }
  return { bytes, lines };
}

const dataDir = await mkdtemp(join(root, ".data", "bench-api-"));
// The embedded server runs as its own user, which must be able to enter the folder.
await chmod(dataDir, 0o755);
log(
  `starting the local stack (${runtime} on :${port} over a frozen bundle, fresh embedded Postgres in ${dataDir})…`,
);
const stack = await startFrozenStack({
  root,
  work: dataDir,
  port,
  runtime,
  log,
  onWorkerLine: (line) => {
    if (process.env.BENCH_VERBOSE || /error|exception/i.test(line)) console.log(`[wrangler] ${line}`);
  },
});
const admin = { url: stack.adminUrl, wsProxy: stack.wsProxy };
// Stop the stack (Postgres, wrangler) on Ctrl-C or a timeout too, not only at the end.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void stack
      .stop()
      .finally(() => rm(dataDir, { recursive: true, force: true }).finally(() => process.exit(130)));
  });
}
const lookupRequests = Number(process.env.BENCH_LOOKUPS ?? 1_600);
try {
  // --- load through the bulk path -------------------------------------------------------------------
  const pool = createPool(admin, { max: 2 });
  // An idle connection closed under the pool is reported as an error event; the pool opens a new one.
  pool.on("error", (error: Error) => log(`idle admin connection closed: ${error.message}`));
  const sourceId = newId("source");
  await pool.query(
    "insert into sources (id, tenant_id, name, reliability) values ($1, null, 'Bench OSINT', 'B')",
    [sourceId],
  );
  const handles = [createDatabase(admin, { max: 1 }), createDatabase(admin, { max: 1 })];
  const batch = 5_000;
  const now = new Date().toISOString();
  const load = await timed(async () => {
    let next = 0;
    await Promise.all(
      handles.map(async (handle) => {
        for (;;) {
          const start = next;
          next += batch;
          if (start >= total) return;
          if (start % 100_000 === 0) log(`  ${start.toLocaleString()} loaded`);
          const rows = Array.from({ length: Math.min(batch, total - start) }, (_, k) =>
            indicatorAt(start + k),
          );
          await withIngestTx({ db: handle.db }, async (tx) => {
            await upsertIndicators(
              tx,
              rows.map((row) => ({
                ...row,
                firstSeen: now,
                lastSeen: now,
                confidence: 70,
                baseScore: 60,
                tlp: "green" as const,
              })),
            );
            await upsertObservations(
              tx,
              rows.map((row) => ({
                indicatorType: row.type,
                indicatorValue: row.value,
                sourceId,
                firstSeen: now,
                lastSeen: now,
                malwareFamily: "benchbot",
              })),
            );
          });
        }
      }),
    );
  });
  await Promise.all(handles.map((handle) => handle.end()));
  // Vacuum too, as a steady catalog would be: otherwise autovacuum of the fresh rows runs during the measures
  // and its CPU lands in the Postgres figures.
  await pool.query("vacuum (analyze) indicators, observations");
  log(
    `loaded ${total.toLocaleString()} indicators + observations via the bulk path in ${(load.ms / 1000).toFixed(1)} s`,
  );

  const tree = await createTenantTree(admin, "bench");
  await pool.query(`update tenants set settings = $2::jsonb where id = $1`, [
    tree.clientAId,
    JSON.stringify({
      rateLimits: { perToken: { perMinute: 10_000_000 }, perTenant: { perMinute: 10_000_000 } },
    }),
  ]);
  const token = await createApiToken();
  await pool.query(
    `insert into api_tokens (id, tenant_id, name, token_prefix, token_hash, scopes) values ($1, $2, 'bench', $3, $4, '{indicators:read,exports:read}')`,
    [token.id, tree.clientAId, token.hint, token.secretHash],
  );
  const headers = { authorization: `Bearer ${token.token}` };
  const api = (path: string, extra: Record<string, string> = {}) =>
    fetch(`${stack.origin}${path}`, { headers: { ...headers, ...extra } });
  const results: string[] = [];
  // The load generator of the hot-path measures: 16 keep-alive connections (one per client) through undici's
  // Pool, which costs the client far less CPU per request than fetch; the Worker and the bridge share this
  // machine's 2 cores with it.
  const pools = new Map<string, HttpPool>();
  const hot = async (origin: string, path: string, extra: Record<string, string> = {}) => {
    let pool = pools.get(origin);
    if (pool === undefined) {
      pool = new HttpPool(origin, { connections: 16, keepAliveTimeout: 60_000 });
      pools.set(origin, pool);
    }
    const response = await pool.request({ path, method: "GET", headers: extra });
    const body = await response.body.text();
    return { status: response.statusCode, serverTiming: response.headers["server-timing"], body };
  };
  const authed = (path: string, extra: Record<string, string> = {}) =>
    hot(stack.origin, path, { ...headers, ...extra });
  const benchCpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };

  /** `requests` GETs of `pathAt(k)` from 16 concurrent clients: latencies, throughput and CPU per request. */
  const concurrently = async (
    origin: string,
    requests: number,
    pathAt: (k: number) => string,
    extra: Record<string, string>,
  ) => {
    const latencies: number[] = [];
    const phases = new PhaseTimes();
    let cursor = 0;
    let failures = 0;
    const cpuBefore = process.cpuUsage();
    const workerdCpuBefore = workerdCpuMs();
    const postgresCpuBefore = postgresCpuMs();
    const wall = await timed(() =>
      Promise.all(
        Array.from({ length: 16 }, async () => {
          for (;;) {
            const k = cursor++;
            if (k >= requests) return;
            const started = performance.now();
            const response = await hot(origin, pathAt(k), extra);
            latencies.push(performance.now() - started);
            phases.add(response.serverTiming);
            if (response.status >= 300 && !pathAt(k).includes("no-such-route")) failures++;
          }
        }),
      ),
    );
    const perRequest = (totalMs: number) => (totalMs / latencies.length).toFixed(2);
    return {
      text:
        `p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, ${Math.round((latencies.length / wall.ms) * 1000)} req/s ` +
        `(${latencies.length} requests, ${failures} failed) | CPU ms/request: workerd ${perRequest(workerdCpuMs() - workerdCpuBefore)}, ` +
        `Postgres ${perRequest(postgresCpuMs() - postgresCpuBefore)}, bench process (client + bridge) ${perRequest(benchCpuMs(cpuBefore))}` +
        ` | server phases (ms): ${phases.summary()} | load ${loadAverage()}`,
    };
  };

  // --- 1. single lookup under 16 concurrent clients ------------------------------------------------
  const measureLookups = async (label: string, requests: number) => {
    const values = Array.from({ length: requests }, (_, k) => indicatorAt((k * 2_654_435_761) % total).value);
    const lookupPath = (value: string) => `/api/v1/indicators/by-value?value=${encodeURIComponent(value)}`;
    for (const value of values.slice(0, 16)) await authed(lookupPath(value));
    const concurrent = await concurrently(
      stack.origin,
      requests,
      (k) => lookupPath(values[k] ?? ""),
      headers,
    );
    // Where the time goes: one client at a time, the lookup next to an authenticated route that does no
    // query of its own (authentication: token, rate limiter).
    const sequential: number[] = [];
    const authOnly: number[] = [];
    const sequentialPhases = new PhaseTimes();
    for (const value of values.slice(0, 40)) {
      let started = performance.now();
      const response = await authed(lookupPath(value));
      sequential.push(performance.now() - started);
      sequentialPhases.add(response.serverTiming);
      started = performance.now();
      await authed("/api/v1/auth/me");
      authOnly.push(performance.now() - started);
    }
    results.push(
      `${label}lookup, one client at a time: p50 ${ms(percentile(sequential, 50))}, p95 ${ms(percentile(sequential, 95))} | ` +
        `GET /api/v1/auth/me (authentication only) p50 ${ms(percentile(authOnly, 50))} | server phases (ms): ${sequentialPhases.summary()}`,
    );
    log(results.at(-1) ?? "");
    const raw: number[] = [];
    for (const value of values.slice(0, 500)) {
      const started = performance.now();
      await pool.query("select id from indicators where value = $1", [value]);
      raw.push(performance.now() - started);
    }
    results.push(
      `${label}lookup (16 clients, ${runtime}): ${concurrent.text} | raw Postgres point query through the bridge: p50 ${ms(percentile(raw, 50))}, p95 ${ms(percentile(raw, 95))}`,
    );
    log(results.at(-1) ?? "");
  };
  if (parts.has("floor")) {
    // The floors under the same 16 clients, same run: a Worker that does nothing (the runtime alone), our app
    // without authentication or database (an unknown path: request id, config, router, the 404 envelope) on
    // this runtime and on the other one, and authentication alone (/api/v1/auth/me: token, rate limiter).
    const floorRequests = Math.min(lookupRequests, 640);
    const empty = await startEmptyWorker(port + 2);
    try {
      for (let round = 0; round < 2; round++) await hot(empty.origin, "/");
      results.push(
        `floor: empty Worker (no app, Miniflare) ${(await concurrently(empty.origin, floorRequests, () => "/", {})).text}`,
      );
      log(results.at(-1) ?? "");
    } finally {
      await empty.stop();
    }
    for (const [path, extra] of [
      ["/api/v1/no-such-route", {}],
      ["/api/v1/auth/me", headers],
    ] as const) {
      results.push(
        `floor (${runtime}) ${path}: ${(await concurrently(stack.origin, floorRequests, () => path, extra)).text}`,
      );
      log(results.at(-1) ?? "");
    }
    const otherRuntime: FrozenRuntime = runtime === "miniflare" ? "wrangler-dev" : "miniflare";
    const other = await stack.startWorker(otherRuntime, port + 1);
    try {
      for (let round = 0; round < 4; round++) await hot(other.origin, "/api/v1/no-such-route");
      results.push(
        `floor (${otherRuntime}, same bundle) /api/v1/no-such-route: ${(await concurrently(other.origin, floorRequests, () => "/api/v1/no-such-route", {})).text}`,
      );
      log(results.at(-1) ?? "");
    } finally {
      await other.stop();
    }
  }
  if (parts.has("lookup"))
    await measureLookups(
      process.env.BENCH_BRIDGE_PREPARED === "1"
        ? "[experiment: the bridge reuses statement plans, not Neon's behaviour] "
        : "",
      lookupRequests,
    );
  if (parts.has("scram4096")) {
    // The same lookups with the app role's password verifier at PostgreSQL's default 4,096 SCRAM iterations
    // (what the dev stack used before): the Neon driver then spends ~250 ms of CPU per connection.
    const password = decodeURIComponent(new URL(stack.appUrl).password);
    const setVerifier = async (iterations: number) => {
      const client = await pool.connect();
      try {
        await client.query(`set scram_iterations = ${iterations}`);
        const { rows } = await client.query<{ statement: string }>(
          "select format('alter role tf_app password %L', $1::text) as statement",
          [password],
        );
        if (rows[0]) await client.query(rows[0].statement);
      } finally {
        client.release();
      }
    };
    await setVerifier(4096);
    await measureLookups("[SCRAM 4,096 iterations, as before] ", Math.min(lookupRequests, 160));
    await setVerifier(1);
  }

  // --- 2. 1,000-object TAXII pages ------------------------------------------------------------------
  if (parts.has("taxii")) {
    const taxiiHeaders = { accept: "application/taxii+json;version=2.1" };
    const collections = JSON.parse(
      (await authed(`/taxii2/${tree.clientAId}/collections/`, taxiiHeaders)).body,
    ) as { collections: { id: string }[] };
    const all = collections.collections[0]?.id ?? "";
    const latencies: number[] = [];
    const phases = new PhaseTimes();
    let next: string | undefined;
    let objects = 0;
    const workerdCpuBefore = workerdCpuMs();
    const postgresCpuBefore = postgresCpuMs();
    for (let page = 0; page < 20; page++) {
      const started = performance.now();
      const response = await authed(
        `/taxii2/${tree.clientAId}/collections/${all}/objects/?limit=1000${next ? `&next=${encodeURIComponent(next)}` : ""}`,
        taxiiHeaders,
      );
      const body = JSON.parse(response.body) as { more: boolean; next?: string; objects?: unknown[] };
      latencies.push(performance.now() - started);
      phases.add(response.serverTiming);
      objects += body.objects?.length ?? 0;
      next = body.next;
      if (!body.more) break;
    }
    const perPage = (totalMs: number) => (totalMs / latencies.length).toFixed(1);
    const cpu = `CPU ms/page: workerd ${perPage(workerdCpuMs() - workerdCpuBefore)}, Postgres ${perPage(postgresCpuMs() - postgresCpuBefore)}`;
    const raw: number[] = [];
    for (let page = 0; page < 20; page++) {
      const started = performance.now();
      await pool.query("select * from indicators order by updated_at, id offset $1 limit 1000", [
        page * 1000,
      ]);
      raw.push(performance.now() - started);
    }
    results.push(
      `TAXII objects page of 1,000 (${latencies.length} pages, ${objects} objects): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}; ${cpu} | ` +
        `raw Postgres 1,000 rows in the same order: p50 ${ms(percentile(raw, 50))}, p95 ${ms(percentile(raw, 95))} | server phases (ms): ${phases.summary()} | load ${loadAverage()}`,
    );
    log(results.at(-1) ?? "");
  }
  await Promise.all([...pools.values()].map((httpPool) => httpPool.close()));

  // --- 3. the full EDL of all IPs -------------------------------------------------------------------
  if (parts.has("edl")) {
    const rssBefore = workerdRssKib();
    const edl = await timedWithCpu(async () => drain(await api("/api/v1/blocklists/ip")));
    const rssAfter = workerdRssKib();
    const raw = await timed(() =>
      pool.query("select value from indicators where type in ('ipv4', 'ipv6', 'cidr')"),
    );
    // The page-by-page read the full list used before (keyset pages of the active-indicators query), as
    // `since` still reads: every IP row is an addition since the epoch.
    const epoch = encodeKeysetCursor({
      at: "1970-01-01T00:00:00.000000Z",
      id: "ind_00000000000000000000000000",
    });
    const pages = await timedWithCpu(async () => drain(await api(`/api/v1/blocklists/ip?since=${epoch}`)));
    results.push(
      `EDL of all IPs (load ${loadAverage()}): ${edl.value.lines.toLocaleString()} entries, ${(edl.value.bytes / 1e6).toFixed(1)} MB in ${(edl.ms / 1000).toFixed(2)} s ` +
        `(${edl.cpu}; workerd RSS ${Math.round(rssBefore / 1024)} -> ${Math.round(rssAfter / 1024)} MB) | raw Postgres select of the same ${raw.value.rows.length.toLocaleString()} values: ${(raw.ms / 1000).toFixed(2)} s | ` +
        `the same rows read page by page (since=epoch, ${(pages.value.lines - 1).toLocaleString()} lines): ${(pages.ms / 1000).toFixed(2)} s (${pages.cpu})`,
    );
    log(results.at(-1) ?? "");
  }

  // --- 4. a streamed STIX bundle of every indicator ---------------------------------------------------
  if (parts.has("stix")) {
    let peak = workerdRssKib();
    const before = peak;
    const sampler = setInterval(() => {
      peak = Math.max(peak, workerdRssKib());
    }, 250);
    const stix = await timedWithCpu(async () =>
      drain(await api("/api/v1/exports/stix"), { countLines: false }),
    );
    clearInterval(sampler);
    const perSecond = (ms: number) => Math.round(total / (ms / 1000)).toLocaleString();
    // The serializer alone on the same number of records, in this Node process: with the STIX ids given
    // (as the lean read brings them from PostgreSQL) and with the writer deriving them (`uuidv5For`).
    const fixedIds = {
      indicator: "indicator--8e2e2d2b-17d4-5cbd-938b-8d8f2b4f3f10",
      observable: "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
      relationship: "relationship--2f9a2b8c-45f5-5ff1-b6a4-61bb2e5b2a7e",
    };
    const record = (i: number, withIds: boolean): ExportIndicator => {
      const { type, value } = indicatorAt(i);
      return {
        id: `ind_${i.toString(36).padStart(26, "0")}`,
        type: type as ExportIndicator["type"],
        value,
        firstSeen: now,
        lastSeen: now,
        addedAt: now,
        modifiedAt: now,
        confidence: 70,
        score: 60,
        tlp: "green",
        tags: [],
        context: { malwareFamily: "benchbot" },
        sources: ["Bench OSINT"],
        ...(withIds ? { stixIds: fixedIds } : {}),
      };
    };
    const serializer = async (withIds: boolean) => {
      const cpuBefore = process.cpuUsage();
      const run = await timed(async () =>
        drain(
          new Response(
            stixBundleStream(
              (function* () {
                for (let start = 0; start < total; start += 10_000) {
                  const batch: ExportIndicator[] = [];
                  for (let i = start; i < Math.min(total, start + 10_000); i++)
                    batch.push(record(i, withIds));
                  yield batch;
                }
              })(),
              { producer: { name: "Bench MSSP" } },
            ),
          ),
          { countLines: false },
        ),
      );
      const cpu = process.cpuUsage(cpuBefore);
      return `${(run.ms / 1000).toFixed(1)} s (${perSecond(run.ms)}/s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`;
    };
    const withIds = await serializer(true);
    const deriving = await serializer(false);
    // The read alone, in this Node process: the export's own reader (the catalog in ranges over
    // `exportReadConnections` connections on one snapshot, through the same driver and bridge), records
    // built and dropped: PostgreSQL's share and the driver's, without the writer or HTTP.
    const reader = createDatabase(
      { url: stack.appUrl, wsProxy: stack.wsProxy },
      { max: exportReadConnections },
    );
    const readAlone = await timedWithCpu(async () => {
      let records = 0;
      for await (const batch of exportBatches(
        {
          db: reader.db,
          actor: {
            kind: "user",
            userId: tree.userIds.clientA,
            role: "tenant_admin",
            tenantId: tree.clientAId,
            msspId: tree.msspId,
          },
          tenant: { tenantId: tree.clientAId, msspId: tree.msspId },
          requestId: newId("request"),
          logger: createLogger({}, "error"),
          now: () => new Date(),
        },
        { includeSuppressed: false, stixIdentityId: fixedIds.indicator.replace("indicator", "identity") },
      ))
        records += batch.length;
      return records;
    });
    await reader.end();
    // The page-by-page read the export used before (a filter that keeps every row takes that path).
    const paged = parts.has("stix-paged")
      ? await timedWithCpu(async () =>
          drain(await api("/api/v1/exports/stix?scoreMin=0"), { countLines: false }),
        )
      : undefined;
    results.push(
      `STIX bundle of ${total.toLocaleString()} indicators (load ${loadAverage()}): ${(stix.value.bytes / 1e6).toFixed(0)} MB in ${(stix.ms / 1000).toFixed(1)} s ` +
        `(${perSecond(stix.ms)} indicators/s; ${stix.cpu}; workerd RSS ${Math.round(before / 1024)} MB, peak ${Math.round(peak / 1024)} MB) | ` +
        `serializer alone in Node (building the records included), ids given: ${withIds}, ids derived in JS: ${deriving} | ` +
        `read alone in Node (${readAlone.value.toLocaleString()} records over ${exportReadConnections} connections, no writer): ${(readAlone.ms / 1000).toFixed(1)} s (${readAlone.cpu})` +
        (paged === undefined
          ? ""
          : ` | page-by-page read (scoreMin=0): ${(paged.ms / 1000).toFixed(1)} s (${perSecond(paged.ms)}/s; ${paged.cpu})`),
    );
    log(results.at(-1) ?? "");
  }

  await pool.end();
  console.log(
    `\nAPI benchmark (${total.toLocaleString()} indicators; shared 2-core machine, load average now ${loadAverage()}):`,
  );
  for (const line of results) console.log(`  ${line}`);
} finally {
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
}
