/**
 * Where PostgreSQL's CPU per written catalog row goes (`node packages/db/bench/index-cost.ts [rows]`, default
 * 200,000; `PROBE_ONLY=name|…` (substrings of variant names), `PROBE_BATCH`, `PROBE_CONNECTIONS` narrow or vary it).
 *
 * Loads the same synthetic rows into several variants of the `indicators` table (bare heap, keys only, the
 * full index set, narrower index sets, collations) with the raw `unnest` statement over plain TCP (`pg`), two
 * connections, 5,000 rows per statement, and prints the PostgreSQL CPU per row of each (read from /proc for
 * the cluster's processes, so load on the shared cores does not skew it the way it skews wall time). The
 * bare-heap line is the floor: what PostgreSQL spends per row with no index and no constraint at all.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { newIds } from "@threatfusion/core";
import { hexFrom, seededRandom } from "@threatfusion/core/testing";
import { Pool } from "pg";
import { catalogBenchSettings, startLocalPostgres } from "../../devstack/src/postgres.ts";
import { clusterCpuSecondsSince, clusterCpuTicks } from "../../devstack/src/process-cpu.ts";
import { removeDeadServerFolders } from "../../devstack/src/throwaway-database.ts";

const total = Number(process.argv[2] ?? 200_000);
const only = process.env.PROBE_ONLY?.split("|");
const batchSize = Number(process.env.PROBE_BATCH ?? 5_000);
const workers = Number(process.env.PROBE_CONNECTIONS ?? 2);

const random = seededRandom(7);
const hex = hexFrom(random);
const day = 86_400_000;
const start = Date.UTC(2025, 0, 1);

interface Row {
  type: string;
  value: string;
  firstSeen: string;
  lastSeen: string;
  tags: string;
}

function row(serial: number): Row {
  const roll = random();
  const [type, value] =
    roll < 0.3
      ? ["domain", `login-${hex(6)}${serial.toString(36)}.com`]
      : roll < 0.55
        ? ["url", `http://cdn-${serial.toString(36)}.xyz/${hex(10)}/pay.php`]
        : roll < 0.75
          ? [
              "ipv4",
              `${(serial >>> 24) + 11}.${(serial >>> 16) & 255}.${(serial >>> 8) & 255}.${serial & 255}`,
            ]
          : ["sha256", hex(64)];
  const firstSeen = start + Math.floor(random() * 300) * day;
  return {
    type,
    value,
    firstSeen: new Date(firstSeen).toISOString(),
    lastSeen: new Date(firstSeen + Math.floor(random() * 60) * day).toISOString(),
    tags: random() < 0.5 ? "c2" : "",
  };
}

const columns = `
  id text not null,
  type text not null,
  value text collate "C" not null,
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  confidence smallint,
  base_score smallint not null default 0,
  tlp text not null default 'clear',
  tags text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  score smallint not null default 0,
  score_next_reaction_at timestamptz`;

const checks = `,
  check (type ~ '^[a-z][a-z0-9-]{1,31}$'), check (length(value) between 1 and 2048),
  check (confidence between 0 and 100), check (base_score between 0 and 100), check (score between 0 and 100),
  check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red'))`;

const secondary = {
  typeLastSeen: "create index on t (type, last_seen desc, id desc) include (base_score)",
  lastSeen: "create index on t (last_seen desc, id desc)",
  tags: "create index on t using gin (tags)",
  updated: "create index on t (updated_at, id)",
  scoreDue: "create index on t (score_next_reaction_at) where score_next_reaction_at is not null",
};
const allSecondary = Object.values(secondary);
/** The index set on `indicators` since 0051 (GIN tags dropped). */
const current = [secondary.typeLastSeen, secondary.lastSeen, secondary.updated, secondary.scoreDue];

/** The table with checks, primary key and (type, value) unique; `collateC` lists text key columns made "C". */
function keyed(collateC: readonly ("id" | "type")[] = [], withChecks = true): string {
  let body = columns;
  for (const column of collateC)
    body = body.replace(`${column} text not null`, `${column} text collate "C" not null`);
  return `create table t (${body}${withChecks ? checks : ""}, primary key (id), unique (type, value))`;
}

