import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch, createTestTenantTree, createTestToken } from "../../testing/identity.ts";
import { seedTestCatalog, type TestCatalog } from "../indicators/test-catalog.ts";

let tree: TestTenantTree;
let catalog: TestCatalog;
let adminA: string;
let readerA: string;
let adminB: string;
const unique = `brand${Math.floor(Math.random() * 1e9).toString(36)}.example`;
const host = `www.${unique}`;

beforeAll(async () => {
  tree = await createTestTenantTree("allowlist");
  catalog = await seedTestCatalog([{ type: "domain", value: host }]);
  adminA = (await createTestToken({ tenantId: tree.clientAId, scopes: ["admin"] })).authorization;
  readerA = (await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read"] })).authorization;
  adminB = (await createTestToken({ tenantId: tree.clientBId, scopes: ["admin", "indicators:read"] }))
    .authorization;
});
afterAll(() => tree.cleanup());

const json = (authorization: string, body: unknown) => ({
  method: "POST",
  headers: { authorization, "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("the allowlist API", () => {
  it("adds an entry that suppresses stored subdomains at once, shows the reason, and removes it again", async () => {
    const id = catalog.ids.get(host) ?? "";
    const created = await apiFetch("/api/v1/allowlist", json(adminA, { value: unique, note: "our brand" }));
    expect(created.status).toBe(201);
    const entry = (await created.json()) as { id: string; type: string; suppressedNow: number };
    expect(entry).toMatchObject({ type: "hostname", suppressedNow: 1 });

    const score = await apiFetch(`/api/v1/indicators/${id}/score`, { headers: { authorization: readerA } });
    expect(score.status).toBe(200);
    const body = (await score.json()) as {
      suppressed: boolean;
      status: string;
      suppressionReasons: unknown[];
    };
    expect(body.suppressed).toBe(true);
    expect(body.status).toBe("allowlisted");
    expect(body.suppressionReasons).toContainEqual(
      expect.objectContaining({ kind: "allowlist", entry: unique, listName: "Your allowlist: our brand" }),
    );

    const seenByB = await apiFetch(`/api/v1/indicators/${id}/score`, { headers: { authorization: adminB } });
    expect(((await seenByB.json()) as { suppressed: boolean }).suppressed).toBe(false);
    const deletedByB = await apiFetch(`/api/v1/allowlist/${entry.id}`, {
      method: "DELETE",
      headers: { authorization: adminB },
    });
    expect(deletedByB.status).toBe(404);

    const deleted = await apiFetch(`/api/v1/allowlist/${entry.id}`, {
      method: "DELETE",
      headers: { authorization: adminA },
    });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: entry.id, restored: 1 });
  });

  it("refuses a reader, and a client's attempt to tune the model", async () => {
    const refused = await apiFetch("/api/v1/allowlist", json(readerA, { value: "example.org" }));
    expect(refused.status).toBe(403);
    const model = await apiFetch("/api/v1/scoring/model", { headers: { authorization: readerA } });
    expect(model.status).toBe(200);
    expect(((await model.json()) as { editable: boolean }).editable).toBe(false);
    const tune = await apiFetch("/api/v1/scoring/model", {
      method: "PUT",
      headers: { authorization: adminA, "content-type": "application/json" },
      body: JSON.stringify({ settings: {} }),
    });
    expect(tune.status).toBe(403);
  });
});
