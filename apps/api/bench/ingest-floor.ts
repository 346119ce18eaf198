/**
 * The floor of ingestion at 1M (issue 5): what the leanest design that still meets the issue costs on this
 * machine, with none of the product's extra work. `pnpm bench:ingest:floor [rows]` (= `node
 * apps/api/bench/ingest-floor.ts`, default 1,000,000; `FLOOR_ONLY=a1,c2,ours` picks variants, `FLOOR_PARTS=worker,db,raw`
 * picks parts). Three parts, one run:
 *
 * - Worker: the per-row work no pipeline design skips (stream the feed, parse, canonicalize with the IOC engine,
 *   queue messages <= 120 KB encoded and decoded, the consumer's array parameters), in workerd (Miniflare; CPU of
 *   the workerd process from /proc) and in Node, by stage (`ingest-floor-worker.ts`).
 * - Database: lean schemas (below) written through the product's Neon driver and the loopback WebSocket bridge
 *   (here in a child process, so client and bridge CPU are apart), two connections, 5,000 rows per statement,
 *   `rows` new rows into an empty catalog and `rows` more into the catalog they made; CPU of PostgreSQL, of this
 *   process (the driver; parameters are built before the clock starts, they are the Worker part's) and of
 *   the bridge; the seconds PostgreSQL waited for a core and what its backends were doing; wall time; a point
 *   lookup through the unique index afterwards. Variants a* (issue 5's write), b* (+ search), c* (+ what other
 *   issues read and write), and `ours`: the product's own statements in the same harness (docs/BENCHMARKS.md,
 *   Ingestion, session 7).
 * - Raw: what `bench:ingest` calls raw (the product's `upsertIndicators` + `upsertObservations`, 100,000 rows,
 *   one connection), and its "stored and searchable" floor line (search documents written by the upsert), on the
 *   product schema of the same server.
 *
 * PostgreSQL has `catalogBenchSettings` and autovacuum off (a vacuum worker that exits before the reading takes
 * its CPU with it, so it would land on some variants and not others): the floor leaves vacuum out.
 */
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { newId, newIds } from "@threatfusion/core";
import {
  createClient,
  createDatabase,
  createPool,
  numberArrayLiteral,
  textArrayLiteral,
  upsertIndicators,
  upsertObservations,
  withIngestTx,
} from "@threatfusion/db";
import { startBundledWorker } from "../../../packages/devstack/src/frozen-stack.ts";
import { catalogBenchSettings, findFreePort } from "../../../packages/devstack/src/postgres.ts";
import {
  clusterCpuSecondsSince,
  clusterCpuTicks,
  processCpuSeconds,
} from "../../../packages/devstack/src/process-cpu.ts";
import { runToCompletion } from "../../../packages/devstack/src/processes.ts";
import { startThrowawayDatabase } from "../../../packages/devstack/src/throwaway-database.ts";
import { consumerFeedRows } from "../../../packages/search/bench/synthetic-values.ts";
import { startBridgeProcess } from "../../../packages/services/bench/start-bridge-process.ts";
import { feedLine, rawUpsertRate, writeFeed } from "./bench-feed.ts";
import { runWorkerSide, type WorkerStage, workerStages } from "./ingest-floor-worker.ts";

const total = Number(process.argv[2] ?? 1_000_000);
const only = process.env.FLOOR_ONLY?.split(",");
const parts = new Set((process.env.FLOOR_PARTS ?? "worker,db,raw").split(","));
const rowsPerStatement = 5_000;
const connections = 2;
const rawRows = Math.min(total, 100_000);
/** 60 s on 2 cores. */
const budgetCpuSeconds = 120;
const root = resolve(import.meta.dirname, "../../..");
const say = (message: string) => console.log(`[bench:ingest:floor] ${message}`);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
const perMillion = (seconds: number, rows: number) => (seconds / rows) * 1e6;
/** A figure, or "–" for one this run did not measure (e.g. the Worker floor when `FLOOR_PARTS` leaves it out). */
const fmt = (value: number, digits = 1) => (Number.isNaN(value) ? "–" : value.toFixed(digits));

/** The types whose values get no trigram entries (migration 0071; searched by exact value or prefix). */
const prefixOnlyTypes = "('ipv4', 'ipv6', 'cidr', 'md5', 'sha1', 'sha256', 'sha512')";