const hashKey = "(md5(type || ' ' || value)::uuid)";
const cColumns = columns
  .replace("id text not null", 'id text collate "C" not null')
  .replace("type text not null", 'type text collate "C" not null');

/**
 * Variants: name → DDL for table `t` (the statement upserts on `target`, default (type, value), unless
 * `conflict` is false).
 */
const variants: { name: string; ddl: string[]; conflict: boolean; target?: string; sortIds?: boolean }[] = [
  { name: "bare heap, plain insert (floor)", ddl: [`create table t (${columns})`], conflict: false },
  {
    name: "min: C keys, no checks, plain insert",
    ddl: [keyed(["id", "type"], false)],
    conflict: false,
  },
  { name: "min: C keys, no checks, upsert", ddl: [keyed(["id", "type"], false)], conflict: true },
  {
    name: "min: C pkey only, plain insert",
    ddl: [`create table t (${cColumns}, primary key (id))`],
    conflict: false,
  },
  {
    name: "min: unique (type, value) only, upsert",
    ddl: [`create table t (${cColumns}, unique (type, value))`],
    conflict: true,
  },
  {
    name: "min: C pkey + unique md5 uuid, upsert",
    ddl: [`create table t (${cColumns}, primary key (id))`, `create unique index on t (${hashKey})`],
    conflict: true,
    target: `(${hashKey})`,
  },
  { name: "now (0051): C keys + 4 secondary", ddl: [keyed(["id", "type"]), ...current], conflict: true },
  {
    name: "now, ids sorted per statement",
    ddl: [keyed(["id", "type"]), ...current],
    conflict: true,
    sortIds: true,
  },
  {
    name: "min: C keys, upsert, ids sorted",
    ddl: [keyed(["id", "type"], false)],
    conflict: true,
    sortIds: true,
  },
  ...Object.entries(secondary)
    .filter(([, ddl]) => current.includes(ddl))
    .map(([name, ddl]) => ({
      name: `now minus ${name}`,
      ddl: [keyed(["id", "type"]), ...current.filter((other) => other !== ddl)],
      conflict: true,
    })),
  {
    name: "now minus lastSeen and scoreDue",
    ddl: [
      keyed(["id", "type"]),
      ...current.filter((ddl) => ddl !== secondary.lastSeen && ddl !== secondary.scoreDue),
    ],
    conflict: true,
  },
  { name: "keys: checks, pkey, unique (type, value)", ddl: [keyed()], conflict: true },
  { name: "keys, no checks", ddl: [keyed([], false)], conflict: true },
  { name: "keys, on conflict do nothing", ddl: [keyed()], conflict: false },
  { name: "keys, id+type collate C", ddl: [keyed(["id", "type"])], conflict: true },
  { name: "today: keys + 5 secondary", ddl: [keyed(), ...allSecondary], conflict: true },
  { name: "today, type collate C", ddl: [keyed(["type"]), ...allSecondary], conflict: true },
  { name: "today, id collate C", ddl: [keyed(["id"]), ...allSecondary], conflict: true },
  { name: "today, id+type collate C", ddl: [keyed(["id", "type"]), ...allSecondary], conflict: true },
  {
    name: "today minus GIN tags",
    ddl: [keyed(), ...allSecondary.filter((ddl) => ddl !== secondary.tags)],
    conflict: true,
  },
  {
    name: "minus GIN tags, id+type collate C",
    ddl: [keyed(["id", "type"]), ...allSecondary.filter((ddl) => ddl !== secondary.tags)],
    conflict: true,
  },
  ...Object.entries(secondary).map(([name, ddl]) => ({
    name: `keys + ${name} only`,
    ddl: [keyed(), ddl],
    conflict: true,
  })),
];

/** The batch with its ids in ascending order (rows keep their other columns; ids are fresh and arbitrary). */
function sortedIds(batch: unknown[]): unknown[] {
  const [ids, ...rest] = batch;
  return [[...(ids as string[])].sort(), ...rest];
}

function statement(conflict: boolean, target = "(type, value)"): string {
  return `insert into t (id, type, value, first_seen, last_seen, confidence, base_score, tlp, tags,
      score, score_next_reaction_at)
    select u.id, u.type, u.value, u.first_seen, u.last_seen, 50, 50, 'clear',
           case when u.tags = '' then '{}'::text[] else string_to_array(u.tags, chr(31)) end,
           50, u.last_seen + interval '30 days'
    from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[])
      as u(id, type, value, first_seen, last_seen, tags)
    ${conflict ? `on conflict ${target} do update set last_seen = excluded.last_seen` : ""}`;
}

