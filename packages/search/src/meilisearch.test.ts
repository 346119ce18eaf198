import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeMeilisearch, startFakeMeilisearch } from "./fake-meilisearch.ts";
import { MeilisearchSearch } from "./meilisearch.ts";
import type { SearchScope } from "./types.ts";

// Against a FAKE Meilisearch HTTP server (fake-meilisearch.ts): the real client library, the real wire protocol.
let fake: FakeMeilisearch;
let backend: MeilisearchSearch;
// The adapter never touches the transaction; the scope only names the acting tenant.
const scope = (tenantId: string) => ({ tenantId }) as SearchScope;

beforeAll(async () => {
  fake = await startFakeMeilisearch();
  backend = new MeilisearchSearch({ url: fake.url, apiKey: "test-key" });
  await backend.configure();
  await backend.indexDocuments([{ id: "ind_a", type: "domain", value: "evil.example.com", terms: "emotet" }]);
  await backend.indexDocuments(
    [{ id: "pin_b", type: "domain", value: "evil-b.example.com", terms: "" }],
    "tnt_b",
  );
});
afterAll(() => fake.close());

describe("the Meilisearch backend", () => {
  it("always filters to the catalog and the acting tenant, taken from the scope", async () => {
    const result = await backend.search(scope("tnt_a"), { text: "evil", limit: 10, depth: 0 });
    expect(result.hits.map((hit) => hit.id)).toEqual(["ind_a"]);
    const request = fake.requests.findLast((entry) => entry.path.endsWith("/search"));
    expect((request?.body as { filter?: string } | undefined)?.filter).toBe('tenant IN ["global", "tnt_a"]');
  });

  it("finds context terms and narrows by type", async () => {
    const byFamily = await backend.search(scope("tnt_b"), {
      text: "emotet",
      limit: 10,
      depth: 0,
      types: ["domain"],
    });
    expect(byFamily.hits.map((hit) => hit.id)).toEqual(["ind_a"]);
    const request = fake.requests.findLast((entry) => entry.path.endsWith("/search"));
    expect((request?.body as { filter?: string } | undefined)?.filter).toBe(
      'tenant IN ["global", "tnt_b"] AND type IN ["domain"]',
    );
  });

  it("drops another tenant's document even if the server returned it", async () => {
    fake.forcedHits = [
      { id: "pin_b", tenant: "tnt_b" },
      { id: "ind_a", tenant: "global" },
    ];
    try {
      const result = await backend.search(scope("tnt_a"), { text: "anything", limit: 10, depth: 0 });
      expect(result.hits.map((hit) => hit.id)).toEqual(["ind_a"]);
    } finally {
      fake.forcedHits = undefined;
    }
  });

  it("pages with limit and offset and says when more hits follow", async () => {
    const first = await backend.search(scope("tnt_b"), { text: "evil", limit: 1, depth: 0 });
    expect(first.more).toBe(true);
    const second = await backend.search(scope("tnt_b"), { text: "evil", limit: 1, depth: 1 });
    expect(second.more).toBe(false);
    expect(new Set([...first.hits, ...second.hits].map((hit) => hit.id))).toEqual(
      new Set(["ind_a", "pin_b"]),
    );
  });
});
