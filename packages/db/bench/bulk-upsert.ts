import { loadavg } from "node:os";
import { join } from "node:path";
import { neonConfig } from "@neondatabase/serverless";
import { newId, newIds } from "@threatfusion/core";
import { hexFrom, seededRandom } from "@threatfusion/core/testing";
import { sql } from "drizzle-orm";
import { Pool as TcpPool } from "pg";
// The bench starts its own server with the dev stack's helpers (a bench-only import across packages).
import { catalogBenchSettings } from "../../devstack/src/postgres.ts";
import { clusterCpuSecondsSince, clusterCpuTicks } from "../../devstack/src/process-cpu.ts";
import { startThrowawayDatabase } from "../../devstack/src/throwaway-database.ts";
import { LoopbackWebSocket } from "../../devstack/src/ws-bridge.ts";
import { type IndicatorUpsertRow, upsertIndicators } from "../src/bulk.ts";
import { createClient, createDatabase } from "../src/client.ts";
import { catalogIndicatorTypes } from "../src/schema.ts";
import { withIngestTx, withTenantTx } from "../src/tenant-tx.ts";

const total = Number(process.argv[2] ?? 1_000_000);
const batchSize = 5_000;
const workers = Number(process.env.BENCH_CONNECTIONS ?? 2);
const queryRuns = 200;
// The Neon driver's WebSocket in this Node process: the zero-mask loopback one (default), or Node's built-in
// (`BENCH_WEBSOCKET=builtin`) to compare.
const webSocket = process.env.BENCH_WEBSOCKET === "builtin" ? "builtin" : "loopback";
if (webSocket === "loopback") neonConfig.webSocketConstructor = LoopbackWebSocket;

const random = seededRandom(20261125);
const hex = hexFrom(random);
const words = [
  "login",
  "secure",
  "update",
  "account",
  "verify",
  "cdn",
  "mail",
  "portal",
  "pay",
  "cloud",
  "auth",
  "support",
];
const tlds = ["com", "net", "org", "ru", "xyz", "top", "info", "io", "cn", "online"];
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const day = 86_400_000;
const start = Date.UTC(2025, 0, 1);

/** One synthetic indicator; the type mix follows the TweetFeed 2025 dump (URLs and domains first). */
function syntheticIndicator(serial: number): IndicatorUpsertRow {
  const roll = random();
  let type: string;
  let value: string;
  if (roll < 0.3) {
    type = "domain";
    value = `${pick(words)}-${hex(6)}${serial.toString(36)}.${pick(tlds)}`;
  } else if (roll < 0.55) {
    type = "url";
    value = `http://${pick(words)}-${serial.toString(36)}.${pick(tlds)}/${hex(10)}/${pick(words)}.php`;
  } else if (roll < 0.75) {
    type = "ipv4";
    value = `${(serial >>> 24) + 11}.${(serial >>> 16) & 255}.${(serial >>> 8) & 255}.${serial & 255}`;
  } else if (roll < 0.9) {
    type = "sha256";
    value = hex(64);
  } else if (roll < 0.96) {
    type = "md5";
    value = hex(32);
  } else {
    type = "sha1";
    value = hex(40);
  }
  const firstSeen = start + Math.floor(random() * 300) * day;
  const lastSeen = firstSeen + Math.floor(random() * 60) * day;
  return {
    type,
    value,
    firstSeen: new Date(firstSeen).toISOString(),
    lastSeen: new Date(lastSeen).toISOString(),
    confidence: 30 + Math.floor(random() * 70),
    baseScore: Math.floor(random() * 101),
    tlp: "clear",
    tags: random() < 0.5 ? [pick(["phishing", "c2", "malware", "scanner", "botnet"])] : [],
  };
}

function batchesOf<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += batchSize) out.push(rows.slice(i, i + batchSize));
  return out;
}

/** Runs `load` over the batches with `workers` connections pulling from one queue; returns seconds. */
async function parallel<T>(batches: T[][], load: (batch: T[]) => Promise<void>): Promise<number> {
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (batch) await load(batch);
      }
    }),
  );
  return (performance.now() - began) / 1000;
}