interface Variant {
  key: string;
  label: string;
  ddl: string[];
  /**
   * $1 ids, $2 types, $3 values, $4 first seen, $5 last seen (arrays); $6 source id; $7 search terms; $8–$12 the
   * score columns (arrays), $13 the explanation id.
   */
  statement: string;
  /**
   * A second statement run after it in the same transaction (same parameters), when the variant writes in two
   * steps (the product's shape: observations join the catalog by (type, value) after the catalog upsert).
   */
  second?: string;
  /** How many of those it takes (PostgreSQL refuses a parameter the statement does not use). */
  parameters: 5 | 6 | 7 | 13;
  /** The same for `second`. */
  secondParameters?: 6;
  /** Tables whose size is printed. */
  tables: string[];
}

const catalogTable = (extraColumns = "") => `create table floor.catalog (
    id text collate "C" primary key,
    type text collate "C" not null,
    value text collate "C" not null,
    first_seen timestamptz not null,
    last_seen timestamptz not null${extraColumns},
    unique (type, value))`;
/** One observation per (indicator, source): its natural key, no id of its own. */
const observationsTable = `create table floor.observations (
    indicator_id text collate "C" not null,
    source_id text collate "C" not null,
    first_seen timestamptz not null,
    last_seen timestamptz not null,
    report_count integer not null default 1,
    primary key (indicator_id, source_id))`;
const trigramOnCatalog = `create index catalog_value_trgm on floor.catalog using gin (value gin_trgm_ops) where type not in ${prefixOnlyTypes}`;
const input = `input as materialized (
    select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
      as u(id, type, value, first_seen, last_seen))`;
/** The catalog upsert; `returning` lists the new and changed rows with `inserted`. */
const upsertCatalog = (extraColumns = "", extraValues = "") => `upserted as (
    insert into floor.catalog as c (id, type, value, first_seen, last_seen${extraColumns})
    select id, type, value, first_seen, last_seen${extraValues} from input
    on conflict (type, value) do update set
      first_seen = least(c.first_seen, excluded.first_seen), last_seen = greatest(c.last_seen, excluded.last_seen)
    where excluded.first_seen < c.first_seen or excluded.last_seen > c.last_seen
    returning c.id, c.type, c.value, (c.xmax = 0) as inserted)`;
/**
 * Every input row's observation: the catalog id from the upsert's answer, or (a row the upsert left unchanged,
 * from before this statement) probed through the unique index; coalesce evaluates the probe only then.
 */
const upsertObservationsSql = `insert into floor.observations as o (indicator_id, source_id, first_seen, last_seen)
    select coalesce(up.id, (select c.id from floor.catalog c where c.type = i.type and c.value = i.value)),
           $6::text, i.first_seen, i.last_seen
    from input i left join upserted up on up.type = i.type and up.value = i.value
    on conflict (indicator_id, source_id) do update set
      first_seen = least(o.first_seen, excluded.first_seen), last_seen = greatest(o.last_seen, excluded.last_seen),
      report_count = o.report_count + (excluded.last_seen > o.last_seen)::int
    where excluded.first_seen < o.first_seen or excluded.last_seen > o.last_seen`;

const documentOnCatalog = "create index catalog_document on floor.catalog using gin (document)";
/** What the list (#4) and the exports and TAXII (#7) read. */
const listIndexesOnCatalog = [
  "create index catalog_type_last_seen on floor.catalog (type, last_seen desc, id desc)",
  "create index catalog_updated on floor.catalog (updated_at, id)",
];
/** c2 and c3: the catalog row with its search document, list/export columns and issue 9's score. */
const scoredCatalogTable = catalogTable(`,
    document tsvector not null,
    updated_at timestamptz not null default now(),
    score smallint not null default 0,
    score_confidence smallint,
    score_base real,
    score_decay_start timestamptz,
    score_next_reaction_at timestamptz,
    score_explanation_id uuid,
    scored_at timestamptz`);
const scoredCatalogIndexes = [
  trigramOnCatalog,
  documentOnCatalog,
  ...listIndexesOnCatalog,
  "create index catalog_score_due on floor.catalog (score_next_reaction_at) where score_next_reaction_at is not null",
];
const scoredStatement = `with input as materialized (
        select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
          $8::smallint[], $9::smallint[], $10::real[], $11::float8[], $12::float8[])
          as u(id, type, value, first_seen, last_seen, score, score_confidence, score_base, decay_start_ms,
               next_reaction_ms)),
      ${upsertCatalog(
        ", document, score, score_confidence, score_base, score_decay_start, score_next_reaction_at, score_explanation_id, scored_at",
        ", to_tsvector('simple', value || ' ' || $7::text), score, score_confidence, score_base, to_timestamp(decay_start_ms / 1000.0), to_timestamp(next_reaction_ms / 1000.0), $13::uuid, now()",
      )} ${upsertObservationsSql}`;

