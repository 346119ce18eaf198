import { readFileSync } from "node:fs";
import { join } from "node:path";
import { builtInFeeds, type FeedDefinition, type ParsedIndicator, parseFeed } from "@threatfusion/feeds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FeedMirror,
  mirroredFeeds,
  shiftSampleDates,
  shiftStepMs,
  startFeedMirror,
} from "./feed-mirror.ts";

// A fixed clock well after the samples were captured (2026-08-22), so every dated sample is moved.
const now = new Date("2027-03-14T15:09:26Z");
const day = 24 * 60 * 60 * 1000;
let mirror: FeedMirror;
beforeAll(async () => {
  mirror = await startFeedMirror({ now: () => now });
});
afterAll(() => mirror.close());

async function parse(
  feed: FeedDefinition,
  body: string,
): Promise<{ indicators: ParsedIndicator[]; rejected: number }> {
  async function* source() {
    yield new TextEncoder().encode(body);
  }
  const indicators: ParsedIndicator[] = [];
  let rejected = 0;
  for await (const event of parseFeed(feed.format, source(), feed.parser)) {
    if (event.kind === "indicator") indicators.push(event.indicator);
    if (event.kind === "rejected") rejected++;
  }
  return { indicators, rejected };
}

const seenTimes = (indicator: ParsedIndicator) =>
  [indicator.firstSeen, indicator.lastSeen]
    .filter((time) => time !== undefined)
    .map((time) => Date.parse(time));

describe("the offline feed mirror", () => {
  it("holds a sample for every URL of every built-in feed that is not a template", () => {
    for (const feed of builtInFeeds.filter((definition) => !definition.template)) {
      expect(mirroredFeeds[feed.id]?.length, feed.id).toBe(feed.urls.length);
    }
  });

  it("serves a sample with an ETag, answers 304 to a conditional GET and 404 to the unknown", async () => {
    const first = await fetch(`${mirror.url}/feeds/abusech-urlhaus/0`);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("# id,dateadded,url");
    const etag = first.headers.get("etag") ?? "";
    const second = await fetch(`${mirror.url}/feeds/abusech-urlhaus/0`, {
      headers: { "if-none-match": etag },
    });
    expect(second.status).toBe(304);
    expect((await fetch(`${mirror.url}/feeds/abusech-urlhaus/1`)).status).toBe(404);
  });

  it("serves every sample with its dates moved to now, read by its collector's parser as before", async () => {
    let datedFeeds = 0;
    for (const feed of builtInFeeds.filter((definition) => !definition.template)) {
      for (const [index, file] of (mirroredFeeds[feed.id] ?? []).entries()) {
        const response = await fetch(`${mirror.url}/feeds/${feed.id}/${index}`);
        expect(response.status, feed.id).toBe(200);
        const served = await parse(feed, await response.text());
        const original = await parse(
          feed,
          readFileSync(join(import.meta.dirname, "..", "feed-samples", file), "utf8"),
        );
        expect(served.rejected, feed.id).toBe(original.rejected);
        expect(
          served.indicators.map((indicator) => indicator.value),
          feed.id,
        ).toEqual(original.indicators.map((indicator) => indicator.value));

        const shifted = served.indicators.flatMap(seenTimes);
        const before = original.indicators.flatMap(seenTimes);
        expect(shifted.length, feed.id).toBe(before.length);
        if (shifted.length === 0) continue;
        datedFeeds++;
        expect(
          shifted.every((time) => !Number.isNaN(time)),
          feed.id,
        ).toBe(true);
        // Newest about now, never in the future.
        expect(Math.max(...shifted), feed.id).toBeLessThanOrEqual(now.getTime());
        // (SSLBL's header says "Last updated" two days after its last listing, as the real list does; the
        // header is the file's newest timestamp, so its rows end two days before now.)
        // KEV's rows carry dates only, which land on the day before when shifted by less than whole days.
        const staleness = feed.id === "abusech-sslbl" ? 3 * day : 2 * day;
        expect(Math.max(...shifted), feed.id).toBeGreaterThan(now.getTime() - staleness);
        // One offset for the whole file: every row moved by the same amount (date-only fields by whole days).
        const firstSeenMoves = new Set(
          served.indicators.flatMap((indicator, row) => {
            const originalFirstSeen = original.indicators[row]?.firstSeen;
            return indicator.firstSeen && originalFirstSeen
              ? [Date.parse(indicator.firstSeen) - Date.parse(originalFirstSeen)]
              : [];
          }),
        );
        expect(firstSeenMoves.size, feed.id).toBeLessThanOrEqual(1);
        const moves = shifted.map((time, position) => time - (before[position] ?? Number.NaN));
        expect(Math.max(...moves) - Math.min(...moves), feed.id).toBeLessThan(day);
      }
    }
    // URLhaus, ThreatFox, Feodo, OTX, Tor, KEV… at least.
    expect(datedFeeds).toBeGreaterThanOrEqual(5);
  });

  it("keeps each date layout and leaves dates inside values alone", () => {
    const sample = [
      '{"first_seen":"2026-08-22 13:35:34 UTC","last_online":"2026-08-21","created":"2026-08-20T09:47:08.000000",',
      '"dueDate":"2026-09-30","url":"http://example.test/2026-08-22/drop.exe","timestamp":1787400000}',
      "2026-08-19 06:14:09,0123456789abcdef0123456789abcdef01234567,QuasarRAT C&C",
      "# This File Date  : Sat, 22 Aug 2026 13:35:34 GMT",
    ].join("\n");
    // Newest is 2026-08-22 13:35:34; "now" is 2 days, 0 h 10 min and 30 s later: shifted by 2 days 10 min.
    const { text, offsetMs } = shiftSampleDates(sample, new Date("2026-08-24T13:46:04Z"));
    expect(offsetMs).toBe(2 * day + shiftStepMs);
    expect(text).toBe(
      [
        '{"first_seen":"2026-08-24 13:45:34 UTC","last_online":"2026-08-23","created":"2026-08-22T09:57:08.000000",',
        '"dueDate":"2026-10-02","url":"http://example.test/2026-08-22/drop.exe","timestamp":1787573400}',
        "2026-08-21 06:24:09,0123456789abcdef0123456789abcdef01234567,QuasarRAT C&C",
        "# This File Date  : Mon, 24 Aug 2026 13:45:34 GMT",
      ].join("\n"),
    );
    expect(shiftSampleDates("no dates here\n", now)).toEqual({
      text: "no dates here\n",
      offsetMs: 0,
      newestMs: null,
    });
  });
});
