import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { newId } from "@threatfusion/core";
import {
  createDatabase,
  type IndicatorUpsertRow,
  type ObservationUpsertRow,
  upsertIndicators,
  upsertObservations,
  withIngestTx,
} from "@threatfusion/db";

/**
 * The synthetic feed of the ingestion benchmarks (`ingest.ts`, `ingest-floor.ts`) and the "raw" bulk rate they
 * print next to their own figures: one definition, so the two benches' feeds and raw lines are the same.
 */

/** Line i of the feed: public IPv4 for even i, a domain for odd i; all unique. */
export function feedLine(i: number, salt: string): string {
  if (i % 2 === 0) {
    const n = i / 2 + 16_777_216 * 11; // from 11.0.0.0 (public, not reserved)
    return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  return `h${i.toString(36)}.${salt}-bench.com`;
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
  const backendCpu = async (pid: number) => {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
  };
  const salt = newId("feed").slice(-6);
  const now = new Date().toISOString();
  const batch = 5_000;
  try {
    let indicatorsMs = 0;
    let bothMs = 0;
    const pid = await backendPid();
    const cpuBefore = await backendCpu(pid);
    const nodeBefore = process.cpuUsage();
    for (let start = 0; start < count; start += batch) {
      const rows: IndicatorUpsertRow[] = [];
      const observations: ObservationUpsertRow[] = [];
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const value = i % 2 === 0 ? feedLine(i, salt).replace(/^11\./, "12.") : feedLine(i, `raw${salt}`);
        const type = i % 2 === 0 ? "ipv4" : "domain";
        rows.push({
          type,
          value,
          firstSeen: now,
          lastSeen: now,
          baseScore: 40,
          tlp: "clear",
          tags: ["bench"],
          searchTerms: ["Bench feed"],
        });
        observations.push({
          indicatorType: type,
          indicatorValue: value,
          sourceId,
          firstSeen: now,
          lastSeen: now,
        });
      }
      const started = performance.now();
      await withIngestTx({ db: db.db }, async (tx) => {
        await upsertIndicators(tx, rows, { searchDocuments: options.searchDocuments === true });
        indicatorsMs += performance.now() - started;
        await upsertObservations(tx, observations);
      });
      bothMs += performance.now() - started;
    }
    // NaN if the pool replaced its connection meanwhile (then the backend's CPU is unknown).
    const postgresCpu = (await backendPid()) === pid ? (await backendCpu(pid)) - cpuBefore : Number.NaN;
    const node = process.cpuUsage(nodeBefore);
    return { indicatorsMs, bothMs, postgresCpu, nodeCpu: (node.user + node.system) / 1e6 };
  } finally {
    await db.end();
  }
}
