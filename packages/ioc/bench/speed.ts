/**
 * Throughput and worst-case benchmark.
 *
 *   pnpm bench:ioc:speed               (or: node packages/ioc/bench/speed.ts [--mb 50])
 *
 * Input: the real report texts in ../shared/fixtures/ioc-extraction/reports (Unit 42 IOC posts and the
 * ThreatConnect blog), repeated to 50 MB. Without ../shared the package's own ioc-fanger sample is used
 * (and the output says so). Prints MB/s for our extractor (all types, refang on), for ioc-extractor on a
 * slice of the same text in the same run, and for a raw `/\S+/g` token walk as the machine's ceiling;
 * then the worst time of our extractor over 1 MB adversarial inputs.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { extractIOC } from "ioc-extractor";
import { extractGrouped } from "../src/index.ts";
import { adversarialInputs } from "./adversarial.ts";
import { packageFixtures, sharedFixtures } from "./corpora.ts";

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function loadReportText(): { text: string; source: string } {
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

function repeatTo(text: string, megabytes: number): string {
  const target = megabytes * 1024 * 1024;
  const copies = Math.max(1, Math.ceil(target / text.length));
  return `${text}\n`.repeat(copies).slice(0, target);
}

function timeIt(run: () => void, repetitions: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repetitions; i++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

function mbPerSecond(characters: number, milliseconds: number): string {
  return (characters / 1024 / 1024 / (milliseconds / 1000)).toFixed(1).padStart(7);
}

function main(): void {
  const megabytes = argument("--mb", 50);
  const peerMegabytes = argument("--peer-mb", 5);
  const { text: base, source } = loadReportText();
  const big = repeatTo(base, megabytes);
  const slice = big.slice(0, peerMegabytes * 1024 * 1024);
  console.log(
    `input: ${source}; ${(base.length / 1024).toFixed(0)} KB repeated to ${megabytes} MB (UTF-16 code units)`,
  );
  console.log("note: 2-core machine shared with other jobs; best of runs, figures taken under load\n");

  extractGrouped(slice); // warm-up (JIT, TLD cache)
  const oursMs = timeIt(() => extractGrouped(big), 3);
  let tokens = 0;
  const ceilingMs = timeIt(() => {
    tokens = 0;
    const pattern = /\S+/g;
    while (pattern.exec(big) !== null) tokens++;
  }, 3);
  extractIOC(slice.slice(0, 100_000));
  const peerMs = timeIt(() => extractIOC(slice), 1);
  const oursSliceMs = timeIt(() => extractGrouped(slice), 3);

  console.log("engine                                   input     time ms     MB/s");
  console.log(
    `threatfusion extractGrouped (all types)  ${megabytes} MB ${oursMs.toFixed(0).padStart(10)}  ${mbPerSecond(big.length, oursMs)}`,
  );
  console.log(
    `threatfusion extractGrouped (all types)  ${peerMegabytes} MB  ${oursSliceMs.toFixed(0).padStart(10)}  ${mbPerSecond(slice.length, oursSliceMs)}`,
  );
  console.log(
    `ioc-extractor@8.2.0 extractIOC           ${peerMegabytes} MB  ${peerMs.toFixed(0).padStart(10)}  ${mbPerSecond(slice.length, peerMs)}`,
  );
  console.log(
    `ceiling: /\\S+/g token walk (${tokens} tokens) ${megabytes} MB ${ceilingMs.toFixed(0).padStart(10)}  ${mbPerSecond(big.length, ceilingMs)}`,
  );
  console.log(
    `speed-up over ioc-extractor on the same ${peerMegabytes} MB: ${(peerMs / oursSliceMs).toFixed(1)}x\n`,
  );

  console.log("adversarial inputs, 1 MB each (our extractor):");
  let worst = 0;
  let worstName = "";
  for (const [name, input] of adversarialInputs(1024 * 1024)) {
    const ms = timeIt(() => extractGrouped(input), 1);
    if (ms > worst) {
      worst = ms;
      worstName = name;
    }
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms`);
  }
  console.log(`worst case: ${worst.toFixed(1)} ms (${worstName})`);
}

main();
