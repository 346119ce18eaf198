import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { builtInFeeds, type ParsedIndicator, parseFeed } from "@threatfusion/feeds";
import { parseWarninglist, SuppressionIndex, type WarninglistSource } from "@threatfusion/scoring";
import { describe, expect, it } from "vitest";
import { mirroredFeeds } from "./feed-mirror.ts";

// The demo samples rebuilt from real TweetFeed (and Tor exit) values by scripts/build-feed-samples.ts.
const realSamples = [
  "abusech-urlhaus",
  "abusech-threatfox",
  "abusech-feodo",
  "abusech-malwarebazaar",
  "otx-subscribed",
  "tor-exit-nodes",
  "openphish-community",
  "et-compromised-ips",
  "firehol-level1",
  "blocklist-de-all",
];
/** Real TweetFeed rows kept in the ThreatFox sample so the demo shows suppression with its reason. */
const deliberatelyBenign = [
  "34.219.208.40",
  "http://github.com/auxconbetancursas-svg",
  "http://ifconfig.me/System",
];

const samplesDir = join(import.meta.dirname, "..", "feed-samples");
// The scoring package's in-repo warninglist copies (AWS, Tranco top 10k, public DNS, RFC 1918…).
const warninglistDir = join(import.meta.dirname, "..", "..", "scoring", "fixtures", "warninglists");

async function parseSample(catalogId: string): Promise<{ indicators: ParsedIndicator[]; rejected: number }> {
  const feed = builtInFeeds.find((definition) => definition.id === catalogId);
  const file = mirroredFeeds[catalogId]?.[0];
  if (!feed || !file) throw new Error(`${catalogId} is not mirrored`);
  const bytes = readFileSync(join(samplesDir, file));
  async function* source() {
    yield new Uint8Array(bytes);
  }
  const indicators: ParsedIndicator[] = [];
  let rejected = 0;
  for await (const event of parseFeed(feed.format, source(), feed.parser)) {
    if (event.kind === "indicator") indicators.push(event.indicator);
    if (event.kind === "rejected") rejected++;
  }
  return { indicators, rejected };
}

function suppressionIndex(): SuppressionIndex {
  const warninglists: WarninglistSource[] = [];
  for (const file of readdirSync(warninglistDir).sort()) {
    const parsed = parseWarninglist(JSON.parse(readFileSync(join(warninglistDir, file), "utf8")));
    if (parsed.ok) warninglists.push({ id: file.replace(/\.json$/, ""), list: parsed.list });
  }
  return SuppressionIndex.build({ warninglists });
}

describe("the demo feed samples", () => {
  it("hold 100 to 400 real indicators each that their collector's parser reads without rejecting a row", async () => {
    for (const catalogId of realSamples) {
      const { indicators, rejected } = await parseSample(catalogId);
      expect(rejected, catalogId).toBe(0);
      expect(indicators.length, catalogId).toBeGreaterThanOrEqual(100);
      expect(indicators.length, catalogId).toBeLessThanOrEqual(400);
    }
  });

  it("are not suppressed as reserved or known-benign, except the few benign rows kept on purpose", async () => {
    const index = suppressionIndex();
    const suppressed = new Set<string>();
    for (const catalogId of realSamples) {
      for (const indicator of (await parseSample(catalogId)).indicators) {
        const match = index.match(indicator);
        if (match.suppressed) suppressed.add(indicator.value);
        expect(
          match.reasons.filter((reason) => reason.kind === "reserved"),
          `${catalogId} ${indicator.value}`,
        ).toEqual([]);
      }
    }
    expect(
      [...suppressed].every((value) => deliberatelyBenign.includes(value)),
      [...suppressed].join(", "),
    ).toBe(true);
    // The AWS address is in the in-repo AWS list, so at least one benign row shows suppression here too.
    expect(suppressed.has("34.219.208.40")).toBe(true);
  });

  it("repeat C2 addresses across Feodo, ThreatFox, ET and FireHOL so corroboration shows", async () => {
    const valuesOf = async (catalogId: string) =>
      new Set((await parseSample(catalogId)).indicators.map((indicator) => indicator.value));
    const [feodo, threatfox, et, firehol] = await Promise.all(
      ["abusech-feodo", "abusech-threatfox", "et-compromised-ips", "firehol-level1"].map(valuesOf),
    );
    const inAll = [...(feodo ?? [])].filter(
      (value) => threatfox?.has(value) && et?.has(value) && firehol?.has(value),
    );
    expect(inAll.length).toBeGreaterThan(0);
    expect([...(feodo ?? [])].every((value) => firehol?.has(value))).toBe(true);
  });
});