const variants: Variant[] = [
  {
    key: "a0",
    label: "catalog row carries its sources (no observation table; single-source lower bound)",
    ddl: [catalogTable(',\n    source_ids text[] collate "C" not null')],
    parameters: 6,
    statement: `insert into floor.catalog as c (id, type, value, first_seen, last_seen, source_ids)
      select u.id, u.type, u.value, u.first_seen, u.last_seen, array[$6::text]
      from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
        as u(id, type, value, first_seen, last_seen)
      on conflict (type, value) do update set
        first_seen = least(c.first_seen, excluded.first_seen), last_seen = greatest(c.last_seen, excluded.last_seen),
        source_ids = case when $6::text = any(c.source_ids) then c.source_ids else c.source_ids || $6::text end
      where excluded.first_seen < c.first_seen or excluded.last_seen > c.last_seen or not ($6::text = any(c.source_ids))`,
    tables: ["floor.catalog"],
  },
  {
    key: "a1",
    label: "catalog (id, unique (type, value)) + observation per (indicator, source), one statement",
    ddl: [catalogTable(), observationsTable],
    parameters: 6,
    statement: `with ${input}, ${upsertCatalog()} ${upsertObservationsSql}`,
    tables: ["floor.catalog", "floor.observations"],
  },
  {
    key: "a2",
    label:
      "a1 in two statements of one transaction (observations join the catalog, as upsertObservations does)",
    ddl: [catalogTable(), observationsTable],
    parameters: 5,
    secondParameters: 6,
    statement: `insert into floor.catalog as c (id, type, value, first_seen, last_seen)
      select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
      on conflict (type, value) do update set
        first_seen = least(c.first_seen, excluded.first_seen), last_seen = greatest(c.last_seen, excluded.last_seen)
      where excluded.first_seen < c.first_seen or excluded.last_seen > c.last_seen`,
    second: `insert into floor.observations as o (indicator_id, source_id, first_seen, last_seen)
      select c.id, $6::text, u.first_seen, u.last_seen
      from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
        as u(id, type, value, first_seen, last_seen)
      join floor.catalog c on c.type = u.type and c.value = u.value
      on conflict (indicator_id, source_id) do update set
        first_seen = least(o.first_seen, excluded.first_seen), last_seen = greatest(o.last_seen, excluded.last_seen),
        report_count = o.report_count + (excluded.last_seen > o.last_seen)::int
      where excluded.first_seen < o.first_seen or excluded.last_seen > o.last_seen`,
    tables: ["floor.catalog", "floor.observations"],
  },
  {
    key: "b1",
    label: "a1 + trigram (0071's partial index) on the catalog row's value",
    ddl: [catalogTable(), observationsTable, trigramOnCatalog],
    parameters: 6,
    statement: `with ${input}, ${upsertCatalog()} ${upsertObservationsSql}`,
    tables: ["floor.catalog", "floor.observations"],
  },
  {
    key: "b2",
    label: "a1 + full-text document and trigram on the catalog row",
    ddl: [
      catalogTable(",\n    document tsvector not null"),
      observationsTable,
      trigramOnCatalog,
      documentOnCatalog,
    ],
    parameters: 7,
    statement: `with ${input}, ${upsertCatalog(", document", ", to_tsvector('simple', value || ' ' || $7::text)")} ${upsertObservationsSql}`,
    tables: ["floor.catalog", "floor.observations"],
  },
  {
    key: "b3",
    label: "a1 + a separate documents table as the product's (trigram + full text), same statement",
    ddl: [
      catalogTable(),
      observationsTable,
      `create table floor.documents (indicator_id text collate "C" primary key, type text collate "C" not null,
         value text collate "C" not null, document tsvector not null)`,
      `create index documents_value_trgm on floor.documents using gin (value gin_trgm_ops) where type not in ${prefixOnlyTypes}`,
      "create index documents_document on floor.documents using gin (document)",
    ],
    parameters: 7,
    statement: `with ${input}, ${upsertCatalog()},
      documents as (insert into floor.documents (indicator_id, type, value, document)
        select id, type, value, to_tsvector('simple', value || ' ' || $7::text) from upserted where inserted)
      ${upsertObservationsSql}`,
    tables: ["floor.catalog", "floor.observations", "floor.documents"],
  },
  {
    key: "c1",
    label:
      "b2 + the catalog's list and export indexes other issues read ((type, last_seen desc, id desc), (updated_at, id))",
    ddl: [
      catalogTable(",\n    document tsvector not null,\n    updated_at timestamptz not null default now()"),
      observationsTable,
      trigramOnCatalog,
      documentOnCatalog,
      ...listIndexesOnCatalog,
    ],
    parameters: 7,
    statement: `with ${input}, ${upsertCatalog(", document", ", to_tsvector('simple', value || ' ' || $7::text)")} ${upsertObservationsSql}`,
    tables: ["floor.catalog", "floor.observations"],
  },
  {
    key: "c2",
    label: "c1 + the score written with each new row (issue 9's columns and its scheduler index)",
    ddl: [scoredCatalogTable, observationsTable, ...scoredCatalogIndexes],
    parameters: 13,
    statement: scoredStatement,
    tables: ["floor.catalog", "floor.observations"],
  },
  {
    key: "c3",
    label:
      "c2 + the observation row as ours has it: its own id key and the (source_id, last_seen desc, indicator_id) index",
    ddl: [
      scoredCatalogTable,
      observationsTable.replace(
        "primary key (indicator_id, source_id)",
        'id text collate "C" primary key default gen_random_uuid()::text, unique (indicator_id, source_id)',
      ),
      "create index observations_source_last_seen on floor.observations (source_id, last_seen desc, indicator_id)",
      ...scoredCatalogIndexes,
    ],
    parameters: 13,
    statement: scoredStatement,
    tables: ["floor.catalog", "floor.observations"],
  },
];

