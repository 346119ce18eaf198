import type { TestTenantTree } from "@threatfusion/db/testing";
import { applySinceDiff } from "@threatfusion/exports";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch, createTestTenantTree, createTestToken } from "../../testing/identity.ts";
import { seedTestCatalog, type TestCatalog } from "../indicators/test-catalog.ts";

let tree: TestTenantTree;
let catalog: TestCatalog;
let readerA: string;
let writerA: string;
let readerB: string;
// The worker suites share one catalog, and others write fixed documentation addresses up to .203 (a feed-chunk
// test's 203.0.113.41 made this suite fail when it drew 41): this one draws from .220-.249, which none uses.
const octet = (Math.floor(Math.random() * 30) + 220).toString();
const ips = [`203.0.113.${octet}`, `198.51.100.${octet}`];

beforeAll(async () => {
  tree = await createTestTenantTree("edl");
  catalog = await seedTestCatalog(ips.map((value) => ({ type: "ipv4", value })));
  readerA = (await createTestToken({ tenantId: tree.clientAId, scopes: ["exports:read"] })).authorization;
  writerA = (
    await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read", "indicators:write"] })
  ).authorization;
  readerB = (await createTestToken({ tenantId: tree.clientBId, scopes: ["exports:read"] })).authorization;
}, 120_000);
afterAll(() => tree.cleanup());

describe("firewall blocklists", { timeout: 60_000 }, () => {
  it("serves an EDL with a strong ETag, 304 when unchanged, and a working since diff after a false positive", async () => {
    const full = await apiFetch("/api/v1/blocklists/ip?vendor=panos", {
      headers: { authorization: readerA },
    });
    expect(full.status).toBe(200);
    expect(full.headers.get("content-type")).toContain("text/plain");
    expect(full.headers.get("x-blocklist-entry-limit")).toBe("50000");
    const etag = full.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"/);
    const cursor = full.headers.get("x-blocklist-cursor") ?? "";
    const list = (await full.text()).split("\n").filter(Boolean);
    expect(list).toEqual(expect.arrayContaining(ips));
    const unchanged = await apiFetch("/api/v1/blocklists/ip?vendor=panos", {
      headers: { authorization: readerA, "if-none-match": etag },
    });
    expect(unchanged.status).toBe(304);

    const patched = await apiFetch(`/api/v1/indicators/${catalog.ids.get(ips[0] ?? "")}`, {
      method: "PATCH",
      headers: { authorization: writerA },
      json: { status: "false_positive" },
    });
    expect(patched.status).toBe(200);
    const diff = await apiFetch(`/api/v1/blocklists/ip?since=${encodeURIComponent(cursor)}`, {
      headers: { authorization: readerA },
    });
    expect(diff.status).toBe(200);
    const text = await diff.text();
    expect(text.startsWith("#next ")).toBe(true);
    const applied = applySinceDiff(list, text);
    expect(applied.entries.has(ips[0] ?? "")).toBe(false);
    expect(applied.entries.has(ips[1] ?? "")).toBe(true);
    const json = await apiFetch(`/api/v1/blocklists/ip?since=${encodeURIComponent(cursor)}&format=json`, {
      headers: { authorization: readerA },
    });
    const body = (await json.json()) as { next: string; changes: { op: string; entry: string }[] };
    expect(body.changes).toContainEqual({ op: "remove", entry: ips[0] });
    const changed = await apiFetch("/api/v1/blocklists/ip?vendor=panos", {
      headers: { authorization: readerA, "if-none-match": etag },
    });
    expect(changed.status).toBe(200);
    await changed.body?.cancel();
  });

  it("keeps client A's false positive out of client A's list only", async () => {
    const b = await apiFetch("/api/v1/blocklists/ip", { headers: { authorization: readerB } });
    expect((await b.text()).split("\n")).toContain(ips[0]);
    const a = await apiFetch("/api/v1/blocklists/ip", { headers: { authorization: readerA } });
    expect((await a.text()).split("\n")).not.toContain(ips[0]);
  });

  it("caps the list at maxEntries", async () => {
    const response = await apiFetch("/api/v1/blocklists/ip?maxEntries=1", {
      headers: { authorization: readerB },
    });
    expect((await response.text()).split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("streams a STIX bundle over HTTP", async () => {
    const response = await apiFetch("/api/v1/exports/stix?type=ipv4", {
      headers: { authorization: readerB },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/stix+json;version=2.1");
    const bundle = (await response.json()) as { type: string; objects: { type: string }[] };
    expect(bundle.type).toBe("bundle");
    expect(bundle.objects.some((object) => object.type === "indicator")).toBe(true);
  });
});
