import { loadavg } from "node:os";
import { newId } from "@threatfusion/core";
import {
  createClient,
  createDatabase,
  type DbTransaction,
  type IndicatorUpsertRow,
  type ObservationUpsertRow,
  upsertIndicators,
  upsertObservations,
  withIngestTx,
} from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { processCpuSeconds } from "../../devstack/src/process-cpu.ts";
import { startThrowawayDatabase } from "../../devstack/src/throwaway-database.ts";
import { indexIndicators } from "../src/indexing.ts";
import { syntheticIndicator } from "./synthetic-values.ts";

const total = Number(process.argv[2] ?? 200_000);
const perDelivery = 29_000;
const say = (message: string) => console.log(`[bench:search-indexing] ${message}`);

/** The statement `indexIndicators` ran before (kept here as the peer measured in the same run). */
async function previousIndexIndicators(tx: DbTransaction, ids: readonly string[]): Promise<number> {
  let written = 0;
  for (let start = 0; start < ids.length; start += 5_000) {
    const batch = ids.slice(start, start + 5_000);
    const { rows } = await tx.execute<{ id: string; type: string; value: string; terms: string }>(sql`
      insert into indicator_search as s (indicator_id, type, value, terms, document, updated_at)
      select i.id, i.type, i.value, t.terms, to_tsvector('simple', i.value || ' ' || t.terms), now()
      from indicators i
      cross join lateral (
        select concat_ws(' ', array_to_string(i.tags, ' '),
                 (select string_agg(distinct term, ' ') from (
                    select o.malware_family as term from observations o where o.indicator_id = i.id
                    union select o.threat_type from observations o where o.indicator_id = i.id
                    union select src.name from observations o join sources src on src.id = o.source_id
                      where o.indicator_id = i.id) as terms
                  where term is not null)) as terms
      ) as t
      where i.id = any(${sql.param(batch)}::text[])
      on conflict (indicator_id) do update set
        type = excluded.type, value = excluded.value, terms = excluded.terms, document = excluded.document,
        updated_at = excluded.updated_at
      returning s.indicator_id as id, s.type, s.value, s.terms`);
    written += rows.length;
  }
  return written;
}

/** Rows `first` to `first + count - 1` of the synthetic catalog: public IPv4 and domains, all unique. */
function syntheticRows(
  first: number,
  count: number,
  sources: readonly string[],
): { indicators: IndicatorUpsertRow[]; observations: ObservationUpsertRow[] } {
  const now = new Date().toISOString();
  const families = ["emotet", "qakbot", "cobaltstrike", "asyncrat", null];
  const indicators: IndicatorUpsertRow[] = [];
  const observations: ObservationUpsertRow[] = [];
  for (let i = first; i < first + count; i++) {
    const { type, value } = syntheticIndicator(i, "search-bench.com");
    indicators.push({
      type,
      value,
      firstSeen: now,
      lastSeen: now,
      baseScore: 40,
      tlp: "clear",
      tags: ["bench"],
    });
    // Every indicator from the first source, a third also from the second: terms from both.
    const sourceCount = i % 3 === 0 ? sources.length : 1;
    for (const sourceId of sources.slice(0, sourceCount)) {
      observations.push({
        indicatorType: type,
        indicatorValue: value,
        sourceId,
        firstSeen: now,
        lastSeen: now,
        malwareFamily: families[i % families.length] ?? null,
        threatType: i % 2 === 0 ? "botnet_cc" : "payload_delivery",
      });
    }
  }
  return { indicators, observations };
}

