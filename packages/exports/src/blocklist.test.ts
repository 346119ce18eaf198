import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applySinceDiff,
  blocklistChanges,
  blocklistEntries,
  blocklistStream,
  ContentEtag,
  ifNoneMatchHits,
  panosUrlEntry,
  type RenderedLines,
  renderedBlocklistStream,
  sinceDiffStream,
  versionEtag,
} from "./blocklist.ts";
import { encodeCursor } from "./cursor.ts";
import { streamToText } from "./stream.ts";
import { makeRecord, sampleRecords } from "./test-records.ts";

describe("blocklist entries", () => {
  it("puts IPv4, IPv6 and CIDRs in IP lists and refuses the rest", () => {
    const entries = sampleRecords().flatMap((record) => {
      const result = blocklistEntries(record, "ip", "panos");
      return result.ok ? result.entries : [];
    });
    expect(entries).toEqual(["198.51.100.3", "2001:db8::1", "10.0.0.0/8", "2001:db8::/32"]);
  });

  it("writes domains in punycode, optionally with a *. wildcard twin", () => {
    expect(blocklistEntries(makeRecord("domain", "Bücher.Example"), "domain", "panos")).toEqual({
      ok: true,
      entries: ["xn--bcher-kva.example"],
    });
    expect(
      blocklistEntries(makeRecord("domain", "evil.example"), "domain", "panos", { wildcardSubdomains: true }),
    ).toEqual({
      ok: true,
      entries: ["evil.example", "*.evil.example"],
    });
  });

  it("writes URLs in PAN-OS form: no scheme, port, credentials or fragment; bare hosts end in /", () => {
    expect(panosUrlEntry("https://user:pw@Login.Example.net:8443/wp-admin/x.php?a=1#frag")).toEqual({
      ok: true,
      entries: ["login.example.net/wp-admin/x.php?a=1"],
    });
    expect(panosUrlEntry("http://evil.example")).toEqual({ ok: true, entries: ["evil.example/"] });
    expect(panosUrlEntry("http://evil.example/a*b")).toMatchObject({ ok: false });
    expect(panosUrlEntry("http://evil.example/a^b")).toMatchObject({ ok: false });
    expect(panosUrlEntry(`http://evil.example/${"a".repeat(300)}`)).toMatchObject({ ok: false });
    expect(panosUrlEntry("not a url")).toMatchObject({ ok: false });
  });

  it("keeps the scheme for FortiGate URL lists", () => {
    expect(blocklistEntries(makeRecord("url", "https://x.example/p#f"), "url", "fortigate-mid")).toEqual({
      ok: true,
      entries: ["https://x.example/p"],
    });
  });
});

describe("blocklistStream", () => {
  const ips = Array.from({ length: 50_010 }, (_, i) =>
    makeRecord("ipv4", `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`),
  );

  it("stops at the PAN-OS limit of 50,000 IPs and reports it", async () => {
    const limits: unknown[] = [];
    const text = await streamToText(
      blocklistStream(ips, { kind: "ip", vendor: "panos", onLimit: (info) => limits.push(info) }),
    );
    expect(text.split("\n").filter(Boolean)).toHaveLength(50_000);
    expect(limits).toEqual([{ entries: 50_000, bytes: expect.any(Number), limit: "entries" }]);
  });

  it("lets the high-end PAN-OS profile and explicit limits through", async () => {
    const highEnd = await streamToText(blocklistStream(ips, { kind: "ip", vendor: "panos-high-end" }));
    expect(highEnd.split("\n").filter(Boolean)).toHaveLength(50_010);
    const custom = await streamToText(blocklistStream(ips, { kind: "ip", vendor: "panos", maxEntries: 3 }));
    expect(custom).toBe("10.0.0.0\n10.0.0.1\n10.0.0.2\n");
  });

  it("writes duplicates once and leaves suppressed and foreign-type indicators out", async () => {
    const skipped: string[] = [];
    const text = await streamToText(
      blocklistStream(
        [
          makeRecord("url", "http://x.example/a"),
          makeRecord("url", "https://x.example:8443/a"),
          makeRecord("url", "http://fp.example/", { suppressedReason: "false_positive" }),
          makeRecord("domain", "not-a-url.example"),
        ],
        {
          kind: "url",
          vendor: "panos",
          onSkipped: (record, reason) => skipped.push(`${record.value}: ${reason}`),
        },
      ),
    );
    expect(text).toBe("x.example/a\n");
    expect(skipped).toEqual(["not-a-url.example: a domain does not belong in a URL list"]);
  });
});

