/**
 * Row throughput of detectIndicator and canonicalize on real feed values (feeds call them once per row).
 *
 *   node packages/ioc/bench/canonicalize.ts
 *
 * Input: the `value` column of TweetFeed's 2025 daily CSVs (180,995 rows: URLs, domains, IPs, hashes) from
 * ../shared/fixtures/bulk-iocs; skipped with a note when absent.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalize, detectIndicator } from "../src/index.ts";
import { sharedFixtures } from "./corpora.ts";

const file = join(sharedFixtures, "bulk-iocs", "tweetfeed_2025_daily_concat.csv");
if (!existsSync(file)) {
  console.log(`skipped: ${file} not found (../shared/fixtures absent)`);
  process.exit(0);
}
const values = readFileSync(file, "utf8")
  .split("\n")
  .map((line) => line.split(",")[3] ?? "")
  .filter((value) => value.length > 0);

function cpuMs(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

let detected = 0;
const detectMs = Math.min(
  ...[0, 1, 2].map(() =>
    cpuMs(() => {
      detected = 0;
      for (const value of values) if (detectIndicator(value).ok) detected++;
    }),
  ),
);
const canonicalMs = Math.min(
  ...[0, 1, 2].map(() =>
    cpuMs(() => {
      for (const value of values) canonicalize("domain", value);
    }),
  ),
);
console.log(`${values.length} rows; detectIndicator ok for ${detected}`);
console.log(
  `detectIndicator: ${detectMs.toFixed(0)} ms cpu, ${Math.round(values.length / (detectMs / 1000)).toLocaleString("en")} rows/s`,
);
console.log(
  `canonicalize("domain", …): ${canonicalMs.toFixed(0)} ms cpu, ${Math.round(values.length / (canonicalMs / 1000)).toLocaleString("en")} rows/s`,
);
