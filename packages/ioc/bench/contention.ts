/**
 * The evidence behind the rounds of speed.ts: how the engine's rate follows the core's.
 *
 *   node packages/ioc/bench/contention.ts [--seconds 60]
 *
 * Extracts 5 MB of the repeated reports again and again for `--seconds`, each call between two timings of the
 * cached bare loop (bench/rounds.ts), then prints the calls binned by the slower of their two loop rates as a share
 * of the best one seen: how many calls fell in each bin and the engine's median, min and max MB/s there. On an
 * engine whose speed is its own, the bins would agree; here they follow the loop.
 */
import { extractGrouped } from "../src/index.ts";
import { median, megabytesPerSecond, Rounds } from "./rounds.ts";
import { flatCopy, loadReportText, numberArgument } from "./texts.ts";

const seconds = numberArgument("--seconds", 60);
const { text } = loadReportText();
const input = flatCopy(`${text}\n`.repeat(Math.ceil((5 * 1048576) / text.length)).slice(0, 5 * 1048576));
for (let call = 0; call < 3; call++) extractGrouped(input);

const rounds = new Rounds();
const measure = { name: "5 MB", run: () => extractGrouped(input) };
// Rounds until the time is up: no round count ends it, and no wait for uncontended rounds.
rounds.run([measure], { minRounds: Number.POSITIVE_INFINITY, minUncontended: 0, maxSeconds: seconds });

const bins = new Map<number, number[]>();
const samples = rounds.samples.get(measure.name) ?? [];
for (const sample of samples) {
  const share = Math.min(sample.loopBefore, sample.loopAfter) / rounds.bestLoopRate;
  const bin = Math.min(19, Math.floor(share * 20));
  const rates = bins.get(bin) ?? [];
  rates.push(megabytesPerSecond(input.length, sample.ms));
  bins.set(bin, rates);
}
console.log(
  `${samples.length} calls of extractGrouped over 5 MB in ${seconds} s; the bare loop's best ${rounds.bestLoopRate.toFixed(0)} MB/s, worst ${rounds.worstLoopRate.toFixed(0)}`,
);
console.log("slower loop of the call, share of the best   calls   engine MB/s: median   min    max");
for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
  const rates = bins.get(bin) ?? [];
  console.log(
    `${`${bin * 5}–${bin * 5 + 5} %`.padEnd(44)} ${String(rates.length).padStart(5)} ${median(rates).toFixed(1).padStart(21)} ${Math.min(
      ...rates,
    )
      .toFixed(1)
      .padStart(6)} ${Math.max(...rates)
      .toFixed(1)
      .padStart(6)}`,
  );
}
