/**
 * Accuracy benchmark: precision and recall per indicator type for our extractor and for ioc-extractor
 * (npm, the best-known TypeScript peer) on the labelled corpora described in corpora.ts.
 *
 *   pnpm bench:ioc:accuracy            (or: node packages/ioc/bench/accuracy.ts [--verbose])
 *
 * Both tools' outputs are canonicalized with our canonicalizer before comparison, so the peer is not
 * penalised for formatting (ASN15169, uncompressed IPv6, default ports).
 */
import { extractIOC } from "ioc-extractor";
import { extractGrouped } from "../src/index.ts";
import { type IndicatorType, indicatorTypes } from "../src/types.ts";
import { loadCorpora } from "./corpora.ts";
import { add, type Extractor, emptyScore, f1, type Score, scoreCase } from "./score.ts";

const peerKeys: Partial<Record<IndicatorType, string>> = {
  ipv4: "ipv4s",
  ipv6: "ipv6s",
  domain: "domains",
  url: "urls",
  email: "emails",
  md5: "md5s",
  sha1: "sha1s",
  sha256: "sha256s",
  sha512: "sha512s",
  asn: "asns",
  cve: "cves",
};

const peer: Extractor = (text) => {
  const result = extractIOC(text) as unknown as Record<string, string[] | undefined>;
  const out: Partial<Record<IndicatorType, string[]>> = {};
  for (const [type, key] of Object.entries(peerKeys) as Array<[IndicatorType, string]>) {
    const values = result[key];
    if (values !== undefined && values.length > 0) out[type] = values;
  }
  return out;
};

const ours: Extractor = (text) => extractGrouped(text);

function ratio(a: number, b: number): string {
  return b === 0 ? "  -  " : (a / b).toFixed(3);
}

function run(): void {
  const verbose = process.argv.includes("--verbose");
  const { cases, outOfSpec, iocextract, tweetfeed, urlhaus } = loadCorpora({ bulk: true });
  const tools: Array<[string, Extractor]> = [
    ["threatfusion", ours],
    ["ioc-extractor@8.2.0", peer],
  ];
  const byTool = new Map<
    string,
    { perType: Map<IndicatorType, Score>; perCorpus: Map<string, Score>; misses: string[] }
  >();
  for (const [name, extractor] of tools) {
    const perType = new Map<IndicatorType, Score>();
    const perCorpus = new Map<string, Score>();
    const misses: string[] = [];
    for (const testCase of cases) {
      const scores = scoreCase(testCase, extractor(testCase.input), misses);
      for (const [type, score] of scores) {
        const typeScore = perType.get(type) ?? emptyScore();
        add(typeScore, score);
        perType.set(type, typeScore);
        const corpusScore = perCorpus.get(testCase.corpus) ?? emptyScore();
        add(corpusScore, score);
        perCorpus.set(testCase.corpus, corpusScore);
      }
    }
    byTool.set(name, { perType, perCorpus, misses });
  }

  console.log(
    `IOC extraction accuracy (${cases.length} labelled cases; iocextract, TweetFeed and URLhaus corpora ${iocextract && tweetfeed && urlhaus ? "included from ../shared" : "ABSENT (../shared/fixtures not found)"})`,
  );
  const header = [
    "type".padEnd(8),
    ...tools.map(([name]) => `${name.padEnd(22)}P      R      F1    (tp/fp/fn)`),
  ].join(" | ");
  console.log(header);
  const totals = new Map<string, Score>(tools.map(([name]) => [name, emptyScore()]));
  for (const type of indicatorTypes) {
    const cells: string[] = [];
    let any = false;
    for (const [name] of tools) {
      const score = byTool.get(name)?.perType.get(type) ?? emptyScore();
      if (score.tp + score.fp + score.fn > 0) any = true;
      const total = totals.get(name);
      if (total !== undefined) add(total, score);
      cells.push(
        `${"".padEnd(22)}${ratio(score.tp, score.tp + score.fp)}  ${ratio(score.tp, score.tp + score.fn)}  ${f1(score).toFixed(3)} (${score.tp}/${score.fp}/${score.fn})`,
      );
    }
    if (any) console.log([type.padEnd(8), ...cells].join(" | "));
  }
  console.log(
    [
      "micro".padEnd(8),
      ...tools.map(([name]) => {
        const score = totals.get(name) ?? emptyScore();
        return `${"".padEnd(22)}${ratio(score.tp, score.tp + score.fp)}  ${ratio(score.tp, score.tp + score.fn)}  ${f1(score).toFixed(3)} (${score.tp}/${score.fp}/${score.fn})`;
      }),
    ].join(" | "),
  );
  console.log("\nmicro-F1 per corpus:");
  const corpora = [...new Set(cases.map((c) => c.corpus))];
  for (const corpus of corpora) {
    console.log(
      `  ${corpus.padEnd(12)} ${tools.map(([name]) => `${name} ${f1(byTool.get(name)?.perCorpus.get(corpus) ?? emptyScore()).toFixed(3)}`).join("   ")}`,
    );
  }
  console.log("\nexpected values outside our spec (not scored):");
  for (const [corpus, values] of outOfSpec)
    console.log(`  ${corpus}: ${values.length} (e.g. ${values.slice(0, 4).join(", ")})`);
  for (const [name] of tools) {
    const misses = byTool.get(name)?.misses ?? [];
    console.log(`\n${name}: ${misses.length} errors${verbose ? "" : " (first 25; --verbose for all)"}`);
    for (const miss of verbose ? misses : misses.slice(0, 25)) console.log(`  ${miss.slice(0, 200)}`);
  }
}

run();
