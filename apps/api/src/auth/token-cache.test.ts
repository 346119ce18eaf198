import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../index.ts";
import { adminQuery, createTestTenantTree, createTestToken } from "../testing/identity.ts";

// The isolate's cache of verified API tokens (token-cache.ts), switched on for these requests only: the
// worker project runs with TOKEN_CACHE_SECONDS=0 so that every other test sees revocations at once.
const cachingEnv = { ...env, TOKEN_CACHE_SECONDS: "1" } as Env;
let tree: TestTenantTree;

async function me(authorization: string, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request("http://tf.test/api/v1/auth/me", { headers: { authorization, ...headers } }),
    cachingEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const cacheHit = (response.headers.get("server-timing") ?? "").includes("token-cache");
  return { status: response.status, cacheHit };
}

beforeAll(async () => {
  tree = await createTestTenantTree("token-cache");
}, 60_000);
afterAll(() => tree.cleanup());

describe("verified API tokens kept by the isolate", { timeout: 30_000 }, () => {
  it("skips the lookup for a token verified a moment ago, and refuses it once revoked and the moment passed", async () => {
    const { tokenId, authorization } = await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read"],
    });
    expect(await me(authorization)).toEqual({ status: 200, cacheHit: false });
    expect(await me(authorization)).toEqual({ status: 200, cacheHit: true });
    await adminQuery("update api_tokens set revoked_at = now() where id = $1", [tokenId]);
    // Within TOKEN_CACHE_SECONDS the isolate may still accept it (the documented window) …
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // … after it, the token is read again and refused.
    expect(await me(authorization)).toEqual({ status: 401, cacheHit: false });
  });

  it("never matches another secret, never keeps address-pinned tokens, and still applies rate limits", async () => {
    const { authorization, token } = await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read"],
    });
    expect((await me(authorization)).status).toBe(200);
    // Same token id, another secret (the checksum recomputed would still fail the secret check).
    expect((await me(`Bearer ${token.slice(0, -2)}xx`)).status).toBe(401);

    const pinned = await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read"],
      ipAllowlist: ["203.0.113.0/24"],
    });
    const inside = { "cf-connecting-ip": "203.0.113.9" };
    expect(await me(pinned.authorization, inside)).toEqual({ status: 200, cacheHit: false });
    expect(await me(pinned.authorization, inside)).toEqual({ status: 200, cacheHit: false });
    expect((await me(pinned.authorization, { "cf-connecting-ip": "198.51.100.7" })).status).toBe(403);

    const limited = await createTestTenantTree("token-cache-rate");
    try {
      await adminQuery(
        `update tenants set settings = '{"rateLimits": {"perToken": {"perMinute": 2}}}' where id = $1`,
        [limited.clientAId],
      );
      const busy = await createTestToken({ tenantId: limited.clientAId, scopes: ["indicators:read"] });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await me(busy.authorization));
      expect(statuses).toEqual([
        { status: 200, cacheHit: false },
        { status: 200, cacheHit: true },
        { status: 429, cacheHit: true },
      ]);
    } finally {
      await limited.cleanup();
    }
  });
});
