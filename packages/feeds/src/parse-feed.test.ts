import { isAppError } from "@threatfusion/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOf, chunked, collect, fixture, parseText } from "../test/support.ts";
import { batchParsed } from "./batch.ts";
import { feedFailureReason } from "./failure.ts";
import { type FeedFormat, feedFormats, parseFeed, parseFeedBatches, sniffFormat } from "./parse-feed.ts";
import type { ParseEvent } from "./types.ts";

const htmlPage = `\uFEFF  <!-- cf -->\n<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>`;

async function failureOf(format: FeedFormat, bytes: Uint8Array): Promise<string | undefined> {
  try {
    await collect(parseFeed(format, chunked(bytes, 1000)));
  } catch (error) {
    return feedFailureReason(error);
  }
  return undefined;
}

async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("parseFeed refuses what is not feed data", () => {
  it.each(["csv", "json", "stix", "text", "urlhaus", "misp", "auto"] as const)(
    "an HTML page where %s was expected fails the run, naming the page",
    async (format) => {
      const run = collect(
        parseFeed(format, chunked(bytesOf(htmlPage)), { csv: { value: "url" }, json: { value: "ioc" } }),
      );
      await expect(run).rejects.toMatchObject({
        code: "UPSTREAM_FAILED",
        details: { reason: "html-instead-of-data" },
        message: expect.stringContaining('"Just a moment..."'),
      });
    },
  );

  it("binary data and zip archives fail with their own reason", async () => {
    const binary = new Uint8Array(4096).map((_, index) => (index * 7919) % 256);
    expect(await failureOf("text", binary)).toBe("binary-data");
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...bytesOf("urlhaus.csv")]);
    expect(await failureOf("urlhaus", zip)).toBe("archive-unsupported");
  });

  it("gzip bodies are inflated; a corrupt gzip fails clearly", async () => {
    const packed = await gzip(bytesOf("# list\n192.0.2.1\n198.51.100.2\n"));
    const result = await collect(parseFeed("text", chunked(packed, 5)));
    expect(result.indicators.map((indicator) => indicator.value)).toEqual(["192.0.2.1", "198.51.100.2"]);
    const corrupt = packed.slice(0, 12);
    expect(await failureOf("text", corrupt)).toBe("invalid-document");
  });
});

