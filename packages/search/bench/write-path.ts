import { loadavg } from "node:os";
import { join } from "node:path";
import { newId } from "@threatfusion/core";
import {
  createClient,
  createDatabase,
  type IndicatorUpsertRow,
  type ObservationUpsertRow,
  upsertIndicators,
  upsertObservations,
  withIngestTx,
} from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { catalogBenchSettings } from "../../devstack/src/postgres.ts";
import { processCpuSeconds } from "../../devstack/src/process-cpu.ts";
import { startThrowawayDatabase } from "../../devstack/src/throwaway-database.ts";
import { indexNewIndicators } from "../src/indexing.ts";
import {
  consumerScore,
  feedRowExplanation as explanation,
  feedRows,
  syntheticIndicator,
} from "./synthetic-values.ts";

const preload = Number(process.argv[2] ?? 100_000);
const measured = Number(process.argv[3] ?? 100_000);
const selected = process.argv[4]?.split(",");
const perDelivery = 14_600;
const say = (message: string) => console.log(`[bench:write-path] ${message}`);

interface Variant {
  name: string;
  /** DDL run (as the owner) before the variant, and after it to restore the current schema. */
  apply: string[];
  restore: string[];
  /** Every row a different explanation text: the worst case for storing each distinct one once (0066). */
  distinctExplanations?: boolean;
  /**
   * The search documents written by the upsert statement itself (`searchDocuments`, as the consumer does since
   * session 6) instead of `indexNewIndicators` after it: their CPU shows in the upsertIndicators column.
   */
  documentsAtUpsert?: boolean;
  /** Run at the start of each delivery's transaction (e.g. `set local work_mem = …`). */
  transactionSettings?: string[];
}

const searchTrigram =
  "create index indicator_search_value_trgm_idx on indicator_search using gin (value gin_trgm_ops)";
// Migration 0071: no trigram entries for IPs, CIDRs and hashes (searched by exact value or prefix).
const searchTrigramPartial = `${searchTrigram} where type not in ('ipv4', 'ipv6', 'cidr', 'md5', 'sha1', 'sha256', 'sha512')`;
const searchDocument = "create index indicator_search_document_idx on indicator_search using gin (document)";
const ginIndexes = ["indicator_search_value_trgm_idx", "indicator_search_document_idx"];
const variants: Variant[] = [
  { name: "current schema", apply: [], restore: [] },
  {
    name: "documents by the upsert, work_mem 64MB (GIN pending-list merges in larger batches)",
    apply: [],
    restore: [],
    documentsAtUpsert: true,
    transactionSettings: ["set local work_mem = '64MB'"],
  },
  {
    name: "documents by the upsert, GIN pending lists of 16MB",
    apply: ginIndexes.map((index) => `alter index ${index} set (gin_pending_list_limit = 16384)`),
    restore: ginIndexes.map((index) => `alter index ${index} reset (gin_pending_list_limit)`),
    documentsAtUpsert: true,
  },
  {
    name: "documents by the upsert, GIN pending lists of 16MB and work_mem 64MB",
    apply: ginIndexes.map((index) => `alter index ${index} set (gin_pending_list_limit = 16384)`),
    restore: ginIndexes.map((index) => `alter index ${index} reset (gin_pending_list_limit)`),
    documentsAtUpsert: true,
    transactionSettings: ["set local work_mem = '64MB'"],
  },
  {
    name: "documents by the upsert, GIN without fastupdate",
    apply: ginIndexes.map((index) => `alter index ${index} set (fastupdate = off)`),
    restore: ginIndexes.map((index) => `alter index ${index} reset (fastupdate)`),
    documentsAtUpsert: true,
  },
  {
    name: "documents by the upsert, without the catalog's type check (0060)",
    apply: ["alter table indicators drop constraint indicators_type_known"],
    restore: [
      "alter table indicators add constraint indicators_type_known check (type in ('ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'cve', 'asn'))",
    ],
    documentsAtUpsert: true,
  },
  {
    name: "current schema, documents written by the upsert",
    apply: [],
    restore: [],
    documentsAtUpsert: true,
  },
  {
    name: "+ foreign key observations -> indicators (as before 0065)",
    apply: [
      "alter table observations add constraint observations_indicator_id_fkey foreign key (indicator_id) references indicators (id) on delete cascade",
    ],
    restore: ["alter table observations drop constraint observations_indicator_id_fkey"],
  },
  {
    name: "observations without their own id key (unique (indicator_id, source_id) only)",
    apply: ["alter table observations drop constraint observations_pkey"],
    restore: ["alter table observations add constraint observations_pkey primary key (id)"],
  },
  {
    name: "every row its own explanation (worst case of 0066)",
    apply: [],
    restore: [],
    distinctExplanations: true,
  },
  {
    name: "+ trigram on every value (as before 0071)",
    apply: ["drop index indicator_search_value_trgm_idx", searchTrigram],
    restore: ["drop index indicator_search_value_trgm_idx", searchTrigramPartial],
  },
  {
    name: "search without the trigram index",
    apply: ["drop index indicator_search_value_trgm_idx"],
    restore: [searchTrigramPartial],
  },
  {
    name: "search without either GIN index",
    apply: ["drop index indicator_search_value_trgm_idx", "drop index indicator_search_document_idx"],
    restore: [searchTrigramPartial, searchDocument],
  },
];