/**
 * The raw limit: the same unnest statement shape with no validation, dedupe, merge rules, change detection or
 * RETURNING, one autocommit statement per batch. Sent as the same text through both drivers.
 */
function rawStatement(table: string): string {
  return `insert into ${table} (id, type, value, first_seen, last_seen, confidence, base_score, tlp, tags)
    select u.id, u.type, u.value, u.first_seen, u.last_seen, u.confidence, u.base_score, u.tlp,
           coalesce(string_to_array(nullif(u.tags, ''), chr(31)), '{}')
    from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::smallint[],
                $7::smallint[], $8::text[], $9::text[])
      as u(id, type, value, first_seen, last_seen, confidence, base_score, tlp, tags)
    ${table === floorTable ? "" : "on conflict (type, value) do update set last_seen = excluded.last_seen"}`;
}

/**
 * The floor: the same rows appended to a heap with no index, no constraint and no ON CONFLICT (a copy of the
 * table's columns and defaults only). What PostgreSQL spends per row before any key is kept.
 */
const floorTable = "bench_floor_heap";

/** A copy of the catalog as migration 0051 left it, before 0060 (see its creation). */
const beforeTable = "bench_raw_tcp_0051_indicators";

function rawParameters(rows: readonly IndicatorUpsertRow[]): unknown[] {
  return [
    newIds("indicator", rows.length),
    rows.map((row) => row.type),
    rows.map((row) => row.value),
    rows.map((row) => row.firstSeen),
    rows.map((row) => row.lastSeen),
    rows.map((row) => row.confidence),
    rows.map((row) => row.baseScore),
    rows.map((row) => row.tlp),
    rows.map((row) => (row.tags ?? []).join("\u001f")),
  ];
}

interface Queryable {
  query(text: string, values: unknown[]): Promise<unknown>;
}

interface Figures {
  rowsPerSecond: number;
  nodeCpu: number;
  postgresCpu: number;
}

/** Wall-clock rate plus the CPU it took in this process (driver, bridge, our code) and in PostgreSQL. */
async function measure(dataDir: string, rowCount: number, run: () => Promise<number>): Promise<Figures> {
  const node = process.cpuUsage();
  const postgres = await clusterCpuTicks(dataDir);
  const seconds = await run();
  const used = process.cpuUsage(node);
  return {
    rowsPerSecond: rowCount / seconds,
    nodeCpu: (used.user + used.system) / 1e6,
    postgresCpu: await clusterCpuSecondsSince(dataDir, postgres),
  };
}

