import { describe, expect, it } from "vitest";
import {
  type FeedChunkMessage,
  feedChunkMessageSchema,
  isChunkIndicator,
  parsedIndicatorSchema,
  parseFeedChunkMessage,
} from "./messages.ts";

const valid = {
  type: "domain",
  value: "evil.example",
  firstSeen: "2026-11-26T10:00:00.000Z",
  lastSeen: "2026-11-26T11:00:00.000Z",
  confidence: 75,
  tags: ["phish"],
  context: { malwareFamily: "lumma" },
  line: 3,
};

/** Each case one field at, over or beside a limit of `parsedIndicatorSchema`, as JSON would carry it. */
const cases: [string, unknown][] = [
  ["a complete row", valid],
  ["the least a row needs", { type: "ipv4", value: "203.0.113.7", tags: [], context: {} }],
  ["an unknown type", { ...valid, type: "hostname" }],
  ["a type that is no string", { ...valid, type: 4 }],
  ["no type", { value: "x", tags: [], context: {} }],
  ["an empty value", { ...valid, value: "" }],
  ["a value of 65,536 characters", { ...valid, value: "a".repeat(65_536) }],
  ["a value of 65,537 characters", { ...valid, value: "a".repeat(65_537) }],
  ["a value that is no string", { ...valid, value: ["evil.example"] }],
  ["a first seen of 64 characters", { ...valid, firstSeen: "x".repeat(64) }],
  ["a first seen of 65 characters", { ...valid, firstSeen: "x".repeat(65) }],
  ["a last seen of 65 characters", { ...valid, lastSeen: "x".repeat(65) }],
  ["a last seen that is a number", { ...valid, lastSeen: 1_764_151_200_000 }],
  ["a null first seen", { ...valid, firstSeen: null }],
  ["confidence 0", { ...valid, confidence: 0 }],
  ["confidence 100", { ...valid, confidence: 100 }],
  ["confidence 33.5", { ...valid, confidence: 33.5 }],
  ["confidence -1", { ...valid, confidence: -1 }],
  ["confidence 101", { ...valid, confidence: 101 }],
  ["confidence as text", { ...valid, confidence: "75" }],
  ["confidence null", { ...valid, confidence: null }],
  ["no tags", { type: "domain", value: "a.example", context: {} }],
  ["100 tags", { ...valid, tags: Array.from({ length: 100 }, (_, i) => `t${i}`) }],
  ["101 tags", { ...valid, tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }],
  ["a tag of 200 characters", { ...valid, tags: ["t".repeat(200)] }],
  ["a tag of 201 characters", { ...valid, tags: ["t".repeat(201)] }],
  ["a tag that is no string", { ...valid, tags: [7] }],
  ["tags as an object", { ...valid, tags: { 0: "a" } }],
  ["no context", { type: "domain", value: "a.example", tags: [] }],
  ["a null context", { ...valid, context: null }],
  ["a context that is an array", { ...valid, context: ["a"] }],
  ["a context that is text", { ...valid, context: "lumma" }],
  ["a nested context", { ...valid, context: { a: { b: [1, null] }, c: null } }],
  ["line 0", { ...valid, line: 0 }],
  ["line -1", { ...valid, line: -1 }],
  ["line 1.5", { ...valid, line: 1.5 }],
  ["a line past the safe integers", { ...valid, line: 2 ** 53 }],
  ["line as text", { ...valid, line: "3" }],
  ["keys the schema does not name", { ...valid, extra: true }],
  ["null", null],
  ["an array", [valid]],
  ["text", "evil.example"],
];

describe("isChunkIndicator", () => {
  it.each(cases)("answers as parsedIndicatorSchema for %s", (_name, input) => {
    // Through JSON, as the queue delivers it.
    const delivered: unknown = JSON.parse(JSON.stringify(input));
    expect(isChunkIndicator(delivered)).toBe(parsedIndicatorSchema.safeParse(delivered).success);
  });

  it("holds cases of both answers (the table tests acceptance and refusal)", () => {
    const accepted = cases.filter(([, input]) => parsedIndicatorSchema.safeParse(input).success).length;
    expect(accepted).toBeGreaterThan(10);
    expect(cases.length - accepted).toBeGreaterThan(10);
  });
});

describe("parseFeedChunkMessage", () => {
  const message: FeedChunkMessage = {
    kind: "feed-chunk",
    runId: "run_1",
    feedId: "fed_1",
    chunk: 0,
    observedAt: "2026-11-26T10:00:00.000Z",
    indicators: [valid as FeedChunkMessage["indicators"][number]],
    rejected: [{ line: 9, reason: "not an indicator", raw: "???" }],
  };

  it("returns the message feedChunkMessageSchema returns for a valid chunk", () => {
    expect(parseFeedChunkMessage(message)).toEqual(feedChunkMessageSchema.parse(message));
  });

  it("refuses what feedChunkMessageSchema refuses, in the envelope or in one indicator", () => {
    const refused = [
      { ...message, kind: "collect-feed" },
      { ...message, runId: "" },
      { ...message, chunk: -1 },
      { ...message, observedAt: "yesterday" },
      { ...message, rejected: [{ line: 1 }] },
      { ...message, indicators: [valid, { ...valid, type: "hostname" }] },
      { ...message, indicators: Array.from({ length: 5_001 }, () => valid) },
    ];
    for (const body of refused) {
      expect(feedChunkMessageSchema.safeParse(body).success).toBe(false);
      expect(parseFeedChunkMessage(body)).toBeUndefined();
    }
  });
});
