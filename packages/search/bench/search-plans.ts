/**
 * The plans of the Postgres search on a populated catalog (`./pnpmw exec node packages/search/bench/search-plans.ts
 * [rows]`, default 200,000): IPv4 and domain search documents written as ingestion writes them, then EXPLAIN
 * (ANALYZE) of `PostgresSearch` for an exact IP, an IP prefix, a hash prefix, a domain substring, a word, and an IP,
 * a domain and a hash with a word (the catalog btree arm: stored documents leave out the word that is the value), as
 * the application role in a tenant transaction (row-level security on). Shows which index each arm uses:
 * the partial trigram index (migration 0071) for substrings, the catalog's (type, value) btree for IPs and
 * hashes, the tsvector index for words; under the policy migration 0072 replaced and under the current one, same
 * data, same run. Not timed for a target; the times printed are single runs. `KEEP_SERVER=1` keeps the server
 * running for 120 s afterwards (its URL is printed) for a look with psql.
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { newId } from "@threatfusion/core";
import { createDatabase, type DbTransaction, storedSearchDocument, withTenantTx } from "@threatfusion/db";
import { type SQL, sql } from "drizzle-orm";
import { startThrowawayDatabase } from "../../devstack/src/throwaway-database.ts";
import { PostgresSearch } from "../src/postgres.ts";

const rows = Number(process.argv[2] ?? 200_000);
const say = (message: string) => console.log(`[bench:search-plans] ${message}`);

async function main(): Promise<void> {
  const database = await startThrowawayDatabase({
    prefix: "search-plans-",
    parent: join(import.meta.dirname, "../../../.data"),
  });
  const { adminUrl, appUrl, wsProxy } = database;
  try {
    const admin = createDatabase({ url: adminUrl, wsProxy }, { max: 1 });
    const tenantId = newId("tenant");
    await admin.pool.query(
      "insert into tenants (id, parent_id, kind, name, slug) values ($1, null, 'platform', 'Platform', 'platform')",
      [tenantId],
    );
    // Half IPv4, half domains, plus a few hashes; documents as indexNewIndicators writes them (without the word
    // that is the value: `storedSearchDocument`).
    await admin.pool.query(`
      insert into indicators (id, type, value, first_seen, last_seen)
      select 'ind_' || lpad(g::text, 26, '0'),
             case when g % 2 = 0 then 'ipv4' else 'domain' end,
             case when g % 2 = 0 then '11.' || (g >> 16 & 255) || '.' || (g >> 8 & 255) || '.' || (g & 255)
                  else 'h' || g || '.plans-bench.com' end,
             now(), now()
      from generate_series(1, ${rows}) g`);
    await admin.pool.query(`
      insert into indicators (id, type, value, first_seen, last_seen)
      select 'ind_h' || lpad(g::text, 25, '0'), 'sha256', encode(sha256(g::text::bytea), 'hex'), now(), now()
      from generate_series(1, ${Math.max(1, rows / 20)}) g`);
    await admin.db.execute(sql`
      insert into indicator_search (indicator_id, type, value, terms, document)
      select id, type, value, 'bench feed', ${storedSearchDocument(sql`type`, sql`value`, sql`'bench feed'`)}
      from indicators`);
    // What autovacuum does to a table that received this many inserts: GIN pending lists merged, statistics.
    await admin.pool.query("vacuum analyze indicators");
    await admin.pool.query("vacuum analyze indicator_search");
    const app = createDatabase({ url: appUrl, wsProxy }, { max: 1 });
    const hash = (
      await admin.pool.query<{ value: string }>(
        "select value from indicators where type = 'sha256' order by id limit 1",
      )
    ).rows[0]?.value;
    say(
      `load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(" ")}; ${rows.toLocaleString("en-US")} rows`,
    );
    const queries: [string, string][] = [
      ["exact IPv4", "11.0.10.20"],
      ["IPv4 prefix", "11.0.10."],
      ["sha256 prefix", (hash ?? "").slice(0, 12)],
      ["domain substring", "h1234"],
      ["word (source name)", "bench"],
      ["IPv4 and a word", "11.0.10.20 bench"],
      ["exact domain", "h1235.plans-bench.com"],
      ["domain and a word", "h1235.plans-bench.com bench"],
      ["sha256 and a word", `${hash ?? ""} bench`],
    ];
    // The policy before 0072 next to the current one, same data, same run.
    const policies: [string, string][] = [
      ["policy of 0030 (a tenant must be set)", "(select tf_current_tenant()) is not null"],
      ["policy of 0072 (true, as the catalog)", "true"],
    ];
    const summary: string[] = [];
    for (const [policyName, condition] of policies) {
      await admin.pool.query("drop policy if exists indicator_search_app_select on indicator_search");
      await admin.pool.query("drop policy if exists indicator_search_tenant_select on indicator_search");
      await admin.pool.query(
        `create policy indicator_search_app_select on indicator_search for select to tf_app using (${condition})`,
      );
      for (const [label, text] of queries) {
        let plan: string[] = [];
        // Runs the search's own statement under EXPLAIN ANALYZE: the same text, parameters and role.
        const explaining = (tx: DbTransaction) =>
          ({
            execute: async (query: SQL) => {
              const result = await tx.execute<{ "QUERY PLAN": string }>(
                sql`explain (analyze, costs off, timing off, summary on) ${query}`,
              );
              plan = result.rows.map((row) => row["QUERY PLAN"]);
              return { rows: [] };
            },
          }) as unknown as DbTransaction;
        await withTenantTx({ db: app.db, tenantId }, (tx) =>
          new PostgresSearch().search({ tx: explaining(tx), tenantId }, { text, limit: 50, depth: 0 }),
        );
        const scans = plan
          .filter((line) => /Scan on indicator_search|Index Scan using indicators_type_value_key/.test(line))
          .map((line) =>
            line
              .trim()
              .replace(/^->\s*/, "")
              .replace(/ \(actual.*$/, ""),
          );
        const time = plan.find((line) => line.includes("Execution Time"))?.trim() ?? "";
        summary.push(
          `| ${policyName} | ${label} (${text}) | ${time.replace("Execution Time: ", "")} | ${scans.join("; ")} |`,
        );
      }
    }
    console.log(
      "\n| policy on indicator_search for tf_app | search | execution | scans of the search table / catalog btree |",
    );
    console.log("| --- | --- | ---: | --- |");
    for (const line of summary) console.log(line);
    await app.end();
    await admin.end();
    if (process.env.KEEP_SERVER) {
      say(`keeping ${adminUrl} for 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 120_000));
    }
  } finally {
    await database.stop();
  }
}

await main();