/** The product's statements, for the same harness (`ours`). */
const ours = {
  key: "ours",
  label:
    "the product's upsertIndicators (scored rows, search documents) + upsertObservations, one transaction per 5,000 rows; client includes building the parameters",
};

interface Cpu {
  wall: number;
  postgres: number;
  client: number;
  bridge: number;
  loadAfter: string;
  /** Seconds PostgreSQL's processes were runnable but waited for a core (other load on the 2 cores). */
  runQueue: number;
  /** What the writing backends were doing, sampled every 50 ms: share by state or wait event. */
  states: string;
}

/** Nanoseconds each live process of the server of `dataDir` has waited on a run queue (`/proc/<pid>/schedstat`). */
async function clusterRunQueueWait(dataDir: string): Promise<Map<string, number>> {
  const waits = new Map<string, number>();
  for (const pid of (await clusterCpuTicks(dataDir)).keys()) {
    const schedstat = await readFile(`/proc/${pid}/schedstat`, "utf8").catch(() => "");
    waits.set(pid, Number(schedstat.split(" ")[1] ?? 0));
  }
  return waits;
}

/**
 * Samples `pg_stat_activity` for the backends other than `exclude` (the sampler's and the admin's): on CPU
 * (active, no wait event: running or waiting for a core), waiting on a lock or I/O (its wait event), or idle
 * (waiting for the client: driver, bridge, the other statement's turn).
 */
function sampleBackendStates(
  sampler: { query: ReturnType<typeof createClient>["query"] },
  exclude: number[],
) {
  const counts = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await sampler.query<{ state: string | null; wait: string | null }>(
        `select state, wait_event_type || ':' || wait_event as wait from pg_stat_activity
         where backend_type = 'client backend' and not (pid = any($1::int[]))`,
        [exclude],
      );
      for (const row of rows) {
        const key = row.state === "active" ? (row.wait ?? "on CPU") : `idle (${row.state ?? "?"})`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return async (): Promise<string> => {
    running = false;
    await loop;
    const all = [...counts.values()].reduce((sum, n) => sum + n, 0);
    return [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([key, n]) => `${key} ${Math.round((n / Math.max(1, all)) * 100)} %`)
      .join(", ");
  };
}

/** Pids of this process's descendants whose command line names workerd (Miniflare's runtime). */
async function workerdPids(): Promise<number[]> {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      commands.set(Number(entry), await readFile(`/proc/${entry}/cmdline`, "utf8"));
    } catch {
      // exited meanwhile
    }
  }
  const descends = (pid: number): boolean => {
    for (let current = parents.get(pid), depth = 0; current !== undefined && depth < 16; depth++) {
      if (current === process.pid) return true;
      current = parents.get(current);
    }
    return false;
  };
  return [...commands]
    .filter(([pid, command]) => command.includes("workerd") && descends(pid))
    .map(([pid]) => pid);
}

