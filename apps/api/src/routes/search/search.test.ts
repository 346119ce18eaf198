import { newId } from "@threatfusion/core";
import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, apiFetch, createTestTenantTree, createTestToken } from "../../testing/identity.ts";
import { seedTestCatalog } from "../indicators/test-catalog.ts";

const unique = newId("request").slice(-8).toLowerCase();
let tree: TestTenantTree;
let tokenA: string;
let catalogIds: string[];
const secretValue = `kpage-${unique}-secret.example.net`;

interface SearchPage {
  backend: string;
  items: { score: number; indicator: { id: string; value: string } }[];
  nextCursor: string | null;
}

async function searchPage(
  query: string,
  authorization = tokenA,
): Promise<{ status: number; body: SearchPage }> {
  const response = await apiFetch(`/api/v1/search?${query}`, { headers: { authorization } });
  return { status: response.status, body: (await response.json()) as SearchPage };
}

beforeAll(async () => {
  tree = await createTestTenantTree("search-pages");
  tokenA = (await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read"] })).authorization;
  const catalog = await seedTestCatalog(
    Array.from({ length: 5 }, (_, i) => ({ type: "domain", value: `kpage-${unique}-${i}.example.net` })),
  );
  catalogIds = [...catalog.ids.values()];
  // Client B's private indicator matches the same text: client A must never page onto it.
  await adminQuery(
    `insert into private_indicators (id, tenant_id, type, value, first_seen, last_seen, score, tlp, tags)
     values ($1, $2, 'domain', $3, now(), now(), 50, 'amber', '{}')`,
    [newId("privateIndicator"), tree.clientBId, secretValue],
  );
}, 60_000);
afterAll(() => tree.cleanup());

describe("GET /api/v1/search pages by keyset cursor", { timeout: 60_000 }, () => {
  it("walks every hit once in rank order with nextCursor, never onto another tenant's indicator", async () => {
    const seen: string[] = [];
    const scores: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { status, body } = await searchPage(
        `q=${encodeURIComponent(`kpage-${unique}`)}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((item) => item.indicator.id));
      scores.push(...body.items.map((item) => item.score));
      expect(JSON.stringify(body)).not.toContain(secretValue);
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    expect(seen.slice().sort()).toEqual(catalogIds.slice().sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(scores).toEqual(scores.slice().sort((a, b) => b - a));
  });

  it("answers a forged or malformed cursor with a 400 envelope", async () => {
    for (const cursor of ["p50", btoa("1|ind_nope|0").replace(/=+$/, ""), "!!"]) {
      const response = await apiFetch(`/api/v1/search?q=x&cursor=${encodeURIComponent(cursor)}`, {
        headers: { authorization: tokenA },
      });
      expect(response.status, cursor).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
    }
  });
});
