/**
 * Ingestion benchmark (`pnpm bench:ingest`, or `node apps/api/bench/ingest.ts [indicators]`): a feed file of
 * N unique indicators (default 1,000,000) through the real path in the local runtime:
 *
 *   HTTP feed server -> cron tick -> queue -> collector in the Worker (stream, parse, canonicalize, chunk)
 *   -> queue (messages < 128 KB) -> consumer -> bulk upsert into Postgres via the Neon driver -> run finished
 *   -> queryable (count and a point lookup as the application role in a tenant transaction).
 *
 * It starts the dev stack (`wrangler dev --local`, embedded PostgreSQL, the WebSocket bridge) in a throw-away
 * data folder and port, serves the file from a loopback HTTP server named as a fake feed provider, and prints
 * end-to-end indicators/s next to the raw database upsert rate measured in the same run (the same bulk
 * functions called directly from Node through the same driver, bridge and role: the ceiling), plus peak
 * memory of workerd (all isolates) and of this process. The feed is synthetic (public-range IPv4 and
 * domains, one per line, seeded); no fixture files are needed. PostgreSQL's CPU is also printed by process kind
 * (client backends, autovacuum, WAL writer, …) with the autovacuum runs per table, so the write statements'
 * share is told from what the server does around them.
 */
import { createReadStream } from "node:fs";
import { appendFile, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { createLogger, newId } from "@threatfusion/core";
import { createPool } from "@threatfusion/db";
// The bench starts the dev stack's parts itself (a bench-only import across packages) so that it can run the
// Worker from a frozen bundle: `wrangler dev` rebuilds and restarts (dropping local queue state) whenever a
// source file changes, which other work in the same checkout does at any time.
import { startFrozenStack } from "../../../packages/devstack/src/frozen-stack.ts";
import { sampleActivity, summarizeActivity } from "../../../packages/devstack/src/pg-activity.ts";
import { catalogBenchSettings, startLocalPostgres } from "../../../packages/devstack/src/postgres.ts";
import {
  machineBusySeconds,
  machineIdleShare,
  processCpuSeconds,
  sampleMachineTicks,
} from "../../../packages/devstack/src/process-cpu.ts";
import type { BridgeTraffic } from "../../../packages/devstack/src/ws-bridge.ts";
import { startBridgeProcess } from "../../../packages/services/bench/start-bridge-process.ts";
import { feedLine, rawUpsertRate, writeFeed } from "./bench-feed.ts";
import { bundleFiles, startWorkerdProfile, summarizeProfile } from "./workerd-profile.ts";

const total = Number(process.argv[2] ?? 1_000_000);
/** BENCH_PG_STATEMENTS=1: load pg_stat_statements and print where PostgreSQL's time went, by statement. */
const statementStats = process.env.BENCH_PG_STATEMENTS === "1";
/**
 * BENCH_WORKERD_PROFILE=file.cpuprofile: sample the Worker's isolate through `wrangler dev`'s inspector
 * (BENCH_WORKERD_INSPECTOR, default http://127.0.0.1:9229) for the run, write the profile, print self time.
 */
const workerdProfilePath = process.env.BENCH_WORKERD_PROFILE;
/**
 * BENCH_PG_STATEMENT_CPU=1: the server logs every statement with the CPU of its protocol steps
 * (`log_statement_stats`: user + system time of parse, bind, execute, read by the backend itself), and the bench
 * sums them by statement: what each statement costs in CPU, not in wall time (pg_stat_statements' figure, which
 * counts waits and time without a core when writers overlap). Logging costs a little CPU itself.
 */
const statementCpu = process.env.BENCH_PG_STATEMENT_CPU === "1";
/**
 * BENCH_PG_ACTIVITY_MS=50 (default 0, off): sample the ingestion role's backends in pg_stat_activity at this
 * interval (a direct TCP connection, not the bridge) and print how the consumer phase splits: statements running
 * (one, two), PostgreSQL waiting on the Worker inside a transaction, no ingestion connection at all (between
 * deliveries). It costs the bench process ~1 CPU-s per minute and PostgreSQL a query per sample, on the same
 * 2 cores. The machine's idle share by phase (/proc/stat every 250 ms) is printed always.
 */
const activityIntervalMs = Number(process.env.BENCH_PG_ACTIVITY_MS ?? 0);
const serverLog: string[] = [];

/**
 * Server settings for a catalog of a million rows, the same as the database benchmark's (`catalogBenchSettings`),
 * so the raw rate here and there compare.
 */
const serverSettings: Record<string, string> = {
  ...catalogBenchSettings,
  // `all`: statements run inside functions and triggers too (foreign-key checks, trigger bodies).
  ...(statementStats
    ? { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all" }
    : {}),
  ...(statementCpu
    ? {
        log_statement_stats: "on",
        log_statement: "all",
        log_parameter_max_length: "0",
        log_parameter_max_length_on_error: "0",
        log_line_prefix: "%p|",
      }
    : {}),
};

/**
 * Creates the embedded server's data folder (as the dev stack would) and writes the settings into it: the stack
 * starts its own server from that folder.
 */
async function prepareServer(work: string): Promise<void> {
  const dataDir = join(work, "postgres");
  const server = await startLocalPostgres({ dataDir });
  await server.stop();
  const lines = Object.entries(serverSettings).map(([name, value]) => `${name} = '${value}'\n`);
  await appendFile(join(dataDir, "postgresql.auto.conf"), lines.join(""));
}
const root = resolve(import.meta.dirname, "../../..");
const say = (message: string) => console.log(`[bench:ingest] ${message}`);
const logger = createLogger({ bench: "ingest" });

/**
 * This process's descendants, from `/proc/<pid>/task/<tid>/children`: a few dozen small reads, where listing every
 * process on the machine and reading its command line (other helpers run hundreds) cost this process ~10 % of a
 * core in samplers alone.
 */
async function descendantPids(): Promise<string[]> {
  const found: string[] = [];
  const pending = [String(process.pid)];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    for (const task of tasks) {
      const children = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
      for (const child of children.split(" ")) {
        if (child === "" || found.includes(child)) continue;
        found.push(child);
        pending.push(child);
      }
    }
  }
  return found;
}

/**
 * Peak resident memory of this stack's workerd processes, sampled every 100 ms; and their CPU seconds
 * meanwhile. The process list is scanned once a second only: reading every process's command line ten times
 * a second cost this (bridge-hosting) process several CPU seconds per minute, counted against the bridge.
 */
function sampleWorkerdMemory(): { stop(): number; cpuSeconds(): number } {
  let peak = 0;
  let pids: string[] = [];
  let scannedAt = 0;
  const cpu = new Map<string, { first: number; last: number }>();
  const scan = async () => {
    const found: string[] = [];
    // Only this stack's workerd processes (descendants of this one; other helpers run workerd too).
    for (const pid of await descendantPids()) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      if (cmd.includes("workerd")) found.push(pid);
    }
    pids = found;
  };
  const sample = async () => {
    if (performance.now() - scannedAt > 1_000) {
      scannedAt = performance.now();
      await scan();
    }
    let sum = 0;
    for (const pid of pids) {
      try {
        const status = await readFile(`/proc/${pid}/status`, "utf8");
        sum += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
        const stat = await readFile(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const seconds = (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
        const seen = cpu.get(pid);
        cpu.set(pid, { first: seen?.first ?? seconds, last: seconds });
      } catch {
        // The process ended between listing and reading.
      }
    }
    peak = Math.max(peak, sum);
  };
  let running = true;
  const loop = async () => {
    while (running) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  void loop();
  return {
    stop: () => {
      running = false;
      return peak;
    },
    cpuSeconds: () => [...cpu.values()].reduce((sum, entry) => sum + entry.last - entry.first, 0),
  };
}

/**
 * PostgreSQL's CPU by process kind (client backends, autovacuum workers, WAL writer, checkpointer, I/O workers,
 * …), from the postmaster's children sampled every 200 ms (its `children` list: no scan of every process).
 * A process that starts during the run counts from zero; one that exits loses at most its last 200 ms. Tells
 * the statements' CPU from what PostgreSQL does around them (vacuum, WAL, checkpoints).
 */
function samplePostgresByKind(dataDir: string): { stop(): Promise<Map<string, number>> } {
  const seen = new Map<string, { kind: string; first: number; last: number }>();
  let postmaster = "";
  let initial = true;
  const kindOf = (cmdline: string) => {
    const title = cmdline.replaceAll("\u0000", " ").trim();
    const match =
      /^postgres: (autovacuum worker|autovacuum launcher|walwriter|checkpointer|background writer|io worker|logical replication launcher|walsummarizer)/.exec(
        title,
      );
    if (match?.[1] !== undefined) return match[1];
    // A child just forked still shows the server's command line until it sets its title: judged again later.
    return title.startsWith("postgres: ") ? "client backends" : undefined;
  };
  const sample = async () => {
    if (postmaster === "")
      postmaster =
        (await readFile(join(dataDir, "postmaster.pid"), "utf8").catch(() => "")).split("\n")[0] ?? "";
    if (postmaster === "") return;
    const children = (
      await readFile(`/proc/${postmaster}/task/${postmaster}/children`, "utf8").catch(() => "")
    )
      .split(" ")
      .filter(Boolean);
    for (const pid of children) {
      try {
        const known = seen.get(pid);
        const kind = known?.kind ?? kindOf(await readFile(`/proc/${pid}/cmdline`, "utf8"));
        if (kind === undefined) continue;
        const stat = await readFile(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const seconds = (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
        seen.set(pid, { kind, first: known?.first ?? (initial ? seconds : 0), last: seconds });
      } catch {
        // The process ended between listing and reading.
      }
    }
    initial = false;
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await sample();
      const byKind = new Map<string, number>();
      for (const entry of seen.values())
        byKind.set(entry.kind, (byKind.get(entry.kind) ?? 0) + entry.last - entry.first);
      return byKind;
    },
  };
}

/** The consumer's per-delivery log lines ("feed chunks applied"), summed: where the consumer's time goes. */
const stages = {
  deliveries: 0,
  chunks: 0,
  indicators: 0,
  totalMs: 0,
  applyMs: 0,
  handOffMs: 0,
  listenersMs: 0,
  finishMs: 0,
  listenerMs: {} as Record<string, number>,
  collectedAt: 0,
  firstAppliedAt: 0,
};
let benchStarted = 0;

/** One line per delivery, to see whether a stage degrades as the tables grow. */
interface DeliveryRecord {
  endedAtMs: number;
  indicators: number;
  totalMs: number;
  applyMs: number;
  listenerMs: Record<string, number>;
}
const deliveries: DeliveryRecord[] = [];

function recordWorkerLine(line: string): void {
  const start = line.indexOf("{");
  if (start < 0) return;
  if (line.includes('"feed collected"')) {
    stages.collectedAt = performance.now() - benchStarted;
    return;
  }
  if (!line.includes('"feed chunks applied"')) return;
  try {
    const fields = JSON.parse(line.slice(start)) as Record<string, unknown>;
    const number = (key: string) => (typeof fields[key] === "number" ? fields[key] : 0);
    if (stages.deliveries === 0) stages.firstAppliedAt = performance.now() - benchStarted;
    stages.deliveries++;
    stages.chunks += number("chunks");
    stages.indicators += number("indicators");
    stages.totalMs += number("totalMs");
    stages.applyMs += number("applyMs");
    stages.handOffMs += number("handOffMs");
    stages.listenersMs += number("listenersMs");
    stages.finishMs += number("finishMs");
    const byListener = fields.listenerMs;
    const record: DeliveryRecord = {
      endedAtMs: performance.now() - benchStarted,
      indicators: number("indicators"),
      totalMs: number("totalMs"),
      applyMs: number("applyMs"),
      listenerMs: {},
    };
    if (byListener !== null && typeof byListener === "object") {
      for (const [name, ms] of Object.entries(byListener)) {
        if (typeof ms !== "number") continue;
        stages.listenerMs[name] = (stages.listenerMs[name] ?? 0) + ms;
        record.listenerMs[name] = ms;
      }
    }
    deliveries.push(record);
  } catch {
    // Not one of our JSON lines.
  }
}

/** CPU seconds (user + system) of processes whose command line matches, children reaped by them included. */
async function cpuSeconds(match: (cmdline: string) => boolean): Promise<number> {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of await descendantPids()) {
    try {
      const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\u0000", " ");
      if (!match(cmd)) continue;
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime, stime, cutime, cstime are fields 14-17 (1-based), i.e. 11-14 after the command.
      total += [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0) / ticks;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString("en-US");

async function main(): Promise<void> {
  // Under .data like the test database: the embedded server runs as its own user and must reach the folder.
  await mkdir(join(root, ".data"), { recursive: true });
  const work = await mkdtemp(join(root, ".data", "bench-ingest-"));
  await chmod(work, 0o755);
  const feedPath = join(work, "feed.txt");
  const salt = newId("feed").slice(-8);
  say(`writing a feed of ${total.toLocaleString("en-US")} indicators…`);
  const feedBytes = await writeFeed(feedPath, total, salt);

  // The fake feed provider: a plain HTTP server streaming the file.
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/plain", "content-length": String(feedBytes) });
    createReadStream(feedPath).pipe(response);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.txt`;

  const port = 8_700 + Math.floor(Math.random() * 200);
  say(`starting PostgreSQL, bundling the Worker and starting it on port ${port} (data in ${work})…`);
  await prepareServer(work);
  // The bridge in a process of its own (in production Neon's proxy, on other machines, terminates the driver's
  // WebSocket): its CPU is read from /proc, apart from this process's feed server, polling and samplers, which
  // are the benchmark's own work, not the pipeline's.
  let bridgePid = 0;
  let bridgeAddress = "";
  const stack = await startFrozenStack({
    root,
    work,
    port,
    startBridge: async (target) => {
      const bridge = await startBridgeProcess(target.host, target.port);
      bridgePid = bridge.pid;
      bridgeAddress = bridge.proxyAddress;
      return bridge;
    },
    // The stage timings come from the consumer's log lines, which this runtime hands to onWorkerLine.
    runtime: "wrangler-dev",
    log: say,
    healthTimeoutMs: 120_000,
    // The server's log, in the order it wrote it (chunks, not lines): read when the run has finished.
    ...(statementCpu ? { serverLog: (message: string) => serverLog.push(message) } : {}),
    onWorkerLine: (line) => {
      recordWorkerLine(line);
      if (process.env.BENCH_VERBOSE || (/error|exception/i.test(line) && !/dead-lettered/.test(line))) {
        console.log(`[wrangler] ${line}`);
      }
    },
  });
  const admin = createPool({ url: stack.adminUrl, wsProxy: stack.wsProxy }, { max: 2 });
  const memory = sampleWorkerdMemory();
  try {
    const sourceId = newId("source");
    const feedId = newId("feed");
    await admin.query("insert into sources (id, name, reliability) values ($1, $2, 'B')", [
      sourceId,
      `bench ${salt}`,
    ]);
    await admin.query(
      "insert into feeds (id, source_id, name, url, format, cadence_seconds, enabled, config) values ($1, $2, $3, $4, 'text', 86400, true, $5)",
      [feedId, sourceId, `bench ${salt}`, feedUrl, JSON.stringify({})],
    );
    const postgresCpu = (cmd: string) => cmd.startsWith("postgres") || cmd.includes("/bin/postgres");
    if (statementStats) {
      await admin.query("create extension if not exists pg_stat_statements");
      await admin.query("select pg_stat_statements_reset()");
    }
    const postgresByKind = samplePostgresByKind(join(work, "postgres"));
    const cpuBefore = {
      postgres: await cpuSeconds(postgresCpu),
      node: process.cpuUsage(),
    };
    const bridgeTraffic = async () =>
      (await (await fetch(`http://${bridgeAddress.replace(/\/v1$/, "")}/traffic`)).json()) as BridgeTraffic;
    const trafficBefore = await bridgeTraffic();
    const bridgeCpuBefore = processCpuSeconds(bridgePid);
    const profiler =
      workerdProfilePath === undefined
        ? undefined
        : await startWorkerdProfile(process.env.BENCH_WORKERD_INSPECTOR ?? "http://127.0.0.1:9229", say);
    const loadBefore = loadavg();
    const started = performance.now();
    benchStarted = started;
    const machineTicks = sampleMachineTicks(250, started);
    const activity =
      activityIntervalMs > 0
        ? sampleActivity(stack.adminUrl, "tf_ingest", activityIntervalMs, started)
        : undefined;
    await fetch(`${stack.origin}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
    let runId: string | undefined;
    let status = "running";
    let lastLog = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const { rows } = await admin.query<{ id: string; status: string; chunks_expected: number | null }>(
        "select id, status, chunks_expected from feed_runs where feed_id = $1 order by started_at desc limit 1",
        [feedId],
      );
      const run = rows[0];
      runId = run?.id;
      status = run?.status ?? "none";
      if (status !== "running" && status !== "none") break;
      if (performance.now() - lastLog > 5_000 && runId) {
        lastLog = performance.now();
        const { rows: done } = await admin.query<{ n: number }>(
          "select count(*)::int as n from ingest_chunks where run_id = $1",
          [runId],
        );
        say(
          `  ${Math.round((performance.now() - started) / 1000)} s: ${done[0]?.n ?? 0} chunks applied of ${run?.chunks_expected ?? "?"}`,
        );
      }
      if (performance.now() - started > 60 * 60_000)
        throw new Error("the run did not finish within 60 minutes");
    }
    const endToEndMs = performance.now() - started;
    const activitySamples = (await activity?.stop()) ?? [];
    const idleSamples = machineTicks.stop();
    // BENCH_PG_ACTIVITY_DUMP=file: one line per sample (ms, running, waiting on the client, idle), for timelines.
    if (process.env.BENCH_PG_ACTIVITY_DUMP)
      await writeFile(
        process.env.BENCH_PG_ACTIVITY_DUMP,
        activitySamples
          .map(
            (sample) => `${sample.at.toFixed(1)} ${sample.active} ${sample.idleInTransaction} ${sample.idle}`,
          )
          .join("\n"),
      );
    const profiles = profiler === undefined ? [] : await profiler.stop(workerdProfilePath ?? "");
    // The bundle the profile's line numbers refer to: the one `wrangler dev` rebuilt from ours and workerd ran
    // (the work folder is removed at the end).
    const bundle = profiles.length === 0 ? "" : await readFile(await devBundlePath(work), "utf8");
    const statements = statementStats ? await topStatements(admin) : [];
    const statementCpuRows = statementCpu ? statementCpuByShape(serverLog.join("\n")) : undefined;
    const postgresKinds = await postgresByKind.stop();
    const { rows: vacuums } = await admin.query<{
      relname: string;
      autovacuum: number;
      autoanalyze: number;
    }>(`
      select relname, autovacuum_count::int as autovacuum, autoanalyze_count::int as autoanalyze
      from pg_stat_user_tables where autovacuum_count + autoanalyze_count > 0 order by relname`);
    const cpuAfter = {
      workerd: memory.cpuSeconds(),
      postgres: await cpuSeconds(postgresCpu),
      node: process.cpuUsage(cpuBefore.node),
    };
    const trafficAfter = await bridgeTraffic();
    const bridgeCpu = processCpuSeconds(bridgePid) - bridgeCpuBefore;
    const loadAfter = loadavg();
    const workerdPeak = memory.stop();
    const { rows: runRows } = await admin.query("select * from feed_runs where id = $1", [runId]);
    const run = runRows[0] as Record<string, number | string | null>;
    const { rows: rejections } = await admin.query<{ line: number; reason: string; raw: string }>(
      "select line, reason, raw from feed_run_rejections where run_id = $1 order by chunk, ordinal limit 3",
      [runId],
    );
    for (const row of rejections) say(`  rejected line ${row.line}: ${row.reason} (${row.raw.slice(0, 80)})`);
    if (run.error) say(`  run error: ${run.error}`);

    // Queryable: as the application role in a tenant transaction (what the API does).
    const { rows: tenants } = await admin.query<{ id: string }>(
      "insert into tenants (id, parent_id, kind, name, slug) select $1, null, 'platform', 'Platform', 'platform' where not exists (select 1 from tenants where kind = 'platform') returning id",
      [newId("tenant")],
    );
    const tenantId =
      tenants[0]?.id ??
      (await admin.query<{ id: string }>("select id from tenants where kind = 'platform'")).rows[0]?.id;
    const app = createPool(
      { url: (await devRoleUrl(stack.adminUrl, work, "app")) ?? "", wsProxy: stack.wsProxy },
      { max: 1 },
    );
    const probe = feedLine(total - 2, salt);
    const queryStarted = performance.now();
    const client = await app.connect();
    let found = { lookup: 0, count: 0 };
    try {
      // What withTenantTx does: the tenant is set for this transaction only.
      await client.query("begin");
      await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
      const lookup = await client.query("select id from indicators where type = 'ipv4' and value = $1", [
        probe,
      ]);
      const counted = await client.query<{ n: number }>(
        "select count(*)::int as n from observations where source_id = $1",
        [sourceId],
      );
      await client.query("commit");
      found = { lookup: lookup.rows.length, count: counted.rows[0]?.n ?? 0 };
    } finally {
      client.release();
      await app.end();
    }
    const queryMs = performance.now() - queryStarted;
    // Searchable too: the run finishes only after its hand-off, which writes the search documents.
    const searchable = Number(
      (
        await admin.query<{ n: number }>(
          "select count(*)::int as n from indicator_search s join observations o on o.indicator_id = s.indicator_id where o.source_id = $1",
          [sourceId],
        )
      ).rows[0]?.n ?? 0,
    );

    say("measuring the raw database upsert rate (same driver, bridge and role, from Node)…");
    // A sample is enough for a rate (the bulk path's cost per row does not grow with the table at this size).
    const rawRows = Math.min(total, 100_000);
    const raw = await rawUpsertRate(
      (await devRoleUrl(stack.adminUrl, work, "ingest")) ?? "",
      stack.wsProxy,
      sourceId,
      rawRows,
    );
    const rawPostgresCpu = raw.postgresCpu;
    // The floor of "stored and searchable": the same two statements with the search documents of the new
    // rows written by the catalog upsert (as the consumer writes them), on another sample of new values.
    const floorBridgeBefore = processCpuSeconds(bridgePid);
    const searchableOnly = await rawUpsertRate(
      (await devRoleUrl(stack.adminUrl, work, "ingest")) ?? "",
      stack.wsProxy,
      sourceId,
      rawRows,
      { searchDocuments: true },
    );
    // Client and bridge together, as before the bridge had its own process.
    const searchableRaw = {
      ...searchableOnly,
      nodeCpu: searchableOnly.nodeCpu + processCpuSeconds(bridgePid) - floorBridgeBefore,
    };
    const nodePeak = process.resourceUsage().maxRSS * 1024;
    const pipelinePostgresCpu = cpuAfter.postgres - cpuBefore.postgres;

    console.log("");
    console.log(
      `Ingestion benchmark: ${total.toLocaleString("en-US")} indicators (${mb(feedBytes)} text feed)`,
    );
    console.log(`| measure | value |`);
    console.log(`| --- | ---: |`);
    console.log(
      `| end to end: cron tick -> run finished (parse, queue, consumer, Postgres) | ${(endToEndMs / 1000).toFixed(1)} s |`,
    );
    console.log(`| end-to-end rate | ${rate(total, endToEndMs)} indicators/s |`);
    console.log(
      `| run: status / chunks / new / rejected | ${run.status} / ${run.chunks_done} / ${run.indicators_new} / ${run.rows_rejected} |`,
    );
    console.log(
      `| queryable: point lookup + count as tf_app (${found.lookup} found, ${found.count.toLocaleString("en-US")} observations) | ${queryMs.toFixed(0)} ms |`,
    );
    console.log(
      `| searchable: search documents of the feed's indicators | ${searchable.toLocaleString("en-US")} |`,
    );
    console.log(
      `| raw upsertIndicators, 5,000/statement, 1 connection (same run, ${rawRows.toLocaleString("en-US")} rows) | ${rate(rawRows, raw.indicatorsMs)} rows/s |`,
    );
    console.log(
      `| raw upsertIndicators + upsertObservations (what the consumer writes) | ${rate(rawRows, raw.bothMs)} indicators/s |`,
    );
    // The floor: PostgreSQL CPU per indicator of the raw bulk statements alone, against the whole pipeline's.
    const microseconds = (seconds: number, rows: number) => `${Math.round((seconds / rows) * 1e6)} µs`;
    console.log(
      `| PostgreSQL CPU per indicator: raw upserts alone (its one backend) / whole pipeline (all backends, all stages) | ${microseconds(rawPostgresCpu, rawRows)} / ${microseconds(pipelinePostgresCpu, total)} |`,
    );
    console.log(
      `| => PostgreSQL CPU of the raw upserts for this feed, and its wall time on 2 cores at best | ${((rawPostgresCpu / rawRows) * total).toFixed(1)} s, ${(((rawPostgresCpu / rawRows) * total) / 2).toFixed(1)} s |`,
    );
    const searchableCpu = searchableRaw.postgresCpu + searchableRaw.nodeCpu;
    console.log(
      `| floor, stored and searchable: raw upserts + search documents written by the upsert (same run, ${rawRows.toLocaleString("en-US")} new rows): rate / PostgreSQL CPU / client + bridge CPU per indicator | ${rate(rawRows, searchableRaw.bothMs)} indicators/s / ${microseconds(searchableRaw.postgresCpu, rawRows)} / ${microseconds(searchableRaw.nodeCpu, rawRows)} |`,
    );
    console.log(
      `| => that floor for this feed: CPU in all, and its wall time on 2 cores at best | ${((searchableCpu / rawRows) * total).toFixed(1)} s, ${(((searchableCpu / rawRows) * total) / 2).toFixed(1)} s |`,
    );
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `| collector done (parse + enqueue of the whole feed), after start | ${seconds(stages.collectedAt)} |`,
    );
    console.log(`| first delivery applied, after start | ${seconds(stages.firstAppliedAt)} |`);
    // Miniflare delivers one batch per queue at a time, except that a batch flushed by its timeout can overlap
    // with the next one when the backlog fills meanwhile: this shows how many were in flight on average.
    console.log(
      `| deliveries in flight on average (consumer time summed / wall from first delivery to end) | ${(stages.totalMs / Math.max(1, endToEndMs - stages.firstAppliedAt + (deliveries[0]?.totalMs ?? 0))).toFixed(2)} |`,
    );
    console.log(
      `| consumer: deliveries / chunks / indicators | ${stages.deliveries} / ${stages.chunks} / ${stages.indicators.toLocaleString("en-US")} |`,
    );
    console.log(
      `| consumer time (sum over deliveries): total / apply (upserts + ledger) / hand-off / of which listeners / finish | ${seconds(stages.totalMs)} / ${seconds(stages.applyMs)} / ${seconds(stages.handOffMs)} / ${seconds(stages.listenersMs)} / ${seconds(stages.finishMs)} |`,
    );
    console.log(
      `| listeners (run side by side, each its own connection): ${Object.keys(stages.listenerMs).join(" / ")} | ${Object.values(stages.listenerMs).map(seconds).join(" / ")} |`,
    );
    console.log(
      `| CPU during the run: workerd / postgres (all backends) / bridge (its own process) / in all | ${cpuAfter.workerd.toFixed(1)} s / ${(cpuAfter.postgres - cpuBefore.postgres).toFixed(1)} s / ${bridgeCpu.toFixed(1)} s / ${(cpuAfter.workerd + cpuAfter.postgres - cpuBefore.postgres + bridgeCpu).toFixed(1)} s |`,
    );
    const benchProcessCpu = (cpuAfter.node.user + cpuAfter.node.system) / 1e6;
    console.log(
      `| CPU during the run of this benchmark process (feed server, polling, samplers, statement log: not the pipeline; sessions 3–9 counted it as "bridge") | ${benchProcessCpu.toFixed(1)} s |`,
    );
    // Everything else that shared the cores (session 12: wrangler's esbuild watcher, ~12 % of a core, was most of
    // it). Approximate: the machine's ticks cover the run itself, the processes' readings a few queries more.
    const ours = cpuAfter.workerd + cpuAfter.postgres - cpuBefore.postgres + bridgeCpu + benchProcessCpu;
    console.log(
      `| CPU during the run of other processes (the machine's busy CPU less all of the above: wrangler's esbuild watcher, other work on the machine; approximate) | ${Math.max(0, machineBusySeconds(idleSamples, 0, endToEndMs) - ours).toFixed(1)} s |`,
    );
    {
      // What the bridge's CPU follows: every byte the Worker sends the database, and every answer (this
      // process's own polling included, a few hundred bytes per 250 ms).
      const perIndicator = (bytes: number) => (bytes / total).toFixed(1);
      const to = trafficAfter.toDatabase;
      const from = trafficAfter.fromDatabase;
      console.log(
        `| through the bridge during the run, per indicator: to PostgreSQL bytes (WebSocket messages in all) / from PostgreSQL bytes (TCP reads in all) | ${perIndicator(to.bytes - trafficBefore.toDatabase.bytes)} B (${(to.messages - trafficBefore.toDatabase.messages).toLocaleString("en-US")}) / ${perIndicator(from.bytes - trafficBefore.fromDatabase.bytes)} B (${(from.messages - trafficBefore.fromDatabase.messages).toLocaleString("en-US")}) |`,
      );
    }
    console.log(
      `| PostgreSQL CPU by process kind (sampled every 200 ms) | ${[...postgresKinds.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([kind, cpu]) => `${kind} ${cpu.toFixed(1)} s`)
        .join(" / ")} |`,
    );
    console.log(
      `| autovacuum / autoanalyze runs during the run, by table | ${vacuums.map((row) => `${row.relname} ${row.autovacuum}/${row.autoanalyze}`).join(", ") || "none"} |`,
    );
    console.log(
      `| load average (1/5/15 min) before -> after | ${loadBefore.map((n) => n.toFixed(2)).join(" ")} -> ${loadAfter.map((n) => n.toFixed(2)).join(" ")} |`,
    );
    console.log(`| peak RSS, workerd (all isolates + runtime) | ${mb(workerdPeak)} |`);
    console.log(`| peak RSS, this Node process (feed server, polling, raw upserts) | ${mb(nodePeak)} |`);
    {
      // Where the consumer phase's wall time goes: the first delivery's start (its end less its own time) to the end.
      const consumerFrom = stages.firstAppliedAt - (deliveries[0]?.totalMs ?? 0);
      const pct = (share: number) => `${Math.round(share * 100)} %`;
      console.log(
        `| machine idle share (/proc/stat, 2 cores; other processes count as busy): collector phase (start -> collected) / consumer phase (first delivery's start -> end) / after the collector / whole run | ${pct(machineIdleShare(idleSamples, 0, stages.collectedAt))} / ${pct(machineIdleShare(idleSamples, consumerFrom, endToEndMs))} / ${pct(machineIdleShare(idleSamples, stages.collectedAt, endToEndMs))} / ${pct(machineIdleShare(idleSamples, 0, endToEndMs))} |`,
      );
      if (activitySamples.length > 0) {
        const consuming = summarizeActivity(activitySamples, consumerFrom, endToEndMs);
        console.log(
          `| ingestion backends in the consumer phase (pg_stat_activity every ${activityIntervalMs} ms, ${consuming.samples} samples): 2+ statements running / 1 running (of which the other waits on the Worker in a transaction) / none running, in a transaction waiting on the Worker / connected, no transaction / no ingestion connection | ${pct(consuming.twoActive)} / ${pct(consuming.oneActive)} (${pct(consuming.oneActiveOtherWaiting)}) / ${pct(consuming.waitingOnClient)} / ${pct(consuming.connectedIdle)} / ${pct(consuming.noConnection)} |`,
        );
        const waits = [...consuming.waits.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
        const waitTotal = [...consuming.waits.values()].reduce((sum, n) => sum + n, 0);
        console.log(
          `| running statements' wait events in the consumer phase (share of running-backend samples) | ${waits.map(([name, n]) => `${name} ${pct(n / Math.max(1, waitTotal))}`).join(" / ")} |`,
        );
      }
      let between = 0;
      for (let index = 1; index < deliveries.length; index++) {
        const previous = deliveries[index - 1];
        const current = deliveries[index];
        if (previous && current)
          between += Math.max(0, current.endedAtMs - current.totalMs - previous.endedAtMs);
      }
      console.log(
        `| between deliveries: wall from one delivery's end to the next one's start, summed (consumer log lines; Miniflare's dispatch, message checks, ack) | ${seconds(between)} |`,
      );
    }
    printTimeline();
    for (const profile of profiles) {
      console.log("");
      console.log(`Worker isolate CPU profile (${workerdProfilePath}), self time by function:`);
      for (const line of summarizeProfile(profile, bundleFiles(bundle))) console.log(line);
    }
    if (statementCpuRows !== undefined) {
      const clientBackends = postgresKinds.get("client backends") ?? 0;
      const inStatements = statementCpuRows.reduce((sum, row) => sum + row.cpu, 0);
      console.log("");
      console.log(
        `PostgreSQL CPU by statement during the run (log_statement_stats: parse + bind + execute, user + system; ${statementCpuRows.backends} backends logged statements): in statements ${inStatements.toFixed(1)} s of the client backends' ${clientBackends.toFixed(1)} s (outside statements: connection start, authentication, idle: ${(clientBackends - inStatements).toFixed(1)} s)`,
      );
      console.log("| CPU | of which bind (parameters, plan) | calls | µs per feed indicator | statement |");
      console.log("| ---: | ---: | ---: | ---: | --- |");
      for (const row of statementCpuRows.slice(0, 20))
        console.log(
          `| ${row.cpu.toFixed(2)} s | ${row.bind.toFixed(2)} s | ${row.calls} | ${((row.cpu / total) * 1e6).toFixed(1)} | ${row.statement} |`,
        );
    }
    if (statements.length > 0) {
      console.log("");
      console.log("PostgreSQL time by statement during the run (pg_stat_statements, top 20 by total time):");
      console.log("| total | calls | rows | statement |");
      console.log("| ---: | ---: | ---: | --- |");
      for (const row of statements)
        console.log(`| ${(row.total_ms / 1000).toFixed(1)} s | ${row.calls} | ${row.rows} | ${row.query} |`);
    }
  } finally {
    memory.stop();
    await admin.end();
    await stack.stop();
    server.close();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Sums the server log's `log_statement_stats` entries by statement (its first 110 characters, whitespace
 * collapsed). Per backend, a parse or bind message's CPU goes to the statement logged next (the extended
 * protocol logs a statement at its execute message), an execute's or a simple query's to the one logged last.
 */
function statementCpuByShape(
  text: string,
): { statement: string; cpu: number; bind: number; calls: number }[] & { backends: number } {
  const byShape = new Map<string, { cpu: number; bind: number; calls: number }>();
  const current = new Map<string, string>();
  const pending = new Map<string, { cpu: number; bind: number }>();
  let lastStats: { pid: string; kind: string } | undefined;
  const shapeOf = (statement: string) => statement.replace(/\s+/g, " ").trim().slice(0, 110);
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const prefix = /^(\d+)\|(LOG|DETAIL): {2}(.*)$/.exec(line);
    if (prefix !== null) {
      const [, pid = "", level, message = ""] = prefix;
      if (level === "LOG") {
        const logged = /^(?:statement|execute [^:]*): ([\s\S]*)$/.exec(message);
        if (logged !== null) {
          // The statement's text runs on over the following lines that carry no prefix.
          let statement = logged[1] ?? "";
          while (index + 1 < lines.length && !/^\d+\|/.test(lines[index + 1] ?? ""))
            statement += ` ${lines[++index] ?? ""}`;
          const shape = shapeOf(statement);
          current.set(pid, shape);
          const entry = byShape.get(shape) ?? { cpu: 0, bind: 0, calls: 0 };
          entry.calls++;
          const carried = pending.get(pid);
          if (carried !== undefined) {
            entry.cpu += carried.cpu;
            entry.bind += carried.bind;
            pending.delete(pid);
          }
          byShape.set(shape, entry);
          lastStats = undefined;
          continue;
        }
        const stats = /^(PARSE|BIND|EXECUTE) MESSAGE STATISTICS|^(QUERY) STATISTICS/.exec(message);
        lastStats = stats === null ? undefined : { pid, kind: stats[1] ?? stats[2] ?? "" };
      }
      continue;
    }
    const usage = /!\s+([\d.]+) s user, ([\d.]+) s system/.exec(line);
    if (usage === null || lastStats === undefined) continue;
    const cpu = Number(usage[1]) + Number(usage[2]);
    const { pid, kind } = lastStats;
    lastStats = undefined;
    if (kind === "PARSE" || kind === "BIND") {
      const carried = pending.get(pid) ?? { cpu: 0, bind: 0 };
      carried.cpu += cpu;
      if (kind === "BIND") carried.bind += cpu;
      pending.set(pid, carried);
    } else {
      const entry = byShape.get(current.get(pid) ?? "(unknown)") ?? { cpu: 0, bind: 0, calls: 0 };
      entry.cpu += cpu;
      byShape.set(current.get(pid) ?? "(unknown)", entry);
    }
  }
  const rows = [...byShape.entries()]
    .map(([statement, entry]) => ({ statement, ...entry }))
    .sort((a, b) => b.cpu - a.cpu);
  return Object.assign(rows, { backends: current.size });
}

async function topStatements(admin: ReturnType<typeof createPool>) {
  const { rows } = await admin.query<{ total_ms: number; calls: number; rows: number; query: string }>(`
    select total_exec_time::float8 as total_ms, calls::int, rows::int,
           left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as query
    from pg_stat_statements order by total_exec_time desc limit 20`);
  return rows;
}

/**
 * Deliveries in about ten groups in the order they ended: ms per 1,000 indicators of each stage, so growth
 * with the table size shows (a flat line means the cost per row does not depend on what is already stored).
 */
function printTimeline(): void {
  if (deliveries.length === 0) return;
  const names = [...new Set(deliveries.flatMap((entry) => Object.keys(entry.listenerMs)))];
  const size = Math.max(1, Math.ceil(deliveries.length / 10));
  console.log("");
  console.log(
    "Per delivery over time (ms per 1,000 indicators, consumer-side wall time; groups of deliveries):",
  );
  console.log(`| deliveries | ended at | indicators | total | apply | ${names.join(" | ")} |`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ${names.map(() => "---:").join(" | ")} |`);
  let stored = 0;
  for (let start = 0; start < deliveries.length; start += size) {
    const group = deliveries.slice(start, start + size);
    const indicators = group.reduce((sum, entry) => sum + entry.indicators, 0);
    const per = (ms: number) => (indicators === 0 ? "-" : ((ms / indicators) * 1000).toFixed(0));
    const sum = (pick: (entry: DeliveryRecord) => number) =>
      group.reduce((total, entry) => total + pick(entry), 0);
    const last = group[group.length - 1];
    stored += indicators;
    console.log(
      `| ${start + 1}-${start + group.length} | ${((last?.endedAtMs ?? 0) / 1000).toFixed(1)} s | ${stored.toLocaleString("en-US")} | ${per(sum((entry) => entry.totalMs))} | ${per(sum((entry) => entry.applyMs))} | ${names.map((name) => per(sum((entry) => entry.listenerMs[name] ?? 0))).join(" | ")} |`,
    );
  }
}

/** The script `wrangler dev` hands to workerd (its own build over the frozen bundle, lines shifted). */
async function devBundlePath(work: string): Promise<string> {
  const folder = join(work, "config", ".wrangler", "tmp");
  const dev = (await readdir(folder)).find((name) => name.startsWith("dev-"));
  return dev === undefined ? join(work, "bundle", "index.js") : join(folder, dev, "index.js");
}

/** The dev stack keeps the role passwords in its data folder. */
async function devRoleUrl(
  adminUrl: string,
  dataDir: string,
  role: "app" | "ingest",
): Promise<string | undefined> {
  const passwords = JSON.parse(await readFile(join(dataDir, "dev-role-passwords.json"), "utf8")) as Record<
    string,
    string
  >;
  const url = new URL(adminUrl);
  url.username = role === "app" ? "tf_app" : "tf_ingest";
  url.password = passwords[role] ?? "";
  return url.toString();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    logger.error("benchmark failed", {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  },
);