describe("renderedBlocklistStream", () => {
  /** Cuts unique entries into runs of the given sizes, as the database renders them. */
  const runsOf = (entries: string[], sizes: number[]): RenderedLines[][] => {
    const runs: RenderedLines[] = [];
    let start = 0;
    for (let k = 0; start < entries.length; k++) {
      const part = entries.slice(start, start + Math.max(1, sizes[k % sizes.length] ?? 1));
      start += part.length;
      const text = part.join("\n");
      runs.push({
        text,
        entries: part.length,
        utf8Bytes: new TextEncoder().encode(text).length - (part.length - 1),
      });
    }
    return runs.map((run) => [run]);
  };

  it("writes the body blocklistStream writes from the same entries, whatever the runs and limits", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.ipV6(), { maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        fc.option(fc.integer({ min: 0, max: 70 }), { nil: undefined }),
        async (entries, sizes, maxEntries) => {
          const limits: unknown[] = [];
          const expectedLimits: unknown[] = [];
          const options = {
            kind: "ip",
            vendor: "plain",
            ...(maxEntries === undefined ? {} : { maxEntries }),
          } as const;
          const rendered = await streamToText(
            renderedBlocklistStream(runsOf(entries, sizes), {
              ...options,
              onLimit: (info) => limits.push(info),
            }),
          );
          const fromRecords = await streamToText(
            blocklistStream(
              entries.map((value) => makeRecord("ipv6", value)),
              { ...options, onLimit: (info) => expectedLimits.push(info) },
            ),
          );
          expect(rendered).toBe(fromRecords);
          expect(limits).toEqual(expectedLimits);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("cuts the run that crosses the vendor's byte limit at the same entry as blocklistStream", async () => {
    // FortiGate before 7.4.4 stops at 10 MB: 2,700 entries of ~4 KB (non-ASCII, so UTF-8 bytes differ from length).
    const entries = Array.from({ length: 2_700 }, (_, i) => `${i}:${"é".repeat(2_000)}`);
    const options = { kind: "ip", vendor: "fortigate-legacy" } as const;
    const limits: unknown[] = [];
    const rendered = await streamToText(
      renderedBlocklistStream(runsOf(entries, [700]), { ...options, onLimit: (info) => limits.push(info) }),
    );
    const fromRecords = await streamToText(
      blocklistStream(
        entries.map((value) => makeRecord("ipv6", value)),
        options,
      ),
    );
    expect(rendered).toBe(fromRecords);
    expect(limits).toEqual([{ entries: expect.any(Number), bytes: expect.any(Number), limit: "bytes" }]);
    expect(rendered.split("\n").length - 1).toBeLessThan(2_700);
  });
});

describe("ETags", () => {
  it("gives a strong content ETag that changes with the content and not with chunking", () => {
    const whole = new ContentEtag().update("1.2.3.4\n5.6.7.8\n").digest();
    const chunked = new ContentEtag().update("1.2.3.4\n").update("5.6.7.8\n").digest();
    expect(chunked).toBe(whole);
    expect(new ContentEtag().update("1.2.3.4\n").digest()).not.toBe(whole);
    expect(whole).toMatch(/^"c-[A-Za-z0-9_-]{24}"$/);
  });

  it("gives a version ETag independent of key order", () => {
    const a = versionEtag({ list: "lst_1", kind: "ip", vendor: "panos", cursor: "abc", count: 10 });
    const b = versionEtag({ count: 10, cursor: "abc", vendor: "panos", kind: "ip", list: "lst_1" });
    expect(a).toBe(b);
    expect(versionEtag({ list: "lst_1", kind: "ip", vendor: "panos", cursor: "abd", count: 10 })).not.toBe(a);
  });

  it("answers If-None-Match per RFC 9110 (lists, weak tags, *)", () => {
    const etag = '"c-abc"';
    expect(ifNoneMatchHits('"c-abc"', etag)).toBe(true);
    expect(ifNoneMatchHits('"x", W/"c-abc"', etag)).toBe(true);
    expect(ifNoneMatchHits("*", etag)).toBe(true);
    expect(ifNoneMatchHits('"c-abd"', etag)).toBe(false);
    expect(ifNoneMatchHits(null, etag)).toBe(false);
  });
});

describe("since diff", () => {
  const next = encodeCursor({ at: "2025-03-05T12:30:00.000Z", id: "ind_9" });

  it("publishes removals, including indicators that became false positives", async () => {
    const changes = blocklistChanges(
      [
        { record: makeRecord("ipv4", "192.0.2.1"), removed: false },
        { record: makeRecord("ipv4", "192.0.2.2"), removed: true },
        { record: makeRecord("ipv4", "192.0.2.3", { suppressedReason: "false_positive" }), removed: false },
        { record: makeRecord("domain", "ignored.example"), removed: false },
      ],
      { kind: "ip", vendor: "panos" },
    );
    const text = await streamToText(sinceDiffStream(changes, { format: "text", since: "", next }));
    expect(text).toBe(`#next ${next}\n+192.0.2.1\n-192.0.2.2\n-192.0.2.3\n`);
  });

  it("JSON form holds the cursors and every change", async () => {
    const json = JSON.parse(
      await streamToText(
        sinceDiffStream(
          [
            { op: "add", entry: "a" },
            { op: "remove", entry: "b" },
          ],
          { format: "json", since: "old", next },
        ),
      ),
    );
    expect(json).toEqual({
      since: "old",
      next,
      changes: [
        { op: "add", entry: "a" },
        { op: "remove", entry: "b" },
      ],
    });
  });

  it("round trip: a client applying the diff ends with the server's new list", async () => {
    const entry = fc.constantFrom("1.1.1.1", "2.2.2.2", "3.3.3.3", "10.0.0.0/8", "2001:db8::1");
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(entry),
        fc.array(fc.record({ op: fc.constantFrom("add", "remove"), entry })),
        async (before, ops) => {
          const server = new Set(before);
          for (const op of ops) {
            if (op.op === "add") server.add(op.entry);
            else server.delete(op.entry);
          }
          const text = await streamToText(
            sinceDiffStream(
              ops.map((op) => ({ op: op.op as "add" | "remove", entry: op.entry })),
              { format: "text", since: "", next },
            ),
          );
          const client = applySinceDiff(before, text);
          expect(client.next).toBe(next);
          expect([...client.entries].sort()).toEqual([...server].sort());
        },
      ),
    );
  });
});
