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
 * WRITERS_VARIANT=path: a copy of `bulk.ts` with a change to measure (next to it, so its imports resolve); two
 * shapes then, both with two writers: the product's statements and the variant's, on alternating turns.
 */
const variantPath = process.env.WRITERS_VARIANT;
const shapes: Shape[] =
  variantPath !== undefined
    ? [
        { name: "2 writers, product statements", writers: 2, newConnections: false },
        {
          name: `2 writers, ${variantPath.split("/").pop()}`,
          writers: 2,
          newConnections: false,
          statements: (await import(variantPath)) as Statements,
        },
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
      { cpu: number; rows: number; wall: number; wal: number; waits: Map<string, number> }
    >();
    for (const shape of shapes)
      totals.set(shape.name, { cpu: 0, rows: 0, wall: 0, wal: 0, waits: new Map() });
    for (let turn = 0; turn < turns; turn++) {
      // Rotated each turn: no shape always meets the largest tables.
      for (const shape of [...shapes.slice(turn % shapes.length), ...shapes.slice(0, turn % shapes.length)]) {
        const groups = Array.from({ length: groupsPerTurn }, groupOf);
        const entry = totals.get(shape.name);
        if (entry === undefined) continue;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            const { rows } = await admin.query<{ wait: string; n: number }>(
              `select coalesce(wait_event_type || ':' || wait_event, 'on CPU') as wait, count(*)::int as n
               from pg_stat_activity where usename = 'tf_ingest' and state = 'active' group by 1`,
            );
            for (const row of rows) entry.waits.set(row.wait, (entry.waits.get(row.wait) ?? 0) + row.n);
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
        entry.cpu += (await serverCpuSeconds(dataDir)) - before;
        entry.wal += (await walPosition()) - walBefore;
        entry.rows += groups.length * groupRows;
      }
      say(`turn ${turn + 1} of ${turns} done (load ${load()})`);
    }
    console.log(
      `\nPostgreSQL CPU per new row, groups of ${groupRows.toLocaleString("en-US")} rows, ${preload.toLocaleString("en-US")} preloaded, ${turns} alternating turns of ${groupsPerTurn} groups per shape (load after ${load()}):`,
    );
    console.log(
      "| shape | rows | PostgreSQL CPU per row | wall per row | WAL per row | writers' samples: top waits |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | --- |");
    for (const shape of shapes) {
      const entry = totals.get(shape.name);
      if (entry === undefined) continue;
      const samples = [...entry.waits.values()].reduce((sum, n) => sum + n, 0);
      const waits = [...entry.waits.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([wait, n]) => `${wait} ${((n / Math.max(1, samples)) * 100).toFixed(0)} %`)
        .join(", ");
      console.log(
        `| ${shape.name} | ${entry.rows.toLocaleString("en-US")} | ${((entry.cpu / entry.rows) * 1e6).toFixed(1)} µs | ${((entry.wall / entry.rows) * 1e3).toFixed(1)} µs | ${(entry.wal / entry.rows).toFixed(0)} B | ${waits} |`,
      );
    }
    await persistent.end();
    await admin.end();
  } finally {
    await database.stop();
  }
}

await main();
