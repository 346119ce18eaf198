// GET /api/v1/dashboard/summary through the real API: tenant-specific numbers (false positives, sightings,
// private indicators) are the tenant's alone; the catalog part is shared by every suite, so it is checked
// by relations (series covers the window, totals add up), never by exact counts.
import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch, createTestTenantTree, createTestToken } from "../../testing/identity.ts";
import { seedTestCatalog, type TestCatalog } from "../indicators/test-catalog.ts";

interface Summary {
  totals: { active: number; highScore: number; confirmed: number; falsePositives: number };
  byType: { key: string; label: string; count: number }[];
  bySource: { key: string; label: string; count: number }[];
  newPerDay: { day: string; count: number }[];
  topMalwareFamilies: { key: string; count: number }[];
  feeds: { total: number; items: unknown[] };
  recentSightings: { id: string; value: string; sensor: string | null }[];
  recentFalsePositives: { id: string; value: string }[];
}

let tree: TestTenantTree;
let catalog: TestCatalog;
let writeA: string;
let readA: string;
let readB: string;
const suffix = Math.random().toString(36).slice(2, 8);
const fpValue = `fp-${suffix}.example.org`;
const sightedValue = `sighted-${suffix}.example.org`;

async function summaryOf(authorization: string, query = ""): Promise<Summary> {
  const response = await apiFetch(`/api/v1/dashboard/summary${query}`, { headers: { authorization } });
  expect(response.status).toBe(200);
  return response.json<Summary>();
}

beforeAll(async () => {
  tree = await createTestTenantTree("dashboard");
  catalog = await seedTestCatalog([
    { type: "domain", value: fpValue, malwareFamily: `family-${suffix}` },
    { type: "domain", value: sightedValue, score: 90 },
  ]);
  writeA = (
    await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read", "indicators:write", "sightings:write"],
    })
  ).authorization;
  readA = (await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read"] })).authorization;
  readB = (await createTestToken({ tenantId: tree.clientBId, scopes: ["indicators:read"] })).authorization;
  const marked = await apiFetch(`/api/v1/indicators/${catalog.ids.get(fpValue)}`, {
    method: "PATCH",
    headers: { authorization: writeA },
    json: { status: "false_positive" },
  });
  expect(marked.status).toBe(200);
  const sighted = await apiFetch("/api/v1/sightings", {
    method: "POST",
    headers: { authorization: writeA },
    json: { sightings: [{ value: sightedValue, seenAt: new Date().toISOString(), sensor: `edr-${suffix}` }] },
  });
  expect(sighted.status).toBe(200);
  for (const n of [1, 2, 3]) {
    const created = await apiFetch("/api/v1/indicators", {
      method: "POST",
      headers: { authorization: writeA },
      json: { value: `private-${n}-${suffix}.example.net` },
    });
    expect(created.status).toBe(201);
  }
}, 120_000);
afterAll(() => tree.cleanup());

describe("dashboard summary", { timeout: 60_000 }, () => {
  it("reports the tenant's own false positives and sightings", async () => {
    const summary = await summaryOf(readA);
    expect(summary.totals.falsePositives).toBe(1);
    expect(summary.recentFalsePositives.map((row) => row.value)).toEqual([fpValue]);
    expect(summary.recentSightings[0]).toMatchObject({ value: sightedValue, sensor: `edr-${suffix}` });
  });

  it("counts the tenant's private indicators under the tenant as their source", async () => {
    const summary = await summaryOf(readA);
    // The catalog is shared by every suite of the run: the tenant's own source is listed with its 3 rows,
    // unless the top list (8 sources) is full of sources with more rows than that.
    const own = summary.bySource.find((row) => row.key === tree.clientAId);
    if (own === undefined) {
      expect(summary.bySource).toHaveLength(8);
      expect(Math.min(...summary.bySource.map((row) => row.count))).toBeGreaterThanOrEqual(3);
    } else {
      expect(own.count).toBe(3);
    }
    expect(summary.byType.find((row) => row.key === "domain")?.count ?? 0).toBeGreaterThanOrEqual(4);
  });

  it("covers the whole window day by day and keeps the totals consistent", async () => {
    const summary = await summaryOf(readA, "?days=7");
    expect(summary.newPerDay).toHaveLength(7);
    expect(summary.newPerDay.at(-1)?.day).toBe(new Date().toISOString().slice(0, 10));
    expect(summary.newPerDay.at(-1)?.count ?? 0).toBeGreaterThanOrEqual(4);
    const byTypeTotal = summary.byType.reduce((sum, row) => sum + row.count, 0);
    expect(byTypeTotal).toBe(summary.totals.active);
    expect(summary.totals.highScore).toBeLessThanOrEqual(summary.totals.active);
  });

  it("rejects a window outside 1..180 days", async () => {
    const response = await apiFetch("/api/v1/dashboard/summary?days=0", {
      headers: { authorization: readA },
    });
    expect(response.status).toBe(400);
  });
});

describe("dashboard summary across tenants", { timeout: 60_000 }, () => {
  it("never shows a sibling client's false positives, sightings or private indicators", async () => {
    const summary = await summaryOf(readB);
    expect(summary.totals.falsePositives).toBe(0);
    expect(summary.recentFalsePositives).toEqual([]);
    expect(summary.recentSightings.map((row) => row.value)).not.toContain(sightedValue);
    expect(summary.bySource.map((row) => row.key)).not.toContain(tree.clientAId);
    expect(JSON.stringify(summary)).not.toContain(`private-1-${suffix}`);
  });

  it("answers 401 without credentials", async () => {
    expect((await apiFetch("/api/v1/dashboard/summary")).status).toBe(401);
  });
});
