/**
 * Warninglist matching at apply, with the real MISP lists loaded: what `matchWarninglists` costs for one
 * delivery's worth of feed values (the consumer calls it once per apply group, ~14,500 rows), the Node
 * client and PostgreSQL apart. `bench:ingest` runs without warninglists, so its figures show only the empty
 * case; production imports them (`runWarninglistRefresh`).
 *
 *   flock /tmp/bench.lock ./pnpmw exec node packages/services/bench/warninglist-match.ts [rows] [rounds]
 *
 * Lists: all of /work/shared/fixtures/warninglists when present, else the repository's fixture lists. Rows:
 * half public-range IPv4 addresses, half domains (as bench:ingest's feed), 1 % of each drawn from the lists
 * (an AWS address, a listed domain's subdomain) so that matches exist. The first call of an isolate reads
 * the lists' metadata and caches (cold); the following calls are the steady state (warm).
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { createDatabase, withIngestTx } from "@threatfusion/db";
import type { IndicatorType } from "@threatfusion/ioc";
import { sql } from "drizzle-orm";
import { catalogBenchSettings } from "../../devstack/src/postgres.ts";
import { clusterCpuSecondsSince, clusterCpuTicks } from "../../devstack/src/process-cpu.ts";
import { startThrowawayDatabase } from "../../devstack/src/throwaway-database.ts";
import { importWarninglists } from "../src/warninglists/import.ts";
import { matchWarninglists } from "../src/warninglists/match.ts";
import { loadBenchWarninglists } from "./bench-warninglists.ts";

const rows = Number(process.argv[2] ?? 14_500);
const rounds = Number(process.argv[3] ?? 10);

/** A seeded generator, so runs compare. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function values(count: number): { type: IndicatorType; value: string }[] {
  const next = random(20261126);
  const byte = () => Math.floor(next() * 256);
  const out: { type: IndicatorType; value: string }[] = [];
  for (let i = 0; i < count; i++) {
    const listed = i % 100 === 0;
    if (i % 2 === 0) {
      // 100.20.0.0/14 is an AWS range in the MISP list; the rest public-range addresses.
      const value = listed
        ? `100.20.${byte() % 4}.${byte()}`
        : `${45 + (byte() % 150)}.${byte()}.${byte()}.${byte()}`;
      out.push({ type: "ipv4", value });
    } else {
      const label = Math.floor(next() * 2 ** 40).toString(36);
      out.push({
        type: "domain",
        value: listed ? `${label}.github.com` : `${label}.bench-${i % 97}.example`,
      });
    }
  }
  return out;
}

const { documents, origin } = await loadBenchWarninglists();
const database = await startThrowawayDatabase({
  prefix: "tf-bench-wlmatch-",
  settings: catalogBenchSettings,
});
const ingest = createDatabase({ url: database.ingestUrl, wsProxy: database.wsProxy }, { max: 1 });
try {
  const imported = await importWarninglists({ db: ingest.db, lists: documents });
  // As autovacuum leaves a database some time after an import: without statistics the planner scans all
  // ~530,000 entries instead of probing the key index.
  const admin = createDatabase({ url: database.adminUrl, wsProxy: database.wsProxy }, { max: 1 });
  await admin.db.execute(sql`analyze warninglists, warninglist_entries`);
  await admin.end();
  console.log(
    `warninglists: ${origin}, ${imported.imported.length} imported, ${imported.rejected.length} rejected`,
  );
  const indicators = values(rows);
  const dataDir = join(database.folder, "postgres");
  const measure = async () => {
    const ticks = await clusterCpuTicks(dataDir);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const matches = await withIngestTx({ db: ingest.db }, (tx) => matchWarninglists(tx, indicators));
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return {
      wallMs,
      clientMs: (used.user + used.system) / 1000,
      postgresMs: (await clusterCpuSecondsSince(dataDir, ticks)) * 1000,
      suppressed: matches.filter((match) => match.suppressed).length,
      flagged: matches.filter((match) => match.reasons.length > 0).length,
    };
  };
  const load = loadavg().map((value) => value.toFixed(2));
  const cold = await measure();
  const warm: Awaited<ReturnType<typeof measure>>[] = [];
  for (let round = 0; round < rounds; round++) warm.push(await measure());
  const median = (pick: (run: (typeof warm)[number]) => number) => {
    const sorted = warm.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  const perRow = (ms: number) => `${((ms * 1000) / rows).toFixed(1)} µs`;
  console.log(`\nmatchWarninglists over ${rows.toLocaleString("en-US")} feed values, ${rounds} warm rounds`);
  console.log(
    "| call | wall | client CPU (per row) | PostgreSQL CPU (per row) | suppressed / with reasons |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: |");
  console.log(
    `| cold (first in this process) | ${cold.wallMs.toFixed(0)} ms | ${cold.clientMs.toFixed(0)} ms (${perRow(cold.clientMs)}) | ${cold.postgresMs.toFixed(0)} ms (${perRow(cold.postgresMs)}) | ${cold.suppressed} / ${cold.flagged} |`,
  );
  console.log(
    `| warm, median | ${median((run) => run.wallMs).toFixed(0)} ms | ${median((run) => run.clientMs).toFixed(0)} ms (${perRow(median((run) => run.clientMs))}) | ${median((run) => run.postgresMs).toFixed(0)} ms (${perRow(median((run) => run.postgresMs))}) | ${warm[0]?.suppressed} / ${warm[0]?.flagged} |`,
  );
  console.log(
    `load average before: ${load.join(" ")}; after: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}`,
  );
} finally {
  await ingest.end();
  await database.stop();
}
