/**
 * Where the pipeline's extra PostgreSQL CPU goes (issue 5, session 9): the consumer's two write statements as
 * it sends them (scored rows, search documents written by the upsert, observations answered as counts), in
 * groups of 14,600 rows (one apply group), written by 1, 2 or 4 connections at once, on alternating turns into
 * the same tables, so every shape meets the same table sizes and the same moments of the machine's load.
 *
 *   flock /tmp/bench.lock ./pnpmw bench:ingest:writers [preload] [turns] [shapes]
 *
 * A turn writes four groups (58,400 new rows) in one shape: `1 writer` (one connection, one group after
 * another), `2 writers` (two connections, two groups at a time: one delivery in flight, as the consumer),
 * `4 writers` (four at a time: two deliveries in flight), `2 writers, new connections` (as `2 writers`, the two
 * connections opened for each delivery and closed after it, as the Worker's pool per invocation does).
 * PostgreSQL CPU is the whole server's (postmaster, every backend, exited ones through the postmaster's
 * children's time, background processes), per new row; waits are `pg_stat_activity` sampled every 20 ms.
 * `WRITERS_VARIANT=a.ts,b.ts` compares copies of `bulk.ts` with the product's statements (below);
 * `WRITERS_ANALYZE=1` analyzes after the preload; `WRITERS_REDELIVER=1` also writes every turn's groups again a
 * day later (the update path: every catalog row and observation changed).
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { newId } from "@threatfusion/core";
import {
  createClient,
  createDatabase,
  upsertIndicators,
  upsertObservations,
  withIngestTx,
} from "@threatfusion/db";
import { catalogBenchSettings } from "../../../packages/devstack/src/postgres.ts";
import { serverCpuSeconds } from "../../../packages/devstack/src/process-cpu.ts";
import { startThrowawayDatabase } from "../../../packages/devstack/src/throwaway-database.ts";
import { consumerFeedRows, syntheticIndicator } from "../../../packages/search/bench/synthetic-values.ts";

const preload = Number(process.argv[2] ?? 58_400);
const turns = Number(process.argv[3] ?? 3);
const groupRows = 14_600;
const groupsPerTurn = 4;
const redeliver = process.env.WRITERS_REDELIVER === "1";
/** A group's rows as the same feed reports them a day later (last seen moved: every row changes). */
function aDayLater(rows: ReturnType<typeof consumerFeedRows>): ReturnType<typeof consumerFeedRows> {
  const later = (at: Date | string) => new Date(Date.parse(String(at)) + 86_400_000).toISOString();
  return {
    indicators: rows.indicators.map((row) => ({ ...row, lastSeen: later(row.lastSeen) })),
    observations: rows.observations.map((row) => ({ ...row, lastSeen: later(row.lastSeen) })),
  };
}
const say = (message: string) => console.log(`[bench:ingest-writers] ${message}`);

/** The consumer's two write statements: the product's, or a variant's (`WRITERS_VARIANT`). */
interface Statements {
  upsertIndicators: typeof upsertIndicators;
  upsertObservations: typeof upsertObservations;
}

interface Shape {
  name: string;
  statements?: Statements;
  /** Groups written at the same time. */
  writers: number;
  /** Connections opened for each round of groups and closed after it. */
  newConnections: boolean;
}
const allShapes: Shape[] = [
  { name: "1 writer", writers: 1, newConnections: false },
  { name: "2 writers", writers: 2, newConnections: false },
  { name: "4 writers", writers: 4, newConnections: false },
  { name: "2 writers, new connections", writers: 2, newConnections: true },
];
/**
 * WRITERS_VARIANT=path[,path…]: copies of `bulk.ts`, each with one change to measure (their imports must
 * resolve: next to it, or with its imports rewritten); the shapes then all have two writers: the product's
 * statements and each variant's, on alternating turns. A variant may export `setupStatements` (DDL run as the
 * owner before the preload, e.g. columns and partial indexes only its own rows fill, so the product's rows in
 * the same tables are not charged for them).
 */
const variantPaths = process.env.WRITERS_VARIANT?.split(",").filter(Boolean) ?? [];
const variantModules = await Promise.all(
  variantPaths.map(async (path) => ({
    path,
    module: (await import(path)) as Statements & { setupStatements?: readonly string[] },
  })),
);
const shapes: Shape[] =
  variantModules.length > 0
    ? [
        { name: "2 writers, product statements", writers: 2, newConnections: false },
        ...variantModules.map(({ path, module }) => ({
          name: `2 writers, ${path.split("/").pop()}`,
          writers: 2,
          newConnections: false,
          statements: module,
        })),
      ]
    : process.argv[4]
      ? allShapes.filter((shape) => process.argv[4]?.split(",").includes(String(allShapes.indexOf(shape))))
      : allShapes;