async function main(): Promise<void> {
  const database = await startThrowawayDatabase({ prefix: "tf-bench-search-" });
  const { adminUrl, ingestUrl, wsProxy } = database;
  try {
    const admin = createClient({ url: adminUrl, wsProxy });
    await admin.connect();
    const sources = [newId("source"), newId("source")];
    for (const [index, sourceId] of sources.entries()) {
      await admin.query("insert into sources (id, name, reliability) values ($1, $2, 'B')", [
        sourceId,
        `bench source ${index}`,
      ]);
    }
    const ingest = createDatabase({ url: ingestUrl, wsProxy }, { max: 1 });
    ingest.pool.on("error", (error: Error) => console.error(`pool: ${error.message}`));

    say(`loading ${total.toLocaleString("en-US")} indicators with observations…`);
    const ids: string[] = [];
    const loadStarted = performance.now();
    for (let start = 0; start < total; start += 20_000) {
      const rows = syntheticRows(start, Math.min(20_000, total - start), sources);
      await withIngestTx({ db: ingest.db }, async (tx) => {
        const result = await upsertIndicators(tx, rows.indicators);
        await upsertObservations(tx, rows.observations);
        for (const row of result.touched) ids.push(row.id);
      });
    }
    say(
      `${ids.length.toLocaleString("en-US")} indicators loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; vacuum analyze…`,
    );
    await admin.query("vacuum analyze");

    const runCase = async (
      name: string,
      fn: (tx: DbTransaction, ids: readonly string[]) => Promise<number>,
    ): Promise<{ name: string; ms: number; cpu: number; written: number }> => {
      const backendPid = async () =>
        Number((await ingest.db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)).rows[0]?.pid);
      const pid = await backendPid();
      const cpuBefore = processCpuSeconds(pid);
      const started = performance.now();
      let written = 0;
      for (let start = 0; start < ids.length; start += perDelivery) {
        const delivery = ids.slice(start, start + perDelivery);
        written += await withIngestTx({ db: ingest.db }, (tx) => fn(tx, delivery));
      }
      const ms = performance.now() - started;
      // A connection replaced mid-case (the pool reconnected) leaves its CPU unknown.
      const cpu = (await backendPid()) === pid ? processCpuSeconds(pid) - cpuBefore : Number.NaN;
      say(`${name}: ${(ms / 1000).toFixed(1)} s, ${written.toLocaleString("en-US")} written`);
      return { name, ms, cpu, written };
    };
    const current = (returnDocuments: boolean) => async (tx: DbTransaction, batch: readonly string[]) => {
      const documents = await indexIndicators(tx, batch, { returnDocuments });
      return returnDocuments ? documents.length : Number.NaN;
    };
    const empty = () => admin.query("truncate indicator_search");
    const counted = async () =>
      Number(
        (await admin.query<{ n: string }>("select count(*) as n from indicator_search")).rows[0]?.n ?? 0,
      );

    const load = loadavg()
      .map((value) => value.toFixed(2))
      .join(" ");
    const results: { name: string; ms: number; cpu: number; written: number }[] = [];
    // The new statement must produce the same documents as the old one.
    await empty();
    results.push(await runCase("previous statement, new indicators", previousIndexIndicators));
    const previousDigest = (
      await admin.query<{ digest: string }>(
        "select md5(string_agg(indicator_id || type || value || terms || document::text, '|' order by indicator_id)) as digest from indicator_search",
      )
    ).rows[0]?.digest;
    results.push(await runCase("previous statement, seen again", previousIndexIndicators));
    await empty();
    results.push(await runCase("indexIndicators, new indicators, no documents returned", current(false)));
    const rowsAfterNew = await counted();
    const currentDigest = (
      await admin.query<{ digest: string }>(
        "select md5(string_agg(indicator_id || type || value || terms || document::text, '|' order by indicator_id)) as digest from indicator_search",
      )
    ).rows[0]?.digest;
    results.push(await runCase("indexIndicators, seen again (nothing searchable changed)", current(true)));
    await empty();
    results.push(
      await runCase("indexIndicators, new indicators, documents returned (Meilisearch)", current(true)),
    );

    // Where the cost of new rows goes: the same statement with the GIN indexes tuned or absent.
    const variants: [string, string[], string[]][] = [
      [
        "  … GIN pending lists of 64 MB",
        [
          "alter index indicator_search_value_trgm_idx set (gin_pending_list_limit = 65536)",
          "alter index indicator_search_document_idx set (gin_pending_list_limit = 65536)",
        ],
        [
          "alter index indicator_search_value_trgm_idx reset (gin_pending_list_limit)",
          "alter index indicator_search_document_idx reset (gin_pending_list_limit)",
        ],
      ],
      [
        "  … GIN fastupdate off",
        [
          "alter index indicator_search_value_trgm_idx set (fastupdate = off)",
          "alter index indicator_search_document_idx set (fastupdate = off)",
        ],
        [
          "alter index indicator_search_value_trgm_idx reset (fastupdate)",
          "alter index indicator_search_document_idx reset (fastupdate)",
        ],
      ],
      [
        "  … without the trigram index (cost of substring search)",
        ["drop index indicator_search_value_trgm_idx"],
        ["create index indicator_search_value_trgm_idx on indicator_search using gin (value gin_trgm_ops)"],
      ],
      [
        "  … WITH the foreign key to indicators (as before migration 0055: per-row check and row lock)",
        [
          "alter table indicator_search add constraint indicator_search_indicator_id_fkey foreign key (indicator_id) references indicators (id) on delete cascade",
        ],
        ["alter table indicator_search drop constraint indicator_search_indicator_id_fkey"],
      ],
      [
        "  … without either GIN index (heap and primary key only)",
        ["drop index indicator_search_value_trgm_idx", "drop index indicator_search_document_idx"],
        [
          "create index indicator_search_value_trgm_idx on indicator_search using gin (value gin_trgm_ops)",
          "create index indicator_search_document_idx on indicator_search using gin (document)",
        ],
      ],
    ];
    if (process.env.BENCH_VARIANTS !== "0") {
      for (const [name, setup, teardown] of variants) {
        await empty();
        for (const statement of setup) await admin.query(statement);
        results.push(await runCase(name, current(false)));
        await empty();
        for (const statement of teardown) await admin.query(statement);
      }
    }

    console.log(
      `\nSearch indexing benchmark: ${ids.length.toLocaleString("en-US")} indicators, deliveries of ${perDelivery.toLocaleString("en-US")}`,
    );
    console.log("| case | wall | rows/s | backend CPU | rows written |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const result of results) {
      console.log(
        `| ${result.name} | ${(result.ms / 1000).toFixed(1)} s | ${Math.round((ids.length / result.ms) * 1000).toLocaleString("en-US")} | ${result.cpu.toFixed(1)} s | ${Number.isNaN(result.written) ? "(not returned)" : result.written.toLocaleString("en-US")} |`,
      );
    }
    console.log(
      `\nsame documents as the previous statement: ${previousDigest === currentDigest ? "yes" : "NO"} (${rowsAfterNew.toLocaleString("en-US")} rows)`,
    );
    console.log(
      `load average (1/5/15 min) before -> after: ${load} -> ${loadavg()
        .map((value) => value.toFixed(2))
        .join(" ")}`,
    );
    await admin.end();
    await ingest.end();
  } finally {
    await database.stop();
  }
}

await main();
