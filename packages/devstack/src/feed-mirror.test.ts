import { builtInFeeds } from "@threatfusion/feeds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedMirror, mirroredFeeds, startFeedMirror } from "./feed-mirror.ts";

let mirror: FeedMirror;
beforeAll(async () => {
  mirror = await startFeedMirror();
});
afterAll(() => mirror.close());

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
});
