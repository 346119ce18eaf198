/**
 * Throughput and worst-case benchmark.
 *
 *   pnpm bench:ioc:speed               (or: node packages/ioc/bench/speed.ts [--mb 50])
 *
 * Input: the real report texts in ../shared/fixtures/ioc-extraction/reports (Unit 42 IOC posts and the
 * ThreatConnect blog), repeated to 50 MB. Without ../shared the package's own ioc-fanger sample is used
 * (and the output says so). Prints MB/s for our extractor (all types, refang on), for ioc-extractor on a
 * slice of the same text in the same run, for both on URLhaus's defanged CSV (a feed dump pasted as text, when
 * ../shared is present), and for a raw `/\S+/g` token walk as the machine's ceiling;
 * then the floor (bench/floor.ts) and our extractor over 1 MB adversarial inputs, cold (calls 2–3) and
 * settled (calls 4–12). Inputs are flat strings, as read from a file (`--sliced`: the sessions 1–5 form).
 */
import { loadavg } from "node:os";
import { extractIOC } from "ioc-extractor";
import { extractGrouped } from "../src/index.ts";
import { adversarialInputs } from "./adversarial.ts";
import { candidateFloor } from "./floor.ts";
import { flatCopy, loadFeedText, loadReportText, numberArgument } from "./texts.ts";

/** `text` as a file read gives it (`flatCopy`); `--sliced` keeps the sliced form sessions 1–5 timed. */
function asRead(text: string): string {
  return process.argv.includes("--sliced") ? text : flatCopy(text);
}

/** The largest time seen and the input that took it. */
class Worst {
  ms = 0;
  name = "";

  note(ms: number, name: string): void {
    if (ms <= this.ms) return;
    this.ms = ms;
    this.name = name;
  }
}

function repeatTo(text: string, megabytes: number): string {
  const target = megabytes * 1024 * 1024;
  const copies = Math.max(1, Math.ceil(target / text.length));
  return asRead(`${text}\n`.repeat(copies).slice(0, target));
}

/**
 * Best of `repetitions` runs, in CPU milliseconds of this process (user + system): the machine is shared,
 * and CPU time is what "MB/s on one core" means. Wall time of the same best run is kept for reference.
 */
function timeIt(run: () => void, repetitions: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repetitions; i++) {
    const before = process.cpuUsage();
    const start = performance.now();
    run();
    const used = process.cpuUsage(before);
    const cpu = (used.user + used.system) / 1000;
    if (cpu < best) {
      best = cpu;
      lastWall = performance.now() - start;
    }
  }
  return best;
}

let lastWall = 0;

function mbPerSecond(characters: number, milliseconds: number): string {
  return (characters / 1024 / 1024 / (milliseconds / 1000)).toFixed(1).padStart(7);
}

