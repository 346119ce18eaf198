import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import {
  parseRfc3339,
  parseTaxiiFilter,
  stixMediaType,
  taxiiDateAddedHeaders,
  taxiiEnvelope,
  taxiiManifestRecord,
  taxiiStatus,
} from "./taxii.ts";

function parse(query: string, options = {}) {
  return parseTaxiiFilter(new URLSearchParams(query), options);
}

describe("parseTaxiiFilter", () => {
  it("defaults to match[version]=last and the default limit", () => {
    expect(parse("")).toEqual({ ok: true, filter: { limit: 100, versions: [{ kind: "last" }] } });
  });

  it("parses every supported parameter", () => {
    const next = encodeCursor({ at: "2025-01-01T00:00:00.000Z", id: "ind_1" });
    const result = parse(
      `added_after=2025-01-01T00:00:00Z&limit=50&next=${next}&match[id]=indicator--6a9b5e9c-0e3c-4b6e-8f6a-2f1a7c9d0e11` +
        "&match[type]=indicator,vulnerability&match[version]=first,2025-02-01T10:00:00.123%2B02:00&match[spec_version]=2.1",
    );
    expect(result).toEqual({
      ok: true,
      filter: {
        addedAfter: "2025-01-01T00:00:00.000Z",
        limit: 50,
        next: { at: "2025-01-01T00:00:00.000Z", id: "ind_1" },
        ids: ["indicator--6a9b5e9c-0e3c-4b6e-8f6a-2f1a7c9d0e11"],
        types: ["indicator", "vulnerability"],
        versions: [{ kind: "first" }, { kind: "at", timestamp: "2025-02-01T08:00:00.123Z" }],
        specVersions: ["2.1"],
      },
    });
  });

  it("lowers a limit above the server maximum instead of refusing it", () => {
    expect(parse("limit=100000", { maxLimit: 500 })).toMatchObject({ ok: true, filter: { limit: 500 } });
  });

  it("returns one error per bad parameter and never throws", () => {
    const result = parse(
      "added_after=yesterday&limit=0&next=%%%&match[id]=indicator--nope&match[type]=Bad_Type" +
        "&match[version]=latest&match[spec_version]=3.0&match[color]=red&foo=1",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.parameter)).toEqual([
      "added_after",
      "limit",
      "next",
      "match[id]",
      "match[type]",
      "match[version]",
      "match[spec_version]",
      "match[color]",
      "foo",
    ]);
  });

  it("refuses match fields an endpoint does not support and repeated parameters", () => {
    const versions = parse("match[type]=indicator", { allowedMatch: ["spec_version"] });
    expect(versions).toMatchObject({ ok: false, errors: [{ parameter: "match[type]" }] });
    expect(parse("limit=1&limit=2")).toMatchObject({ ok: false, errors: [{ parameter: "limit" }] });
  });
});

describe("parseRfc3339", () => {
  it("accepts RFC 3339 with offsets and fractions and rejects near misses", () => {
    expect(parseRfc3339("2024-02-29T23:59:59.5Z")).toBe("2024-02-29T23:59:59.500Z");
    expect(parseRfc3339("2025-01-01T01:00:00+01:00")).toBe("2025-01-01T00:00:00.000Z");
    for (const bad of [
      "2025-02-29T00:00:00Z",
      "2025-01-01 00:00:00Z",
      "2025-01-01T00:00:00",
      "2025-13-01T00:00:00Z",
    ]) {
      expect(parseRfc3339(bad)).toBeUndefined();
    }
  });
});

describe("cursors", () => {
  it("round-trip and are opaque base64url", () => {
    const cursor = { at: "2025-03-05T12:30:00.123Z", id: "ind_01jd6m3v2c8k4q9x7t5r0b1n2p" };
    const token = encodeCursor(cursor);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(token)).toEqual(cursor);
  });

  it("reject anything they did not make", () => {
    for (const bad of ["", "!!", "bm90LWEtY3Vyc29y", "a".repeat(600)])
      expect(decodeCursor(bad)).toBeUndefined();
  });
});

describe("TAXII resources", () => {
  it("sets next only when there are more objects", () => {
    const cursor = { at: "2025-01-01T00:00:00.000Z", id: "ind_1" };
    expect(taxiiEnvelope([1, 2], { more: true, next: cursor })).toEqual({
      more: true,
      next: encodeCursor(cursor),
      objects: [1, 2],
    });
    expect(taxiiEnvelope([1], { more: false, next: cursor })).toEqual({ more: false, objects: [1] });
  });

  it("builds date-added headers from the first and last objects of a page", () => {
    expect(taxiiDateAddedHeaders(["2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z"])).toEqual({
      "X-TAXII-Date-Added-First": "2025-01-01T00:00:00.000Z",
      "X-TAXII-Date-Added-Last": "2025-01-02T00:00:00.000Z",
    });
    expect(taxiiDateAddedHeaders([])).toEqual({});
  });

  it("builds manifest records and status resources with consistent counts", () => {
    expect(taxiiManifestRecord({ id: "indicator--x", dateAdded: "a", modified: "b" })).toEqual({
      id: "indicator--x",
      date_added: "a",
      version: "b",
      media_type: stixMediaType,
    });
    const status = taxiiStatus({
      id: "2d086da7-4bdc-4f91-900e-d77486753710",
      successes: [{ id: "indicator--a", version: "v" }],
      failures: [{ id: "indicator--b", version: "v", message: "invalid pattern" }],
    });
    expect(status).toMatchObject({
      status: "complete",
      total_count: 2,
      success_count: 1,
      failure_count: 1,
      pending_count: 0,
    });
    expect(taxiiStatus({ id: "s", pendings: [{ id: "x", version: "v" }] }).status).toBe("pending");
  });
});