async function main(): Promise<void> {
  const database = await startThrowawayDatabase({
    prefix: "ingest-writers-",
    parent: join(import.meta.dirname, "../../../.data"),
    settings: catalogBenchSettings,
  });
  const { adminUrl, ingestUrl, wsProxy } = database;
  try {
    const admin = createClient({ url: adminUrl, wsProxy });
    await admin.connect();
    const dataDir = join(database.folder, "postgres");
    for (const { module } of variantModules)
      for (const statement of module.setupStatements ?? []) await admin.query(statement);
    const sourceId = newId("source");
    await admin.query("insert into sources (id, name, reliability) values ($1, 'Bench feed', 'C')", [
      sourceId,
    ]);
    const salt = newId("feed").slice(-6);
    let next = 0;
    const groupOf = () => {
      const rows = consumerFeedRows(
        next,
        next + groupRows,
        (i) => syntheticIndicator(i, `${salt}-bench.com`),
        sourceId,
      );
      next += groupRows;
      return rows;
    };
    const writeGroup = async (
      db: ReturnType<typeof createDatabase>,
      rows: ReturnType<typeof consumerFeedRows>,
      statements: Statements = { upsertIndicators, upsertObservations },
    ) =>
      withIngestTx({ db: db.db }, async (tx) => {
        await statements.upsertIndicators(tx, rows.indicators, { searchDocuments: true });
        await statements.upsertObservations(tx, rows.observations, { returnTouched: false });
      });
    const walPosition = async () =>
      Number(
        (
          await admin.query<{ lsn: number }>(
            "select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::float8 as lsn",
          )
        ).rows[0]?.lsn ?? 0,
      );
    const persistent = createDatabase({ url: ingestUrl, wsProxy }, { max: 4 });
    const load = () =>
      loadavg()
        .map((value) => value.toFixed(2))
        .join(" ");
    say(`load ${load()}; preloading ${preload.toLocaleString("en-US")} rows…`);
    for (let done = 0; done < preload; done += groupRows) await writeGroup(persistent, groupOf());
    // WRITERS_ANALYZE=1: the tables with statistics, as autoanalyze leaves a large catalog (plans change with them).
    if (process.env.WRITERS_ANALYZE === "1") await admin.query("analyze");
    await admin.query("checkpoint");

    const totals = new Map<
      string,
      {
        cpu: number;
        rows: number;
        wall: number;
        wal: number;
        waits: Map<string, number>;
        /** PostgreSQL CPU per row of each turn, µs (the spread). */
        perTurn: number[];
      }
    >();
    const measure = async (shape: Shape, name: string, groups: ReturnType<typeof consumerFeedRows>[]) => {
      let entry = totals.get(name);
      if (entry === undefined) {
        entry = { cpu: 0, rows: 0, wall: 0, wal: 0, waits: new Map(), perTurn: [] };
        totals.set(name, entry);
      }
      const waits = entry.waits;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const { rows } = await admin.query<{ wait: string; n: number }>(
            `select coalesce(wait_event_type || ':' || wait_event, 'on CPU') as wait, count(*)::int as n
               from pg_stat_activity where usename = 'tf_ingest' and state = 'active' group by 1`,
          );
          for (const row of rows) waits.set(row.wait, (waits.get(row.wait) ?? 0) + row.n);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const walBefore = await walPosition();
      const before = await serverCpuSeconds(dataDir);
      const started = performance.now();
      for (let at = 0; at < groups.length; at += shape.writers) {
        const round = groups.slice(at, at + shape.writers);
        const db = shape.newConnections
          ? createDatabase({ url: ingestUrl, wsProxy }, { max: shape.writers })
          : persistent;
        await Promise.all(round.map((rows) => writeGroup(db, rows, shape.statements)));
        if (shape.newConnections) await db.end();
      }
      entry.wall += performance.now() - started;
      sampling = false;
      await sampler;
      // Let exited backends be reaped before reading.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const turnCpu = (await serverCpuSeconds(dataDir)) - before;
      const rowsWritten = groups.reduce((sum, group) => sum + group.indicators.length, 0);
      entry.cpu += turnCpu;
      entry.perTurn.push((turnCpu / rowsWritten) * 1e6);
      entry.wal += (await walPosition()) - walBefore;
      entry.rows += rowsWritten;
    };
    for (let turn = 0; turn < turns; turn++) {
      // Rotated each turn: no shape always meets the largest tables.
      for (const shape of [...shapes.slice(turn % shapes.length), ...shapes.slice(0, turn % shapes.length)]) {
        const groups = Array.from({ length: groupsPerTurn }, groupOf);
        await measure(shape, shape.name, groups);
        // WRITERS_REDELIVER=1: the same rows again, seen a day later (every catalog row and observation changed,
        // as a feed's next day re-reports most of its values): the update path of each shape.
        if (redeliver) await measure(shape, `${shape.name}, re-delivered a day later`, groups.map(aDayLater));
      }
      say(`turn ${turn + 1} of ${turns} done (load ${load()})`);
    }
    console.log(
      `\nPostgreSQL CPU per row written, groups of ${groupRows.toLocaleString("en-US")} rows, ${preload.toLocaleString("en-US")} preloaded, ${turns} alternating turns of ${groupsPerTurn} groups per shape (load after ${load()}):`,
    );
    console.log(
      "| shape | rows | PostgreSQL CPU per row | per turn (spread) | wall per row | WAL per row | writers' samples: top waits |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (const [name, entry] of totals) {
      const samples = [...entry.waits.values()].reduce((sum, n) => sum + n, 0);
      const waits = [...entry.waits.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([wait, n]) => `${wait} ${((n / Math.max(1, samples)) * 100).toFixed(0)} %`)
        .join(", ");
      console.log(
        `| ${name} | ${entry.rows.toLocaleString("en-US")} | ${((entry.cpu / entry.rows) * 1e6).toFixed(1)} µs | ${entry.perTurn.map((value) => value.toFixed(0)).join(" / ")} | ${((entry.wall / entry.rows) * 1e3).toFixed(1)} µs | ${(entry.wal / entry.rows).toFixed(0)} B | ${waits} |`,
      );
    }
    await persistent.end();
    await admin.end();
  } finally {
    await database.stop();
  }
}

await main();