describe("parseFeed survives hostile input", () => {
  it("a 10 MB line is one rejected row, in text, CSV and NDJSON alike", async () => {
    const huge = "A".repeat(10 * 1024 * 1024);
    for (const [format, options] of [
      ["text", {}],
      ["csv", { csv: { value: 0 } }],
      ["ndjson", { ndjson: { value: "ip" } }],
    ] as const) {
      const body = bytesOf(
        `192.0.2.1\n${huge}\n192.0.2.3\n`.replace(
          /192\.0\.2\.(\d)/g,
          format === "ndjson" ? '{"ip":"192.0.2.$1"}' : "192.0.2.$1",
        ),
      );
      const result = await collect(parseFeed(format, chunked(body, 65536), options));
      expect(
        result.indicators.map((indicator) => indicator.value),
        format,
      ).toEqual(["192.0.2.1", "192.0.2.3"]);
      expect(result.rejected, format).toEqual([
        expect.objectContaining({ line: 2, reason: expect.stringMatching(/longer than the limit/) }),
      ]);
      expect(result.rejected[0]?.raw.length).toBeLessThanOrEqual(200);
    }
  });

  it("wrong encodings: UTF-16 with a BOM is decoded; Latin-1 bytes become rejected rows", async () => {
    const utf16 = new Uint8Array([
      0xff,
      0xfe,
      ...[..."192.0.2.1\n"].flatMap((char) => [char.charCodeAt(0), 0]),
    ]);
    const decoded = await collect(parseFeed("text", chunked(utf16, 3)));
    expect(decoded.indicators.map((indicator) => indicator.value)).toEqual(["192.0.2.1"]);
    const latin1 = new Uint8Array([...bytesOf("caf"), 0xe9, ...bytesOf(".example\n192.0.2.2\n")]);
    const result = await collect(parseFeed("text", chunked(latin1, 2), { text: { type: "domain" } }));
    expect(result.rejected).toHaveLength(2);
    expect(result.rejected[0]?.raw).toContain("\uFFFD");
  });

  it("a file cut in the middle of a row keeps every whole row", async () => {
    const bytes = await fixture("written/urlhaus_recent.csv");
    const result = await collect(parseFeed("urlhaus", chunked(bytes.subarray(0, bytes.byteLength - 40), 13)));
    expect(result.indicators.length).toBe(3);
    expect(result.stats?.rejected).toBe(2);
  });

  it("JSON formats given CSV answer with a rejected row, not an exception", async () => {
    const result = await parseText("kev", "cveID,vendorProject\nCVE-2021-44228,Apache\n");
    expect(result.indicators).toEqual([]);
    expect(result.rejected[0]?.reason).toBe("not a JSON document");
  });

  it("an empty body yields only the end event", async () => {
    const result = await collect(parseFeed("text", chunked(new Uint8Array(0))));
    expect(result.stats).toEqual({ units: 0, indicators: 0, rejected: 0, skipped: 0 });
  });

  it("accepts a Web ReadableStream as the source", async () => {
    const stream = new Blob([bytesOf("192.0.2.1\n")]).stream();
    const result = await collect(parseFeed("text", stream));
    expect(result.indicators).toHaveLength(1);
  });

  it("any bytes in any format end normally or with an AppError (property)", async () => {
    const formats = feedFormats.filter(
      (format) => format !== "csv" && format !== "json" && format !== "ndjson",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...formats),
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.string({ maxLength: 2000 }).map(bytesOf),
          fc.jsonValue().map((value) => bytesOf(JSON.stringify(value))),
        ),
        async (format, bytes) => {
          try {
            const result = await collect(parseFeed(format, chunked(bytes, 97)));
            expect(result.stats).toBeDefined();
          } catch (error) {
            expect(isAppError(error), String(error)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("sniffFormat / auto", () => {
  it.each([
    ["written/urlhaus_recent.csv", "urlhaus"],
    ["written/threatfox_recent.csv", "threatfox"],
    ["written/threatfox_api.json", "threatfox-api"],
    ["written/threatfox_export.json", "threatfox-json"],
    ["written/feodo_ipblocklist.csv", "feodo"],
    ["written/feodo_ipblocklist.json", "feodo-json"],
    ["written/sslblacklist.csv", "sslbl"],
    ["written/malwarebazaar_recent.csv", "malwarebazaar"],
    ["written/spamhaus_drop_v4.json", "spamhaus-drop-json"],
    ["written/spamhaus_asndrop.json", "spamhaus-drop-json"],
    ["written/spamhaus_drop.txt", "text"],
    ["written/tor_exit_addresses.txt", "tor-exit"],
    ["written/dshield_block.txt", "dshield"],
    ["written/otx_pulses_subscribed.json", "otx"],
    ["written/misp_event_objects_galaxies.json", "misp"],
    ["written/taxii_envelope.json", "stix"],
    ["real/kev-subset.json", "kev"],
    ["real/kev-subset.csv", "kev-csv"],
    ["real/oasis-apt1.json", "stix"],
    ["real/68f58844-4aa6-4e1c-8ee5-cfb58eb6665e.json", "misp"],
    ["real/tweetfeed_today.csv", "tweetfeed"],
    ["real/zeek-openphish.intel", "zeek-intel"],
  ])("%s is %s", async (path, expected) => {
    const head = new TextDecoder().decode((await fixture(path)).subarray(0, 4096));
    expect(sniffFormat(head)).toBe(expected);
    const result = await collect(parseFeed("auto", chunked(await fixture(path), 512)));
    expect(result.meta.format).toBe(expected);
    expect(result.indicators.length).toBeGreaterThan(0);
  });
});

describe("parseFeedBatches", () => {
  async function flat(events: AsyncIterable<readonly ParseEvent[]>): Promise<ParseEvent[]> {
    const out: ParseEvent[] = [];
    for await (const batch of events) out.push(...batch);
    return out;
  }
  async function all(events: AsyncIterable<ParseEvent>): Promise<ParseEvent[]> {
    const out: ParseEvent[] = [];
    for await (const event of events) out.push(event);
    return out;
  }

  it("gives the same events however the body is cut, a text list's in arrays of many lines", async () => {
    const text = [
      "# a banner",
      "192.0.2.1",
      "1.4.0.0/17 ; SBL256893",
      "evil-example.com # scanner",
      "not a value at all",
      "",
      "x".repeat(300),
      "bad-example.net;note\r",
      "https://x.example.com/a;b",
      "198.51.100.7",
    ].join("\n");
    const inline = await flat(
      parseFeedBatches("text", chunked(bytesOf(text), 1 << 16), { maxLineChars: 100 }),
    );
    expect(inline.flatMap((event) => (event.kind === "indicator" ? [event.indicator.value] : []))).toEqual([
      "192.0.2.1",
      "1.4.0.0/17",
      "evil-example.com",
      "bad-example.net",
      "https://x.example.com/a;b",
      "198.51.100.7",
    ]);
    expect(inline.filter((event) => event.kind === "rejected").map((event) => event.row.line)).toEqual([
      5, 7,
    ]);
    const cases: [FeedFormat, Uint8Array, Parameters<typeof parseFeed>[2]][] = [
      ["text", bytesOf(text), { maxLineChars: 100 }],
      ["auto", bytesOf(text), {}],
      ["text", await fixture("written/spamhaus_drop.txt"), {}],
      ["urlhaus", await fixture("written/urlhaus_recent.csv"), {}],
      ["misp", await fixture("written/misp_event_objects_galaxies.json"), {}],
    ];
    for (const [format, bytes, options] of cases) {
      const whole = await flat(parseFeedBatches(format, chunked(bytes, bytes.length), options));
      for (const size of [7, 512]) {
        expect(await flat(parseFeedBatches(format, chunked(bytes, size), options))).toEqual(whole);
        expect(await all(parseFeed(format, chunked(bytes, size), options))).toEqual(whole);
      }
    }
    // A text list's lines of one decoded chunk leave together: a few arrays for 500 lines.
    const list = Array.from({ length: 500 }, (_, index) => `198.51.100.${index % 256}`).join("\n");
    let arrays = 0;
    let events = 0;
    for await (const batch of parseFeedBatches("text", chunked(bytesOf(list), 1 << 12))) {
      arrays++;
      events += batch.length;
    }
    expect(events).toBe(501);
    expect(arrays).toBeLessThan(events / 10);
  });

  it("cuts the same batches from arrays of events as from single events", async () => {
    const bytes = await fixture("written/spamhaus_drop.txt");
    const cut = async (events: AsyncIterable<ParseEvent | readonly ParseEvent[]>) => {
      const out = [];
      for await (const batch of batchParsed(events, { maxItems: 50, maxBytes: 3_000 })) out.push(batch);
      return out;
    };
    expect(await cut(parseFeedBatches("text", chunked(bytes, 300)))).toEqual(
      await cut(parseFeed("text", chunked(bytes, 300))),
    );
  });
});