async function main(): Promise<void> {
  // A bare server (no migrations, no bridge), so not `startThrowawayDatabase`; its folder rules are kept.
  await removeDeadServerFolders(tmpdir(), "tf-probe-pg-");
  const folder = await mkdtemp(join(tmpdir(), "tf-probe-pg-"));
  await chmod(folder, 0o755);
  const dataDir = join(folder, "postgres");
  // The same server settings as bench:db (2 GB of shared buffers hold a 1M-row table and its indexes).
  // Autovacuum off: a worker that exits before the CPU reading takes its ticks with it, so its share would land
  // on some variants and not others (bench:db vacuums after each load instead).
  const pg = await startLocalPostgres({ dataDir, settings: { ...catalogBenchSettings, autovacuum: "off" } });
  try {
    await pg.createDatabase("probe");
    const pool = new Pool({ connectionString: pg.superuserUrl("probe"), max: workers });
    pool.on("error", () => undefined); // the server stopping at the end closes idle connections
    const info = await pool.query<{ collate: string; provider: string; version: string; buffers: string }>(
      `select datcollate as collate, datlocprovider as provider, current_setting('server_version') as version,
         current_setting('shared_buffers') as buffers
       from pg_database where datname = current_database()`,
    );
    const load = () =>
      loadavg()
        .map((n) => n.toFixed(2))
        .join(" ");
    const calibrationStart = performance.now();
    await pool.query("select count(*) from generate_series(1, 3000000)");
    console.log(
      `PostgreSQL ${info.rows[0]?.version}, database collation ${info.rows[0]?.collate} (provider ${info.rows[0]?.provider}), shared_buffers ${info.rows[0]?.buffers}; ${total} rows per variant, ${batchSize} rows/statement, ${workers} connections; load ${load()}; calibration (count of 3M generate_series) ${Math.round(performance.now() - calibrationStart)} ms`,
    );
    const rows = Array.from({ length: total }, (_, i) => row(i));
    const batches: unknown[][] = [];
    const idsStart = Date.now();
    for (let i = 0; i < rows.length; i += batchSize) {
      const slice = rows.slice(i, i + batchSize);
      batches.push([
        // One millisecond per statement, as `upsertIndicators` mints them (one `newIds` call per statement):
        // ordered across statements, random within one.
        newIds("indicator", slice.length, idsStart + i / batchSize),
        slice.map((r) => r.type),
        slice.map((r) => r.value),
        slice.map((r) => r.firstSeen),
        slice.map((r) => r.lastSeen),
        slice.map((r) => r.tags),
      ]);
    }
    for (const variant of variants) {
      if (only && !only.some((name) => variant.name.includes(name))) continue;
      await pool.query("drop table if exists t");
      for (const ddl of variant.ddl) await pool.query(ddl);
      await pool.query("checkpoint");
      const text = statement(variant.conflict, variant.target);
      const before = await clusterCpuTicks(dataDir);
      const nodeBefore = process.cpuUsage();
      const began = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (next < batches.length) {
            const batch = batches[next++];
            if (batch) await pool.query(text, variant.sortIds ? sortedIds(batch) : batch);
          }
        }),
      );
      const seconds = (performance.now() - began) / 1000;
      const cpuPerRow = ((await clusterCpuSecondsSince(dataDir, before)) / total) * 1e6;
      const nodeMicros = process.cpuUsage(nodeBefore);
      const nodePerRow = (nodeMicros.user + nodeMicros.system) / total;
      const rate = Math.round(total / seconds).toLocaleString("en-US");
      const bound = Math.round(2e6 / (cpuPerRow + nodePerRow)).toLocaleString("en-US");
      console.log(
        `${variant.name.padEnd(40)} postgres ${cpuPerRow.toFixed(1).padStart(5)} + node ${nodePerRow.toFixed(1).padStart(4)} µs/row  wall ${rate.padStart(8)} rows/s  2-core bound ${bound.padStart(8)} rows/s  load ${load()}`,
      );
    }
    await pool.end();
  } finally {
    await pg.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
