import { createWriteStream } from "node:fs";
import { newId } from "@threatfusion/core";
import { createDatabase, upsertIndicators, upsertObservations, withIngestTx } from "@threatfusion/db";
import { processCpuSeconds } from "../../../packages/devstack/src/process-cpu.ts";
import { feedRows, syntheticIndicator } from "../../../packages/search/bench/synthetic-values.ts";

/**
 * The synthetic feed of the ingestion benchmarks (`ingest.ts`, `ingest-floor.ts`) and the "raw" bulk rate they
 * print next to their own figures: one definition, so the two benches' feeds and raw lines are the same.
 */

/** Line i of the feed: public IPv4 for even i, a domain for odd i; all unique (the search benches' values). */
export function feedLine(i: number, salt: string): string {
  return syntheticIndicator(i, `${salt}-bench.com`).value;
}

/** Writes the feed file (a comment banner, then one value per line); answers its size in bytes. */
export async function writeFeed(path: string, count: number, salt: string): Promise<number> {
  const out = createWriteStream(path);
  let buffer = `# ThreatFusion ingestion benchmark feed: ${count} indicators\n`;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    buffer += `${feedLine(i, salt)}\n`;
    if (buffer.length > 1 << 16) {
      bytes += buffer.length;
      if (!out.write(buffer)) await new Promise<void>((r) => out.once("drain", () => r()));
      buffer = "";
    }
  }
  bytes += buffer.length;
  out.end(buffer);
  await new Promise<void>((r) => out.once("finish", () => r()));
  return bytes;
}

/**
 * The raw bulk rate: the product's `upsertIndicators` + `upsertObservations` called directly from Node through
 * the driver, `count` new rows, 5,000 per statement, one connection (so the PostgreSQL backend doing the work is
 * known and its CPU can be read). `nodeCpu` is this process's CPU meanwhile: the client's (parameters, driver),
 * plus the bridge's when the bridge runs in this process.
 */
export async function rawUpsertRate(
  ingestUrl: string,
  wsProxy: string | undefined,
  sourceId: string,
  count: number,
  options: { searchDocuments?: boolean } = {},
) {
  const db = createDatabase({ url: ingestUrl, wsProxy }, { max: 1 });
  const backendPid = async () =>
    Number((await db.pool.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid);
  const salt = newId("feed").slice(-6);
  const now = new Date().toISOString();
  const batch = 5_000;
  try {
    let indicatorsMs = 0;
    let bothMs = 0;
    const pid = await backendPid();
    const cpuBefore = processCpuSeconds(pid);
    const nodeBefore = process.cpuUsage();
    for (let start = 0; start < count; start += batch) {
      const { indicators: rows, observations } = feedRows(
        start,
        Math.min(count, start + batch),
        (i) =>
          i % 2 === 0
            ? { type: "ipv4", value: feedLine(i, salt).replace(/^11\./, "12.") }
            : { type: "domain", value: feedLine(i, `raw${salt}`) },
        sourceId,
        now,
        () => ({ tags: ["bench"], searchTerms: ["Bench feed"] }),
      );
      const started = performance.now();
      await withIngestTx({ db: db.db }, async (tx) => {
        await upsertIndicators(tx, rows, { searchDocuments: options.searchDocuments === true });
        indicatorsMs += performance.now() - started;
        await upsertObservations(tx, observations);
      });
      bothMs += performance.now() - started;
    }
    // NaN if the pool replaced its connection meanwhile (then the backend's CPU is unknown).
    const postgresCpu = (await backendPid()) === pid ? processCpuSeconds(pid) - cpuBefore : Number.NaN;
    const node = process.cpuUsage(nodeBefore);
    return { indicatorsMs, bothMs, postgresCpu, nodeCpu: (node.user + node.system) / 1e6 };
  } finally {
    await db.end();
  }
}