async function workerPart(work: string): Promise<Map<WorkerStage, { workerd: number; node: number }>> {
  const feedPath = join(work, "feed.txt");
  const bytes = await writeFeed(feedPath, total, newId("feed").slice(-8));
  say(
    `feed: ${total.toLocaleString("en-US")} lines, ${(bytes / 1e6).toFixed(1)} MB; bundling the Worker side…`,
  );
  const bundleDir = join(work, "bundle");
  const configPath = join(work, "wrangler.toml");
  await writeFile(
    configPath,
    `name = "ingest-floor"\nmain = "${join(import.meta.dirname, "ingest-floor-worker.ts")}"\ncompatibility_date = "2026-11-01"\ncompatibility_flags = ["nodejs_compat"]\n`,
  );
  await runToCompletion(
    "bundle",
    "pnpm",
    ["exec", "wrangler", "deploy", "--dry-run", "--outdir", bundleDir, "--config", configPath],
    {
      cwd: root,
      env: { WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    },
  );
  const runtime = await startBundledWorker({
    port: await findFreePort(),
    scriptPath: join(bundleDir, "ingest-floor-worker.js"),
  });
  const best = new Map<WorkerStage, { workerd: number; node: number }>();
  try {
    const pids = await workerdPids();
    const workerdCpu = () => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
    say(`workerd pids ${pids.join(", ")}; three rounds of every stage, the lowest CPU kept`);
    for (let round = 0; round < 3; round++) {
      for (const stage of workerStages) {
        const before = workerdCpu();
        // A streamed request body needs `duplex: "half"` in Node's fetch (not yet in the DOM types).
        const init = {
          method: "POST",
          body: Readable.toWeb(createReadStream(feedPath)) as ReadableStream<Uint8Array>,
          duplex: "half",
        };
        const response = await fetch(`${runtime.origin}/?stage=${stage}`, init as RequestInit);
        const inWorkerd = (await response.json()) as { indicators: number; largestMessageBytes: number };
        const workerd = workerdCpu() - before;
        const nodeBefore = process.cpuUsage();
        const inNode = await runWorkerSide(createReadStream(feedPath), stage);
        const nodeUsed = process.cpuUsage(nodeBefore);
        const node = (nodeUsed.user + nodeUsed.system) / 1e6;
        if (inNode.indicators !== inWorkerd.indicators)
          throw new Error(
            `${stage}: workerd saw ${inWorkerd.indicators} indicators, Node ${inNode.indicators}`,
          );
        say(
          `  round ${round + 1} ${stage.padEnd(8)} workerd ${fmt(workerd, 2)} CPU-s, Node ${fmt(node, 2)} CPU-s; ${inNode.indicators} indicators in ${inNode.messages} messages (largest ${inNode.largestMessageBytes} bytes); load ${load()}`,
        );
        const kept = best.get(stage);
        best.set(stage, {
          workerd: Math.min(kept?.workerd ?? Number.POSITIVE_INFINITY, workerd),
          node: Math.min(kept?.node ?? Number.POSITIVE_INFINITY, node),
        });
      }
    }
    let peak = 0;
    for (const pid of pids) {
      const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
      peak += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    }
    say(
      `peak RSS: workerd ${Math.round(peak / 2 ** 20)} MB (the whole runtime; the feed streamed), this Node process ${Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20)} MB`,
    );
  } finally {
    await runtime.stop();
  }
  return best;
}

/** One statement's parameters per 5,000 rows of the bench feed's shape (`salt` keeps each phase's values new). */
function buildStatements(first: number, count: number, salt: string, sourceId: string): unknown[][] {
  const seen = textArrayLiteral(new Array<string>(rowsPerStatement).fill(new Date().toISOString()));
  const statements: unknown[][] = [];
  for (let start = first; start < first + count; start += rowsPerStatement) {
    const size = Math.min(rowsPerStatement, first + count - start);
    const types: string[] = [];
    const values: string[] = [];
    for (let i = start; i < start + size; i++) {
      types.push(i % 2 === 0 ? "ipv4" : "domain");
      // Even lines are IPv4 from 11.0.0.0 on: the second phase continues where the first stopped.
      values.push(feedLine(i, salt));
    }
    const dates =
      size === rowsPerStatement
        ? seen
        : textArrayLiteral(new Array<string>(size).fill(new Date().toISOString()));
    const repeated = (value: number) => numberArrayLiteral(new Array<number>(size).fill(value));
    statements.push([
      textArrayLiteral(newIds("indicator", size, Date.now() + start / rowsPerStatement)),
      textArrayLiteral(types),
      textArrayLiteral(values),
      dates,
      dates,
      sourceId,
      "Bench feed",
      // The score columns the consumer writes with a new row (score, confidence, base, decay start and next
      // reaction in ms), and the shared explanation's id.
      repeated(41),
      repeated(45),
      repeated(40.5),
      repeated(Date.now()),
      repeated(Date.now() + 86_400_000),
      "00000000-0000-4000-8000-000000000041",
    ]);
  }
  return statements;
}

async function main(): Promise<void> {
  say(
    `${new Date().toISOString()}; ${total.toLocaleString("en-US")} rows; parts ${[...parts].join(", ")}; load ${load()}; Node ${process.version}`,
  );
  await mkdir(join(root, ".data"), { recursive: true });
  const work = await mkdtemp(join(root, ".data", "bench-ingest-floor-"));
  try {
    await measureAll(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function measureAll(work: string): Promise<void> {
  const worker = parts.has("worker") ? await workerPart(work) : undefined;
  const dbResults = new Map<string, Cpu[]>();
  let raw: { pair: Cpu; searchable: Cpu } | undefined;
  if (parts.has("db") || parts.has("raw")) {
    const database = await startThrowawayDatabase({
      prefix: "tf-bench-floor-",
      parent: join(root, ".data"),
      settings: { ...catalogBenchSettings, autovacuum: "off" },
    });
    const dataDir = join(database.folder, "postgres");
    const bridge = await startBridgeProcess(database.pg.host, database.pg.port);
    try {
      // Every connection from here on goes through the bridge process (the driver's proxy setting is global).
      const admin = createClient({ url: database.adminUrl, wsProxy: bridge.proxyAddress });
      await admin.connect();
      admin.on("error", (error: Error) => say(`admin connection: ${error.message}`));
      const sourceId = newId("source");
      await admin.query("insert into sources (id, name, reliability) values ($1, 'Bench feed', 'C')", [
        sourceId,
      ]);
      const sampler = createClient({ url: database.adminUrl, wsProxy: bridge.proxyAddress });
      await sampler.connect();
      const backendPid = async (client: ReturnType<typeof createClient>) =>
        Number((await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid);
      const exclude = [await backendPid(admin), await backendPid(sampler)];
      const measure = async (run: () => Promise<void>): Promise<Cpu> => {
        const postgresBefore = await clusterCpuTicks(dataDir);
        const waitBefore = await clusterRunQueueWait(dataDir);
        const bridgeBefore = processCpuSeconds(bridge.pid);
        const clientBefore = process.cpuUsage();
        const stopSampling = sampleBackendStates(sampler, exclude);
        const started = performance.now();
        await run();
        const wall = (performance.now() - started) / 1000;
        const client = process.cpuUsage(clientBefore);
        const states = await stopSampling();
        let runQueue = 0;
        for (const [pid, waited] of await clusterRunQueueWait(dataDir))
          runQueue += (waited - (waitBefore.get(pid) ?? 0)) / 1e9;
        return {
          wall,
          postgres: await clusterCpuSecondsSince(dataDir, postgresBefore),
          client: (client.user + client.system) / 1e6,
          bridge: processCpuSeconds(bridge.pid) - bridgeBefore,
          loadAfter: load(),
          runQueue,
          states,
        };
      };
      if (parts.has("db")) {
        const pool = createPool(
          { url: database.adminUrl, wsProxy: bridge.proxyAddress },
          { max: connections },
        );
        // One statement, or the variant's two in one transaction.
        const write = async (variant: Variant, parameters: unknown[]): Promise<void> => {
          const values = parameters.slice(0, variant.parameters);
          if (variant.second === undefined) {
            await pool.query(variant.statement, values);
            return;
          }
          const client = await pool.connect();
          try {
            await client.query("begin");
            await client.query(variant.statement, values);
            await client.query(variant.second, parameters.slice(0, variant.secondParameters));
            await client.query("commit");
          } finally {
            client.release();
          }
        };
        for (const variant of variants) {
          if (only !== undefined && !only.includes(variant.key)) continue;
          await admin.query("drop schema if exists floor cascade");
          await admin.query("create schema floor");
          for (const ddl of variant.ddl) await admin.query(ddl);
          const salt = newId("feed").slice(-8);
          // Both connections open (and the statement's first plan made) before the clock starts.
          await Promise.all(
            Array.from({ length: connections }, (_, connection) =>
              write(variant, buildStatements(total * 3 + connection * 2, 2, salt, sourceId)[0] ?? []),
            ),
          );
          const phases: Cpu[] = [];
          for (const [phase, first] of [
            ["empty -> 1x", 0],
            ["1x -> 2x", total],
          ] as const) {
            const statements = buildStatements(first, total, salt, sourceId);
            await admin.query("checkpoint");
            let next = 0;
            const cpu = await measure(async () => {
              await Promise.all(
                Array.from({ length: connections }, async () => {
                  for (
                    let statement = statements[next++];
                    statement !== undefined;
                    statement = statements[next++]
                  )
                    await write(variant, statement);
                }),
              );
            });
            phases.push(cpu);
            say(
              `  ${variant.key} ${phase.padEnd(11)} ${fmt(cpu.wall)} s wall; CPU per row: PostgreSQL ${fmt(perMillion(cpu.postgres, total))} µs, client ${fmt(perMillion(cpu.client, total))}, bridge ${fmt(perMillion(cpu.bridge, total))}; PostgreSQL waited ${fmt(cpu.runQueue)} s for a core; backends: ${cpu.states}; load ${cpu.loadAfter}`,
            );
          }
          const probe = feedLine(total + 1, salt);
          const lookupStarted = performance.now();
          const found = await admin.query(
            "select id from floor.catalog where type = 'domain' and value = $1",
            [probe],
          );
          const lookupMs = performance.now() - lookupStarted;
          const plan = await admin.query<{ "QUERY PLAN": string }>(
            "explain (costs off) select id from floor.catalog where type = 'domain' and value = $1",
            [probe],
          );
          const { rows: counted } = await admin.query<{ n: number; bytes: string }>(
            `select (select count(*)::int from floor.catalog) as n,
               pg_size_pretty(${variant.tables.map((table) => `pg_total_relation_size('${table}')`).join(" + ")}) as bytes`,
          );
          say(
            `  ${variant.key} queryable: ${found.rows.length} found by exact value in ${fmt(lookupMs)} ms (${plan.rows.map((row) => row["QUERY PLAN"].trim()).join("; ")}); ${counted[0]?.n.toLocaleString("en-US")} catalog rows, ${counted[0]?.bytes} with indexes`,
          );
          dbResults.set(variant.key, phases);
        }
        await pool.end();
        await admin.query("drop schema if exists floor cascade");
        if (only === undefined || only.includes(ours.key)) {
          // The product's own statements in the same harness: the consumer's rows (scored, with their search
          // terms), `upsertIndicators` with the documents + `upsertObservations`, one transaction per 5,000 rows,
          // as tf_ingest. Its client column includes building the parameters (the lean variants' are prebuilt).
          const product = createDatabase(
            { url: database.ingestUrl, wsProxy: bridge.proxyAddress },
            { max: connections },
          );
          const salt = newId("feed").slice(-8);
          const phases: Cpu[] = [];
          for (const [phase, first] of [
            ["empty -> 1x", 0],
            ["1x -> 2x", total],
          ] as const) {
            await admin.query("checkpoint");
            let next = first;
            const cpu = await measure(async () => {
              await Promise.all(
                Array.from({ length: connections }, async () => {
                  for (let start = next; start < first + total; start = next) {
                    next += rowsPerStatement;
                    const rows = consumerFeedRows(
                      start,
                      Math.min(start + rowsPerStatement, first + total),
                      (i) => ({ type: i % 2 === 0 ? "ipv4" : "domain", value: feedLine(i, salt) }),
                      sourceId,
                    );
                    await withIngestTx({ db: product.db }, async (tx) => {
                      await upsertIndicators(tx, rows.indicators, { searchDocuments: true });
                      await upsertObservations(tx, rows.observations, { returnTouched: false });
                    });
                  }
                }),
              );
            });
            phases.push(cpu);
            say(
              `  ${ours.key} ${phase.padEnd(11)} ${fmt(cpu.wall)} s wall; CPU per row: PostgreSQL ${fmt(perMillion(cpu.postgres, total))} µs, client ${fmt(perMillion(cpu.client, total))}, bridge ${fmt(perMillion(cpu.bridge, total))}; PostgreSQL waited ${fmt(cpu.runQueue)} s for a core; backends: ${cpu.states}; load ${cpu.loadAfter}`,
            );
          }
          await product.end();
          dbResults.set(ours.key, phases);
        }
      }
      if (parts.has("raw")) {
        say(
          `raw: the product's upsertIndicators + upsertObservations, ${rawRows.toLocaleString("en-US")} rows, one connection…`,
        );
        const ingestUrl = database.ingestUrl;
        // rawUpsertRate reads its one backend's CPU itself: the backend exits with its pool, before `measure` reads.
        const rawLine = async (searchDocuments: boolean): Promise<Cpu> => {
          let run: Awaited<ReturnType<typeof rawUpsertRate>> | undefined;
          const cpu = await measure(async () => {
            run = await rawUpsertRate(ingestUrl, bridge.proxyAddress, sourceId, rawRows, { searchDocuments });
          });
          return {
            ...cpu,
            wall: (run?.bothMs ?? Number.NaN) / 1000,
            postgres: run?.postgresCpu ?? Number.NaN,
          };
        };
        raw = { pair: await rawLine(false), searchable: await rawLine(true) };
        for (const [name, cpu] of Object.entries(raw))
          say(
            `  ${name}: ${Math.round(rawRows / cpu.wall).toLocaleString("en-US")} indicators/s; CPU per row: PostgreSQL ${fmt(perMillion(cpu.postgres, rawRows))} µs, client ${fmt(perMillion(cpu.client, rawRows))}, bridge ${fmt(perMillion(cpu.bridge, rawRows))}; load ${cpu.loadAfter}`,
          );
      }
      await sampler.end();
      await admin.end();
    } finally {
      await bridge.close();
      await database.stop();
    }
  }
  report(worker, dbResults, raw);
}

function report(
  worker: Map<WorkerStage, { workerd: number; node: number }> | undefined,
  dbResults: Map<string, Cpu[]>,
  raw: { pair: Cpu; searchable: Cpu } | undefined,
): void {
  console.log("");
  console.log(`Ingestion floor, ${total.toLocaleString("en-US")} indicators (load after: ${load()})`);
  let workerFloor = Number.NaN;
  if (worker !== undefined) {
    console.log("");
    console.log("Worker side, CPU-s per million indicators (stage = its increment over the one before):");
    console.log("| stage | workerd | Node |");
    console.log("| --- | ---: | ---: |");
    let previous = { workerd: 0, node: 0 };
    for (const stage of workerStages) {
      const cumulative = worker.get(stage) ?? { workerd: Number.NaN, node: Number.NaN };
      const base = stage === "validate" ? (worker.get("params") ?? previous) : previous;
      console.log(
        `| ${stage}${stage === "validate" ? " (not in the floor)" : ""} | ${fmt(perMillion(cumulative.workerd - base.workerd, total), 2)} | ${fmt(perMillion(cumulative.node - base.node, total), 2)} |`,
      );
      previous = cumulative;
    }
    const floor = worker.get("params") ?? { workerd: Number.NaN, node: Number.NaN };
    workerFloor = perMillion(floor.workerd, total);
    console.log(
      `| **Worker floor (read … params)** | **${fmt(workerFloor, 2)}** | ${fmt(perMillion(floor.node, total), 2)} |`,
    );
  }
  if (dbResults.size > 0) {
    console.log("");
    console.log(
      `Database side, ${connections} connections, ${rowsPerStatement.toLocaleString("en-US")} rows per statement; CPU-s per million new rows (= µs per row), and the sum with the Worker floor (${fmt(workerFloor, 1)} CPU-s, workerd) against the ${budgetCpuSeconds} CPU-s of 60 s on 2 cores:`,
    );
    console.log(
      "| variant | phase | wall | PostgreSQL waited for a core | PostgreSQL | client (driver) | bridge | + Worker floor = in all | 2-core bound |",
    );
    console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const variant of [...variants, ours]) {
      const phases = dbResults.get(variant.key);
      if (phases === undefined) continue;
      phases.forEach((cpu, index) => {
        const postgres = perMillion(cpu.postgres, total);
        const client = perMillion(cpu.client, total);
        const bridge = perMillion(cpu.bridge, total);
        const all = postgres + client + bridge + workerFloor;
        console.log(
          `| ${variant.key}: ${variant.label} | ${index === 0 ? "empty -> 1x" : "1x -> 2x"} | ${fmt(cpu.wall)} s | ${fmt(cpu.runQueue)} s | ${fmt(postgres)} | ${fmt(client)} | ${fmt(bridge)} | ${fmt(all)} ${Number.isNaN(all) ? "vs" : all > budgetCpuSeconds ? ">" : "<="} ${budgetCpuSeconds} | ${fmt(all / 2)} s |`,
        );
      });
    }
  }
  if (raw !== undefined) {
    console.log("");
    console.log(
      `Same run, what bench:ingest calls raw (product statements, ${rawRows.toLocaleString("en-US")} new rows, 1 connection, empty product catalog); CPU-s per million:`,
    );
    console.log("| line | wall rate | PostgreSQL | client | bridge |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const [name, cpu] of [
      ["raw: upsertIndicators + upsertObservations", raw.pair],
      ["floor line: + search documents written by the upsert", raw.searchable],
    ] as const)
      console.log(
        `| ${name} | ${Math.round(rawRows / cpu.wall).toLocaleString("en-US")}/s | ${fmt(perMillion(cpu.postgres, rawRows))} | ${fmt(perMillion(cpu.client, rawRows))} | ${fmt(perMillion(cpu.bridge, rawRows))} |`,
      );
  }
}

await main();
