import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { newId } from "@threatfusion/core";
import { createDatabase } from "@threatfusion/db";
import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterIndicatorsChanged } from "@threatfusion/services";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import worker from "../../index.ts";
import { adminQuery, createTestTenantTree, createTestToken } from "../../testing/identity.ts";
import { seedTestCatalog } from "../indicators/test-catalog.ts";

// Search and indexing with Meilisearch configured (MEILISEARCH_URL), against a FAKE Meilisearch HTTP server
// that speaks the real wire protocol (packages/search/src/fake-meilisearch.ts, started by the worker
// project's global setup). Postgres stays the backend of every other test.

const meilisearchEnv = { ...env, MEILISEARCH_URL: inject("fakeMeilisearchUrl") } as Env;
const unique = newId("request").slice(-8).toLowerCase();
let tree: TestTenantTree;
let tokenA: string;
let tokenB: string;

async function deliverHeartbeat(bindings: Env): Promise<void> {
  const batch = createMessageBatch("tf-ingest", [
    {
      id: newId("request"),
      timestamp: new Date(),
      attempts: 1,
      body: { kind: "heartbeat", sentAt: new Date().toISOString() },
    },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings, ctx);
  await waitOnExecutionContext(ctx);
}

async function search(authorization: string, q: string, bindings: Env) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://tf.test/api/v1/search?q=${encodeURIComponent(q)}`, { headers: { authorization } }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    backend: string;
    items: { indicator: { id: string; value: string } }[];
  };
}

beforeAll(async () => {
  tree = await createTestTenantTree("meili");
  tokenA = (await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read"] })).authorization;
  tokenB = (await createTestToken({ tenantId: tree.clientBId, scopes: ["indicators:read"] })).authorization;
}, 60_000);
afterAll(async () => {
  // Back to Postgres-only indexing for whatever runs next in this isolate.
  await deliverHeartbeat(env);
  await tree.cleanup();
});

describe("search with Meilisearch configured", { timeout: 60_000 }, () => {
  it("indexes changed indicators into Meilisearch and searches there; tenants see only their own", async () => {
    const value = `meili-${unique}.example.com`;
    const catalog = await seedTestCatalog([{ type: "domain", value }]);
    const catalogId = catalog.ids.get(value) ?? "";
    // As for an indicator ingestion has just added: no search document yet (the seed helper writes one).
    await adminQuery("delete from indicator_search where indicator_id = $1", [catalogId]);
    const privateId = newId("privateIndicator");
    const privateValue = `meili-${unique}-secret.example.net`;
    await adminQuery(
      `insert into private_indicators (id, tenant_id, type, value, first_seen, last_seen, score, tlp, tags)
       values ($1, $2, 'domain', $3, now(), now(), 50, 'amber', '{}')`,
      [privateId, tree.clientBId, privateValue],
    );

    // Before indexing, Meilisearch knows neither (Postgres would find the catalog row already).
    expect((await search(tokenA, `meili-${unique}`, meilisearchEnv)).items).toEqual([]);

    // A queue delivery configures indexing from the Worker's configuration; then ingestion's after-change
    // hook (what the consumer calls after applying a chunk) sends the changed rows to Meilisearch.
    await deliverHeartbeat(meilisearchEnv);
    const bindings = env as unknown as Record<string, string>;
    const databases = {
      ingest: createDatabase({ url: bindings.DATABASE_INGEST_URL ?? "", wsProxy: bindings.PG_WS_PROXY }),
      app: createDatabase({ url: bindings.DATABASE_URL ?? "", wsProxy: bindings.PG_WS_PROXY }),
    };
    try {
      const context = { ingestDb: databases.ingest.db, appDb: databases.app.db };
      await afterIndicatorsChanged(
        { scope: "global", feedId: "fed_test", indicatorIds: [catalogId] },
        context,
      );
      await afterIndicatorsChanged(
        { scope: "private", tenantId: tree.clientBId, feedId: "fed_test", indicatorIds: [privateId] },
        context,
      );
    } finally {
      await Promise.all([databases.ingest.end(), databases.app.end()]);
    }

    const forA = await search(tokenA, `meili-${unique}`, meilisearchEnv);
    expect(forA.backend).toBe("meilisearch");
    expect(forA.items.map((item) => item.indicator.id)).toEqual([catalogId]);
    const forB = await search(tokenB, `meili-${unique}`, meilisearchEnv);
    expect(forB.items.map((item) => item.indicator.value).sort()).toEqual([privateValue, value].sort());

    // Without MEILISEARCH_URL the same API answers from Postgres.
    expect((await search(tokenA, `meili-${unique}`, env)).backend).toBe("postgres");
  });
});
