import { describe, expect, it } from "vitest";
import { batchParsed, indicatorBytes } from "./batch.ts";
import type { ParsedIndicator, ParseEvent } from "./types.ts";

async function* events(count: number, valueLength = 20): AsyncGenerator<ParseEvent> {
  for (let index = 0; index < count; index++) {
    yield {
      kind: "indicator",
      indicator: {
        type: "domain",
        value: `${"a".repeat(valueLength)}${index}.example`,
        tags: ["t"],
        context: {},
        line: index + 1,
      },
    };
    if (index % 10 === 0) yield { kind: "rejected", row: { line: index + 1, reason: "bad", raw: "x" } };
  }
  yield {
    kind: "end",
    stats: { units: count, indicators: count, rejected: Math.ceil(count / 10), skipped: 0 },
  };
}

async function all(source: AsyncIterable<ParseEvent>, options: Parameters<typeof batchParsed>[1]) {
  const out = [];
  for await (const batch of batchParsed(source, options)) out.push(batch);
  return out;
}

describe("batchParsed", () => {
  it("cuts on item count and keeps every indicator once, in order", async () => {
    const batches = await all(events(1050), { maxItems: 500 });
    expect(batches.map((batch) => batch.indicators.length)).toEqual([500, 500, 50]);
    expect(batches.at(-1)?.stats?.indicators).toBe(1050);
    expect(batches.flatMap((batch) => batch.indicators.map((indicator) => indicator.line))).toEqual(
      Array.from({ length: 1050 }, (_, index) => index + 1),
    );
  });

  it("cuts on serialized bytes so each batch fits a 128 KB queue message", async () => {
    const batches = await all(events(3000, 400), { maxBytes: 120_000, maxItems: 10_000 });
    expect(batches.length).toBeGreaterThan(5);
    for (const batch of batches) {
      const actual = new TextEncoder().encode(
        JSON.stringify({ indicators: batch.indicators, rejected: batch.rejected }),
      ).byteLength;
      expect(actual).toBeLessThanOrEqual(120_000);
      expect(batch.bytes).toBeGreaterThanOrEqual(actual);
    }
  });

  it("turns an indicator larger than a message into a rejected row", async () => {
    async function* one(): AsyncGenerator<ParseEvent> {
      yield {
        kind: "indicator",
        indicator: {
          type: "url",
          value: `http://x.example/${"a".repeat(2000)}`,
          tags: [],
          context: {},
          line: 1,
        },
      };
      yield { kind: "end", stats: { units: 1, indicators: 1, rejected: 0, skipped: 0 } };
    }
    const [batch] = await all(one(), { maxBytes: 1000 });
    expect(batch?.indicators).toEqual([]);
    expect(batch?.rejected[0]?.reason).toBe("indicator too large for one message");
  });
});

describe("indicatorBytes", () => {
  const utf8 = (text: string) => new TextEncoder().encode(text).byteLength;
  // Characters JSON escapes or encodes in several UTF-8 bytes, lone surrogates included.
  const pool = [
    "a",
    "Z",
    "0",
    ".",
    "/",
    '"',
    "\\",
    "\n",
    "\t",
    "\u0001",
    "\u001f",
    "\u007f",
    "é",
    "ß",
    "中",
    "😀",
    "\ud800",
    "\udfff",
    " ",
  ];
  let seed = 7;
  const next = (below: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % below;
  };
  const text = () => Array.from({ length: next(12) }, () => pool[next(pool.length)] ?? "").join("");

  it("is the UTF-8 size of the indicator's JSON, for plain and other indicators", () => {
    const cases: ParsedIndicator[] = [
      { type: "ipv4", value: "192.0.2.1", tags: [], context: {}, line: 3 },
      {
        type: "domain",
        value: "example.com",
        tags: ["a", "b"],
        context: {},
        line: 12_345,
        firstSeen: undefined,
      },
      {
        type: "url",
        value: "http://x.example/a",
        tags: [],
        context: { port: 8080, extra: { note: "n" } },
        confidence: 42.5,
      },
      {
        type: "domain",
        value: "x.example",
        tags: [],
        context: {},
        lastSeen: "2026-11-27T00:00:00.000Z",
        confidence: 0,
      },
    ];
    for (let index = 0; index < 500; index++)
      cases.push({
        type: "domain",
        value: text(),
        tags: Array.from({ length: next(3) }, text),
        context: next(4) === 0 ? { malwareFamily: text() } : {},
        ...(next(2) === 0 ? { line: next(100_000) } : {}),
        ...(next(3) === 0 ? { firstSeen: text() } : {}),
      });
    for (const indicator of cases) expect(indicatorBytes(indicator)).toBe(utf8(JSON.stringify(indicator)));
  });
});