/** Rows `first` to `first + count - 1`: public IPv4 and domains, all unique, scored as the consumer scores them. */
function consumerRows(
  first: number,
  count: number,
  salt: string,
  sourceId: string,
  distinctExplanations: boolean,
): { indicators: IndicatorUpsertRow[]; observations: ObservationUpsertRow[] } {
  const now = new Date().toISOString();
  return feedRows(
    first,
    first + count,
    (i) => syntheticIndicator(i, `${salt}-bench.com`),
    sourceId,
    now,
    (i) => ({
      tags: [],
      score: consumerScore(
        now,
        distinctExplanations ? explanation.replace("score 41", `score 41 (row ${i})`) : explanation,
      ),
    }),
  );
}

async function main(): Promise<void> {
  const database = await startThrowawayDatabase({
    prefix: "write-path-",
    parent: join(import.meta.dirname, "../../../.data"),
    settings: catalogBenchSettings,
  });
  const { adminUrl, ingestUrl, wsProxy } = database;
  try {
    const admin = createClient({ url: adminUrl, wsProxy });
    await admin.connect();
    admin.on("error", (error: Error) => say(`admin connection: ${error.message}`));
    const sourceId = newId("source");
    await admin.query("insert into sources (id, name, reliability) values ($1, 'bench feed', 'C')", [
      sourceId,
    ]);
    const ingest = createDatabase({ url: ingestUrl, wsProxy }, { max: 1 });
    ingest.pool.on("error", (error: Error) => say(`pool: ${error.message}`));
    const load = () =>
      loadavg()
        .map((value) => value.toFixed(2))
        .join(" ");
    say(
      `load average ${load()}; ${preload.toLocaleString("en-US")} rows preloaded, ${measured.toLocaleString("en-US")} measured per variant`,
    );

    // PostgreSQL CPU seconds of the three statements of one delivery.
    const deliverWith =
      (variant: Variant, salt: string, walBytes: number[] = [0, 0, 0]) =>
      async (start: number, count: number): Promise<[number, number, number]> => {
        const rows = consumerRows(start, count, salt, sourceId, variant.distinctExplanations === true);
        const pid = Number(
          (await ingest.db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)).rows[0]?.pid,
        );
        return withIngestTx({ db: ingest.db }, async (tx) => {
          for (const setting of variant.transactionSettings ?? []) await tx.execute(sql.raw(setting));
          // WAL bytes each statement wrote: what its heap and index writes amount to, unmoved by load.
          const walPosition = async () =>
            Number(
              (
                await tx.execute<{ lsn: number }>(
                  sql`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::float8 as lsn`,
                )
              ).rows[0]?.lsn ?? 0,
            );
          const walAtStart = await walPosition();
          const before = processCpuSeconds(pid);
          const fused = variant.documentsAtUpsert === true;
          const result = await upsertIndicators(
            tx,
            fused ? rows.indicators.map((row) => ({ ...row, searchTerms: ["bench feed"] })) : rows.indicators,
            { searchDocuments: fused },
          );
          const afterIndicators = processCpuSeconds(pid);
          const walAfterIndicators = await walPosition();
          await upsertObservations(tx, rows.observations, { returnTouched: false });
          const afterObservations = processCpuSeconds(pid);
          const walAfterObservations = await walPosition();
          if (!fused)
            await indexNewIndicators(
              tx,
              result.touched.map((row) => ({ id: row.id, terms: ["bench feed"] })),
            );
          const afterSearch = processCpuSeconds(pid);
          const walAtEnd = await walPosition();
          walBytes[0] = (walBytes[0] ?? 0) + walAfterIndicators - walAtStart;
          walBytes[1] = (walBytes[1] ?? 0) + walAfterObservations - walAfterIndicators;
          walBytes[2] = (walBytes[2] ?? 0) + walAtEnd - walAfterObservations;
          return [
            afterIndicators - before,
            afterObservations - afterIndicators,
            afterSearch - afterObservations,
          ];
        });
      };
    const lines: string[] = [];
    const alternate = process.env.WRITE_PATH_ALTERNATE?.split("|");
    if (alternate !== undefined) {
      // Two variants that differ only in their statements, measured on alternating deliveries into the same
      // tables: both see the same table sizes and the same moments of the machine's load.
      const pair = alternate.map((name) => variants.find((variant) => variant.name.includes(name)));
      const [first, second] = pair;
      if (
        first === undefined ||
        second === undefined ||
        pair.some((variant) => (variant?.apply.length ?? 0) > 0)
      )
        throw new Error("WRITE_PATH_ALTERNATE names two variants without DDL, separated by |");
      await admin.query(
        "truncate indicators, observations, indicator_search, score_requests, score_explanations cascade",
      );
      const salt = newId("feed").slice(-6);
      const deliverFirst = deliverWith(first, salt);
      const deliverSecond = deliverWith(second, salt);
      for (let start = 0; start < preload; start += perDelivery)
        await deliverFirst(start, Math.min(perDelivery, preload - start));
      await admin.query("checkpoint");
      const totals = [0, 0];
      const rowsOf = [0, 0];
      let turn = 0;
      for (let start = preload; start < preload + 2 * measured; start += perDelivery, turn = 1 - turn) {
        const count = Math.min(perDelivery, preload + 2 * measured - start);
        const cpu = await (turn === 0 ? deliverFirst : deliverSecond)(start, count);
        totals[turn] = (totals[turn] ?? 0) + cpu.reduce((sum, seconds) => sum + seconds, 0);
        rowsOf[turn] = (rowsOf[turn] ?? 0) + count;
      }
      console.log(
        `\nAlternating deliveries of ${perDelivery.toLocaleString("en-US")} rows (load after ${load()}):`,
      );
      console.log("| variant | rows | PostgreSQL backend CPU per new row (µs), all statements |");
      console.log("| --- | ---: | ---: |");
      [first, second].forEach((variant, index) => {
        console.log(
          `| ${variant.name} | ${(rowsOf[index] ?? 0).toLocaleString("en-US")} | ${(((totals[index] ?? 0) / (rowsOf[index] ?? 1)) * 1e6).toFixed(1)} |`,
        );
      });
    }
    for (const variant of alternate === undefined ? variants : []) {
      if (selected !== undefined && !selected.some((name) => variant.name.includes(name))) continue;
      await admin.query(
        "truncate indicators, observations, indicator_search, score_requests, score_explanations cascade",
      );
      for (const statement of variant.apply) await admin.query(statement);
      const salt = newId("feed").slice(-6);
      const walBytes = [0, 0, 0];
      const deliver = deliverWith(variant, salt, walBytes);
      for (let start = 0; start < preload; start += perDelivery)
        await deliver(start, Math.min(perDelivery, preload - start));
      await admin.query("checkpoint");
      const totals = [0, 0, 0];
      walBytes.fill(0);
      const started = performance.now();
      for (let start = preload; start < preload + measured; start += perDelivery) {
        const cpu = await deliver(start, Math.min(perDelivery, preload + measured - start));
        cpu.forEach((seconds, index) => {
          totals[index] = (totals[index] ?? 0) + seconds;
        });
      }
      const seconds = (performance.now() - started) / 1000;
      const perRow = (cpu: number) => ((cpu / measured) * 1e6).toFixed(1);
      const [indicators = 0, observations = 0, search = 0] = totals;
      const line = `| ${variant.name} | ${seconds.toFixed(1)} s | ${perRow(indicators)} | ${perRow(observations)} | ${perRow(search)} | ${perRow(indicators + observations + search)} | ${load()} |`;
      say(line);
      say(
        `  WAL bytes per row: ${walBytes.map((bytes) => (bytes / measured).toFixed(0)).join(" / ")} (upsertIndicators / upsertObservations / indexNewIndicators)`,
      );
      lines.push(line);
      // What the rows left on disk, per table and index: bytes written per row, the deterministic side of
      // each item's cost (CPU figures move with the machine's load).
      const { rows: sizes } = await admin.query<{ relname: string; bytes: string }>(`
        select c.relname, pg_relation_size(c.oid) as bytes from pg_class c
        where c.oid in ('indicators'::regclass, 'observations'::regclass, 'indicator_search'::regclass)
           or c.oid in (select indexrelid from pg_index
                        where indrelid in ('indicators'::regclass, 'observations'::regclass, 'indicator_search'::regclass))
        order by pg_relation_size(c.oid) desc`);
      say(
        `  bytes per row (${(preload + measured).toLocaleString("en-US")} rows): ${sizes
          .map((row) => `${row.relname} ${(Number(row.bytes) / (preload + measured)).toFixed(0)}`)
          .join(", ")}`,
      );
      for (const statement of variant.restore) await admin.query(statement);
    }
    console.log("\nPostgreSQL backend CPU per new row (µs), one connection:");
    console.log(
      "| variant | wall | upsertIndicators | upsertObservations | indexNewIndicators | sum | load after |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (const line of lines) console.log(line);
    await admin.end();
    await ingest.end();
  } finally {
    await database.stop();
  }
}

await main();
