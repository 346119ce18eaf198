/** What the speed benches read: their texts, how they read them, and their numeric options (speed.ts, ab.ts). */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageFixtures, sharedFixtures, urlhausDefangedFile } from "./corpora.ts";

/** The real report texts (Unit 42 IOC posts and the ThreatConnect blog), or the package's ioc-fanger sample without ../shared. */
export function loadReportText(): { text: string; source: string } {
  const reports = join(sharedFixtures, "ioc-extraction", "reports");
  if (existsSync(reports)) {
    const tweets = join(reports, "unit42-tweets");
    const parts = readdirSync(tweets)
      .filter((name) => name.endsWith(".txt"))
      .sort()
      .map((name) => readFileSync(join(tweets, name), "utf8"));
    parts.push(readFileSync(join(reports, "threatconnect_guccifer2_all_roads_lead_to_russia.txt"), "utf8"));
    return { text: parts.join("\n"), source: `${parts.length} report files from ${reports}` };
  }
  return {
    text: readFileSync(join(packageFixtures, "sample_text_defanged.txt"), "utf8"),
    source: "packages/ioc/fixtures/sample_text_defanged.txt (../shared/fixtures absent)",
  };
}

/** URLhaus's defanged `csv_recent` from ../shared/fixtures, or null without it. */
export function loadFeedText(): string | null {
  return existsSync(urlhausDefangedFile) ? readFileSync(urlhausDefangedFile, "utf8") : null;
}

/**
 * A flat copy of `text`, as a file read gives (`readFileSync`, a request body). `repeat().slice()` leaves a
 * sliced string over its parent, whose every read in optimized code goes through one more indirection
 * (measured: the 10 MB text 12 % slower sliced than flat).
 */
export function flatCopy(text: string): string {
  const flat = Buffer.from(text, "utf16le").toString("utf16le");
  if (flat !== text) throw new Error("flat copy differs from the text");
  return flat;
}

/** The positive number after `name` on the command line (`--mb 50`), else `fallback`. */
export function numberArgument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