async function queryOn(client: Queryable, table: string, rows: readonly IndicatorUpsertRow[]): Promise<void> {
  await client.query(rawStatement(table), rawParameters(rows));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

async function main(): Promise<void> {
  const log = process.env.BENCH_PG_LOG ? (line: string) => console.error(line) : undefined;
  // Server settings for a 1M-row catalog (`catalogBenchSettings`). Autovacuum off in this throw-away cluster:
  // PostgreSQL CPU is read for the whole cluster, and a vacuum that the previous line's 1M inserts set off would
  // be charged to the line running at the time. Each line's table is vacuumed right after its load instead,
  // outside the measurement, so every line does the same work.
  const database = await startThrowawayDatabase({
    prefix: "tf-bench-pg-",
    ...(log ? { log } : {}),
    settings: { ...catalogBenchSettings, autovacuum: "off" },
  });
  const { adminUrl, appUrl, ingestUrl, wsProxy } = database;
  const dataDir = join(database.folder, "postgres");
  try {
    const admin = createClient({ url: adminUrl, wsProxy });
    await admin.connect();
    // One copy of the table (same columns, constraints and indexes) per raw line, so every line starts alike.
    // A fourth copy is the table as migration 0051 left it (the (last_seen, id) index and the pattern check on
    // `type` that 0060 replaced), so the effect of 0060 shows in the same run.
    for (const table of ["bench_raw_indicators", "bench_raw_tcp_indicators", beforeTable]) {
      await admin.query(`create table ${table} (like indicators including all)`);
      await admin.query(`grant select, insert, update on ${table} to tf_ingest`);
    }
    await admin.query(`alter table ${beforeTable} drop constraint indicators_type_known,
      add check (type ~ '^[a-z][a-z0-9-]{1,31}$')`);
    await admin.query(`create index on ${beforeTable} (last_seen desc, id desc)`);
    await admin.query(`create table ${floorTable} (like indicators including defaults)`);
    await admin.query(`grant select, insert on ${floorTable} to tf_ingest`);
    const tenantId = newId("tenant");
    await admin.query(
      "insert into tenants (id, kind, name, slug) values ($1, 'platform', 'Bench', 'bench')",
      [tenantId],
    );

    const ingest = createDatabase({ url: ingestUrl, wsProxy }, { max: workers });
    // The reference line: the same raw statement over plain TCP with the `pg` package (no WebSocket, no bridge).
    const tcp = new TcpPool({
      connectionString: ingestUrl,
      max: workers,
    });
    tcp.on("error", (error: Error) => console.error(`tcp pool: ${error.message}`));
    const app = createDatabase({ url: appUrl, wsProxy }, { max: 1 });
    // An idle pooled connection that drops must not crash the run before the figures print.
    for (const pool of [ingest.pool, app.pool])
      pool.on("error", (error: Error) => console.error(`pool: ${error.message}`));

    const shown = await admin.query<{ version: string; buffers: string; autovacuum: string }>(
      `select current_setting('server_version') as version, current_setting('shared_buffers') as buffers,
         current_setting('autovacuum') as autovacuum`,
    );
    console.log(
      `PostgreSQL ${shown.rows[0]?.version} (shared_buffers ${shown.rows[0]?.buffers}, fsync off, autovacuum ${shown.rows[0]?.autovacuum}: each table vacuumed after its load, unmeasured), Node ${process.version}`,
    );
    console.log(
      `load average at start: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(" ")}`,
    );
    // The machine's speed right now (2 shared cores): a pure-CPU query to read the figures below against.
    const calibrationStart = performance.now();
    await admin.query("select count(*) from generate_series(1, 3000000)");
    console.log(
      `calibration: select count(*) from generate_series(1, 3000000) took ${Math.round(performance.now() - calibrationStart)} ms`,
    );
    console.log(
      `${fmt(total)} rows per load, ${batchSize} rows per statement, ${workers} connections in parallel\n`,
    );

    const firstLoad = Array.from({ length: total }, (_, i) => syntheticIndicator(i));
    const half = Math.floor(total / 2);
    const secondLoad = [
      ...firstLoad
        .slice(0, half)
        .map((row, i) =>
          i % 5 === 0
            ? { ...row, lastSeen: new Date(Date.parse(String(row.lastSeen)) + day).toISOString() }
            : row,
        ),
      ...Array.from({ length: total - half }, (_, i) => syntheticIndicator(total + i)),
    ];

    /** Vacuums a line's table after its load, outside the measurement (autovacuum is off, see above). */
    const settle = async (table: string) => {
      await admin.query(`vacuum analyze ${table}`);
    };
    const lines: { name: string; figures: Figures }[] = [];
    const show = (phase: string, name: string, figures: Figures, note = "") => {
      const cpuPerRow = ((figures.nodeCpu + figures.postgresCpu) * 1e6) / total;
      // What the 2 cores would do if this load had them to itself: rows per CPU-second, times 2.
      const cpuBound = (2 * 1e6) / cpuPerRow;
      console.log(
        `${phase.padEnd(15)} ${name.padEnd(38)} ${fmt(figures.rowsPerSecond).padStart(8)} rows/s | CPU/row: node ${((figures.nodeCpu * 1e6) / total).toFixed(1).padStart(5)} µs + postgres ${((figures.postgresCpu * 1e6) / total).toFixed(1).padStart(5)} µs = 2-core bound ${fmt(cpuBound).padStart(8)} rows/s${note}`,
      );
      lines.push({ name: `${phase}/${name}`, figures });
    };
    for (const [phase, rows] of [
      ["new rows", firstLoad],
      ["50% duplicates", secondLoad],
    ] as const) {
      const counts = { new: 0, changed: 0, unchanged: 0, rejected: 0 };
      const ours = await measure(dataDir, rows.length, () =>
        parallel(batchesOf(rows), async (batch) => {
          const result = await withIngestTx({ db: ingest.db }, (tx) =>
            // No score here and none in the raw line: queueing every new row for the scheduled re-score (an
            // insert into score_requests, with a foreign-key check per row) is scoring's cost, not the upsert's.
            upsertIndicators(tx, batch, { batchSize, queueUnscored: false }),
          );
          counts.new += result.new;
          counts.changed += result.changed;
          counts.unchanged += result.unchanged;
          counts.rejected += result.rejected;
        }),
      );
      await settle("indicators");
      const rawNeon = await measure(dataDir, rows.length, () =>
        parallel(batchesOf(rows), (batch) => queryOn(ingest.pool, "bench_raw_indicators", batch)),
      );
      await settle("bench_raw_indicators");
      const rawTcp = await measure(dataDir, rows.length, () =>
        parallel(batchesOf(rows), (batch) => queryOn(tcp, "bench_raw_tcp_indicators", batch)),
      );
      await settle("bench_raw_tcp_indicators");
      show(
        phase,
        "upsertIndicators (Neon + bridge)",
        ours,
        ` | ${(ours.rowsPerSecond / rawNeon.rowsPerSecond).toFixed(2)} of raw via Neon | new ${fmt(counts.new)}, changed ${fmt(counts.changed)}, unchanged ${fmt(counts.unchanged)}, rejected ${counts.rejected}`,
      );
      show(phase, "raw unnest (Neon + bridge)", rawNeon);
      show(phase, "raw unnest (pg, plain TCP)", rawTcp);
      const rawBefore = await measure(dataDir, rows.length, () =>
        parallel(batchesOf(rows), (batch) => queryOn(tcp, beforeTable, batch)),
      );
      await settle(beforeTable);
      show(phase, "raw unnest (pg, TCP), 0051 table", rawBefore);
      const floor = await measure(dataDir, rows.length, () =>
        parallel(batchesOf(rows), (batch) => queryOn(tcp, floorTable, batch)),
      );
      await settle(floorTable);
      show(phase, "floor: plain insert, no index (TCP)", floor);
    }
    console.log(
      `load average after the loads: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(" ")}`,
    );

    await admin.query("vacuum analyze indicators");
    const { rows: sizeRows } = await admin.query<{ n: string; size: string }>(
      "select count(*)::text as n, pg_size_pretty(pg_total_relation_size('indicators')) as size from indicators",
    );
    console.log(`\nindicators: ${fmt(Number(sizeRows[0]?.n))} rows, ${sizeRows[0]?.size} with indexes`);

    const sample = Array.from({ length: queryRuns }, () => pick(firstLoad));
    const types = ["domain", "url", "ipv4", "sha256"];
    // The API's list with no type filter since 0060 (services active-indicators.ts): one ordered walk of the
    // (type, last_seen) index per engine type, merged.
    const everyTypePage = (before?: string) =>
      sql`select * from (${sql.join(
        catalogIndicatorTypes.map(
          (type) => sql`(select id, type, value, last_seen, base_score from indicators
            where type = ${type}
              ${before === undefined ? sql`` : sql`and (last_seen, id) < (${before}::timestamptz, 'ind_zzzz')`}
            order by last_seen desc, id desc limit 51)`,
        ),
        sql` union all `,
      )}) as b order by last_seen desc, id desc limit 51`;
    const queries: { name: string; statement: (i: number) => ReturnType<typeof sql> }[] = [
      {
        name: "filtered list, first page (type + score + time, by last seen, 50)",
        statement: (i) => {
          const from = new Date(start + (i % 200) * day).toISOString();
          const to = new Date(start + ((i % 200) + 90) * day).toISOString();
          return sql`select id, type, value, last_seen, base_score from indicators
            where type = ${types[i % types.length]} and base_score between 50 and 100
              and last_seen >= ${from} and last_seen < ${to}
            order by last_seen desc, id desc limit 50`;
        },
      },
      {
        name: "filtered list, next page (keyset after (last_seen, id))",
        statement: (i) =>
          sql`select id, type, value, last_seen, base_score from indicators
            where type = ${types[i % types.length]} and base_score between 50 and 100
              and (last_seen, id) < (${new Date(start + ((i % 200) + 60) * day).toISOString()}::timestamptz, 'ind_zzzz')
            order by last_seen desc, id desc limit 50`,
      },
      {
        name: "list without type filter, first page (by last seen, 50)",
        statement: () => everyTypePage(),
      },
      {
        name: "list without type filter, next page (keyset)",
        statement: (i) => everyTypePage(new Date(start + ((i % 200) + 60) * day).toISOString()),
      },
      {
        name: "lookup by (type, value)",
        statement: (i) => {
          const row = sample[i] ?? firstLoad[0];
          return sql`select * from indicators where type = ${row?.type} and value = ${row?.value}`;
        },
      },
      {
        name: "lookup by value alone (skip scan of (type, value))",
        statement: (i) => sql`select * from indicators where value = ${sample[i]?.value}`,
      },
      {
        name: "prefix search on value (50)",
        statement: (i) =>
          sql`select id, type, value from indicators where type = 'domain' and value like ${`${words[i % words.length]}-${hex(2)}%`} order by value limit 50`,
      },
      {
        name: "tag filter within a type, by last seen (50)",
        statement: (i) =>
          sql`select id, value from indicators where type = ${types[i % types.length]} and tags @> array['c2']
            order by last_seen desc, id desc limit 50`,
      },
    ];

    console.log(`\nqueries as tf_app in a tenant transaction, ${queryRuns} runs each (ms)`);
    console.log(
      `${"query".padEnd(66)} ${"db p50".padStart(7)} ${"db p95".padStart(7)} ${"rtt p50".padStart(8)} ${"rtt p95".padStart(8)}  index used`,
    );
    for (const query of queries) {
      const inDatabase: number[] = [];
      const roundTrip: number[] = [];
      let indexesUsed: string[] = [];
      await withTenantTx({ db: app.db, tenantId }, async (tx) => {
        for (let i = 0; i < queryRuns; i++) {
          const explained = await tx.execute<{
            "QUERY PLAN": [{ "Planning Time": number; "Execution Time": number }];
          }>(sql`explain (analyze, format json) ${query.statement(i)}`);
          const plan = explained.rows[0]?.["QUERY PLAN"][0];
          if (plan) inDatabase.push(plan["Planning Time"] + plan["Execution Time"]);
          if (i === 0)
            indexesUsed = [
              ...new Set(
                [...JSON.stringify(plan).matchAll(/"Index Name":"([^"]+)"/g)].map((m) => m[1] ?? ""),
              ),
            ];
          const began = performance.now();
          await tx.execute(query.statement(i));
          roundTrip.push(performance.now() - began);
        }
      });
      inDatabase.sort((a, b) => a - b);
      roundTrip.sort((a, b) => a - b);
      console.log(
        `${query.name.padEnd(66)} ${percentile(inDatabase, 50).toFixed(2).padStart(7)} ${percentile(inDatabase, 95).toFixed(2).padStart(7)} ${percentile(roundTrip, 50).toFixed(2).padStart(8)} ${percentile(roundTrip, 95).toFixed(2).padStart(8)}  ${indexesUsed.length > 0 ? indexesUsed.join(", ") : "NO INDEX"}`,
      );
    }

    await ingest.end();
    await tcp.end();
    await app.end();
    await admin.end();
  } finally {
    await database.stop();
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exit(1);
}