function main(): void {
  const megabytes = numberArgument("--mb", 50);
  const peerMegabytes = numberArgument("--peer-mb", 5);
  const { text: base, source } = loadReportText();
  const big = repeatTo(base, megabytes);
  const slice = asRead(big.slice(0, peerMegabytes * 1024 * 1024));
  console.log(
    `input: ${source}; ${(base.length / 1024).toFixed(0)} KB repeated to ${megabytes} MB (UTF-16 code units, ${process.argv.includes("--sliced") ? "sliced string" : "flat string"})`,
  );
  console.log(
    `load average (1/5/15 min): ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}; best of runs by CPU time of this process\n`,
  );

  extractGrouped(slice); // warm-up (JIT, TLD cache)
  extractGrouped(slice);
  const rows: string[] = [];
  const row = (name: string, size: number, cpu: number): void => {
    const megabytesIn = (size / 1024 / 1024).toFixed(1).padStart(5);
    rows.push(
      `${name.padEnd(44)} ${megabytesIn} MB ${cpu.toFixed(0).padStart(8)} ${lastWall.toFixed(0).padStart(8)}  ${mbPerSecond(size, cpu)}`,
    );
  };
  const oursMs = timeIt(() => extractGrouped(big), 3);
  row("threatfusion extractGrouped (all types)", big.length, oursMs);
  const oursSliceMs = timeIt(() => extractGrouped(slice), 3);
  row("threatfusion extractGrouped (all types)", slice.length, oursSliceMs);
  extractIOC(slice.slice(0, 200_000));
  const peerMs = timeIt(() => extractIOC(slice), 2);
  row("ioc-extractor@8.2.0 extractIOC (all types)", slice.length, peerMs);
  // The 50 MB above repeats the same reports; the text as written once, extracted by a fresh call per run,
  // shows the rate on text whose tokens the extractor has not just seen, for ours and the peer alike (a per-call
  // memo of repeated tokens doubled the 50 MB figure and left this one unchanged: not kept, docs/BENCHMARKS.md).
  const onceMs = timeIt(() => extractGrouped(base), 9);
  row("threatfusion, the reports once (fresh call)", base.length, onceMs);
  const peerOnceMs = timeIt(() => extractIOC(base), 3);
  row("ioc-extractor, the reports once", base.length, peerOnceMs);
  // A feed dump pasted as text: URLhaus's CSV as its publisher defanged it (`http[:]//1[.]2[.]3[.]4[:]80/x`), one
  // distinct URL a line, so every line is a finding and the output sort is large. Reported, not a target.
  const feed = loadFeedText();
  let feedRatio = "";
  if (feed !== null) {
    const feedMs = timeIt(() => extractGrouped(feed), 5);
    row("threatfusion, URLhaus defanged CSV", feed.length, feedMs);
    const peerFeedMs = timeIt(() => extractIOC(feed), 2);
    row("ioc-extractor, URLhaus defanged CSV", feed.length, peerFeedMs);
    feedRatio = `; on the URLhaus CSV: ${(peerFeedMs / feedMs).toFixed(1)}x`;
  }
  let tokens = 0;
  const walkMs = timeIt(() => {
    tokens = 0;
    const pattern = /\S+/g;
    while (pattern.exec(big) !== null) tokens++;
  }, 3);
  row(`ceiling: /\\S+/g walk (${tokens} tokens)`, big.length, walkMs);
  let sum = 0;
  const loopMs = timeIt(() => {
    for (let i = 0; i < big.length; i++) sum += big.charCodeAt(i);
  }, 3);
  row(`ceiling: charCodeAt loop (checksum ${sum % 10})`, big.length, loopMs);
  // The least work any extractor meeting the spec must do (bench/floor.ts): split, one shape pass per
  // candidate, one cut value per candidate, de-duplication and sort; no refang, validation or canonical form.
  let distinct = candidateFloor(base);
  const floorOnceMs = timeIt(() => {
    distinct = candidateFloor(base);
  }, 9);
  row("floor: one look per candidate, reports once", base.length, floorOnceMs);
  const floorMs = timeIt(() => {
    distinct = candidateFloor(big);
  }, 3);
  row(`floor: one look per candidate (${distinct} values)`, big.length, floorMs);

  console.log("engine                                         input   cpu ms  wall ms   MB/s (cpu)");
  for (const line of rows) console.log(line);
  console.log(
    `speed-up over ioc-extractor on the same ${peerMegabytes} MB: ${(peerMs / oursSliceMs).toFixed(1)}x; ` +
      `on the reports once: ${(peerOnceMs / onceMs).toFixed(1)}x${feedRatio}; ours over the floor: ${(oursMs / floorMs).toFixed(1)}x ` +
      `(${megabytes} MB), ${(onceMs / floorOnceMs).toFixed(1)}x (reports once); ours at ${(loopMs / oursMs).toFixed(3)} ` +
      // The host's slow phases slow the bare loop ~1.6x and the engine ~1.4x (docs/BENCHMARKS.md, session 12):
      // a run's MB/s are read with the ceiling they ran beside.
      `of the charCodeAt ceiling's rate (${megabytes} MB)\n`,
  );

  // Cold: calls 2–3 of each input (best of the two), the figure sessions 1–5 reported, decided as much by JIT
  // warm-up and heap state as by the engine. Settled: calls 4–12 of the same input (median and max), what a
  // long-running Worker or CLI over a big file runs; the target is judged on the worst input's settled median
  // (docs/BENCHMARKS.md): the max of nine calls adds this process's GC threads and the other load of the box.
  console.log(
    "adversarial inputs, 1 MB each (our extractor; cold = best of calls 2-3, settled = calls 4-12):",
  );
  console.log(
    `  ${"input".padEnd(28)} ${"cold cpu".padStart(11)} ${"cold wall".padStart(12)} ${"settled med".padStart(13)} ${"settled max".padStart(13)}`,
  );
  const cold = new Worst();
  const settledMedians = new Worst();
  const settledMaxima = new Worst();
  for (const [name, input] of adversarialInputs(1024 * 1024)) {
    extractGrouped(input);
    const ms = timeIt(() => extractGrouped(input), 2);
    const coldWall = lastWall;
    const settled: number[] = [];
    for (let call = 4; call <= 12; call++) settled.push(timeIt(() => extractGrouped(input), 1));
    settled.sort((a, b) => a - b);
    const settledMedian = settled[Math.floor(settled.length / 2)] ?? 0;
    const settledMax = settled[settled.length - 1] ?? 0;
    cold.note(ms, name);
    settledMedians.note(settledMedian, name);
    settledMaxima.note(settledMax, name);
    console.log(
      `  ${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms ${coldWall.toFixed(1).padStart(9)} ms ${settledMedian.toFixed(1).padStart(10)} ms ${settledMax.toFixed(1).padStart(10)} ms`,
    );
  }
  // The machine's speed during this phase: the same bare loop over 1 MB (its CPU time doubles when another
  // process shares the core), so a worst case can be read against what the hardware did at that moment.
  const megabyteText = big.slice(0, 1024 * 1024);
  let megabyteSum = 0;
  const megabyteLoopMs = timeIt(() => {
    for (let i = 0; i < megabyteText.length; i++)
      megabyteSum = (megabyteSum + megabyteText.charCodeAt(i)) | 0;
  }, 5);
  console.log(
    `worst case: settled ${settledMedians.ms.toFixed(1)} ms cpu (median of calls 4-12, ${settledMedians.name}; the target's ` +
      `figure); settled max ${settledMaxima.ms.toFixed(1)} (${settledMaxima.name}); cold ${cold.ms.toFixed(1)} ms cpu ` +
      `(${cold.name}); bare charCodeAt loop over 1 MB in the same phase ` +
      `${megabyteLoopMs.toFixed(1)} ms cpu (checksum ${megabyteSum % 10})`,
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}`,
  );
}

main();
