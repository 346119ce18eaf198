import { describe, expect, it } from "vitest";
import { otxSubscribedUrl, taxiiDateAddedRange, taxiiObjectsUrl } from "./cursors.ts";

describe("incremental request builders", () => {
  it("builds TAXII 2.1 object requests with the date-added cursor and paging", () => {
    expect(
      taxiiObjectsUrl("https://taxii.example.org/api1", "9cfa669c-ee94-4ece-afd2-f8edac37d8fd", {
        addedAfter: "2026-08-22T10:00:00.000Z",
        next: "a|b",
      }),
    ).toBe(
      "https://taxii.example.org/api1/collections/9cfa669c-ee94-4ece-afd2-f8edac37d8fd/objects/?added_after=2026-08-22T10%3A00%3A00.000Z&next=a%7Cb",
    );
    expect(
      taxiiDateAddedRange(new Headers({ "X-TAXII-Date-Added-Last": "2026-08-22T10:00:00.000Z" })),
    ).toEqual({
      last: "2026-08-22T10:00:00.000Z",
    });
  });

  it("builds OTX subscribed-pulse pages", () => {
    expect(otxSubscribedUrl({ modifiedSince: "2026-08-21T00:00:00", page: 2 })).toBe(
      "https://otx.alienvault.com/api/v1/pulses/subscribed?modified_since=2026-08-21T00%3A00%3A00&limit=50&page=2",
    );
  });
});
