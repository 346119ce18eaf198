/**
 * Paired A/B of two copies of the extractor in one process, the way session 15 judged its changes:
 *
 *   node packages/ioc/bench/ab.ts <base>/packages/ioc/src/index.ts <new>/packages/ioc/src/index.ts [--pairs 24]
 *
 * (a copy of a commit: `git archive <rev> packages | tar -x -C /tmp/base`, then copy each package's node_modules
 * and link the root's). Both engines load and warm up; then, input by input, their calls alternate pair by pair
 * (the order flips every pair, each side the best of a few calls) and the script prints the median ratio
 * second / first with its quartiles. The machine's speed swings 1.6x within minutes, which only pairs this
 * close survive. The engine loaded second tends to run ~3 % faster (session 14): run it again with the two
 * swapped, and trust what holds in both orders.
 *
 * Inputs: the reports once (fresh call), their URL tokens, 5 MB of the repeated reports, 60,000 hashes (one a
 * line, a third upper-case MD5s) and URLhaus's defanged CSV (when ../shared is present).
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cpuMilliseconds } from "./rounds.ts";
import { flatCopy, loadFeedText, loadReportText, numberArgument } from "./texts.ts";

type Extract = (text: string) => unknown;

async function loadEngine(path: string): Promise<Extract> {
  const module = (await import(pathToFileURL(resolve(path)).href)) as { extractGrouped?: Extract };
  if (typeof module.extractGrouped !== "function") throw new Error(`${path} exports no extractGrouped`);
  return module.extractGrouped;
}

function inputs(): Array<{ name: string; text: string; callsPerSide: number }> {
  const { text: reports } = loadReportText();
  const urlTokens = reports
    .split(/[\s"'<>`|\u00a0\u2000-\u200d\u2010-\u201f]+/)
    .filter((token) => /:\/\/|hxxp|\[:\]/i.test(token));
  const hashes: string[] = [];
  for (let i = 0; i < 60_000; i++) {
    hashes.push(
      i % 3 === 0
        ? createHash("md5").update(String(i)).digest("hex").toUpperCase()
        : createHash("sha256").update(String(i)).digest("hex"),
    );
  }
  const list = [
    { name: "reports once", text: flatCopy(reports), callsPerSide: 3 },
    { name: "URL tokens", text: flatCopy(urlTokens.join(" ")), callsPerSide: 3 },
    {
      name: "5 MB repeated",
      text: flatCopy(`${reports}\n`.repeat(Math.ceil((5 * 1048576) / reports.length)).slice(0, 5 * 1048576)),
      callsPerSide: 1,
    },
    { name: "60,000 hashes", text: flatCopy(hashes.join("\n")), callsPerSide: 1 },
  ];
  const feed = loadFeedText();
  if (feed !== null) list.push({ name: "URLhaus CSV", text: flatCopy(feed), callsPerSide: 1 });
  return list;
}

async function main(): Promise<void> {
  const [firstPath, secondPath] = process.argv.slice(2).filter((arg) => arg.endsWith(".ts"));
  if (firstPath === undefined || secondPath === undefined) {
    console.error(
      "usage: node packages/ioc/bench/ab.ts <first>/src/index.ts <second>/src/index.ts [--pairs 24]",
    );
    process.exit(2);
  }
  const pairs = numberArgument("--pairs", 24);
  const engines = [await loadEngine(firstPath), await loadEngine(secondPath)] as const;
  const texts = inputs();
  for (let round = 0; round < 4; round++)
    for (const engine of engines) for (const { text } of texts) engine(text);
  console.log(`second / first: ${secondPath} / ${firstPath}, ${pairs} pairs per input (CPU time)`);
  for (const { name, text, callsPerSide } of texts) {
    const ratios: number[] = [];
    for (let pair = 0; pair < pairs; pair++) {
      const best = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
      for (const side of pair % 2 === 0 ? [0, 1] : [1, 0]) {
        const engine = engines[side === 0 ? 0 : 1];
        for (let call = 0; call < callsPerSide; call++)
          best[side] = Math.min(
            best[side] ?? 0,
            cpuMilliseconds(() => engine(text)),
          );
      }
      ratios.push((best[1] ?? 0) / (best[0] ?? 1));
    }
    ratios.sort((a, b) => a - b);
    const at = (q: number) => (ratios[Math.floor(q * (ratios.length - 1))] ?? 0).toFixed(3);
    console.log(`  ${name.padEnd(16)} ${at(0.5)}  [${at(0.25)} .. ${at(0.75)}]`);
  }
}

await main();
