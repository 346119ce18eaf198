import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch, createTestTenantTree, createTestToken } from "../../testing/identity.ts";
import { seedTestCatalog, type TestCatalog } from "./test-catalog.ts";

let tree: TestTenantTree;
let catalog: TestCatalog;
let readA: string;
let writeA: string;
let readB: string;
const suffix = Math.random().toString(36).slice(2, 8);
const host = `c2-${suffix}.example.org`;

beforeAll(async () => {
  tree = await createTestTenantTree("rest");
  catalog = await seedTestCatalog([
    { type: "domain", value: host, tags: ["c2"], malwareFamily: "qakbot" },
    { type: "ipv4", value: "192.0.2.77" },
    { type: "url", value: `http://${host}/gate.php` },
  ]);
  readA = (await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read"] })).authorization;
  writeA = (
    await createTestToken({
      tenantId: tree.clientAId,
      scopes: ["indicators:read", "indicators:write", "sightings:write"],
    })
  ).authorization;
  readB = (await createTestToken({ tenantId: tree.clientBId, scopes: ["indicators:read", "exports:read"] }))
    .authorization;
}, 120_000);
afterAll(() => tree.cleanup());

describe("REST indicators", { timeout: 60_000 }, () => {
  it("lists with filters, pages with a cursor and answers 304 to a matching If-None-Match", async () => {
    const first = await apiFetch(`/api/v1/indicators?type=domain,url&valuePrefix=&limit=1`, {
      headers: { authorization: readA },
    });
    expect(first.status).toBe(200);
    const page = (await first.json()) as { items: { value: string }[]; nextCursor: string | null };
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const etag = first.headers.get("etag") ?? "";
    const again = await apiFetch(`/api/v1/indicators?type=domain,url&valuePrefix=&limit=1`, {
      headers: { authorization: readA, "if-none-match": etag },
    });
    expect(again.status).toBe(304);
    const tagged = await apiFetch(`/api/v1/indicators?tag=c2&limit=10`, {
      headers: { authorization: readA },
    });
    const values = ((await tagged.json()) as { items: { value: string }[] }).items.map((item) => item.value);
    expect(values).toContain(host);
  });

  it("gets by id and by defanged value", async () => {
    const id = catalog.ids.get(host) ?? "";
    const byId = await apiFetch(`/api/v1/indicators/${id}`, { headers: { authorization: readA } });
    expect(byId.status).toBe(200);
    const byValue = await apiFetch(
      `/api/v1/indicators/by-value?value=${encodeURIComponent(host.replaceAll(".", "[.]"))}`,
      {
        headers: { authorization: readA },
      },
    );
    expect(((await byValue.json()) as { id: string }).id).toBe(id);
  });

  it("answers a bulk lookup with matches and misses", async () => {
    const response = await apiFetch("/api/v1/indicators/lookup", {
      method: "POST",
      headers: { authorization: readA },
      // The miss is unique to this run: the catalog is shared by every suite.
      json: {
        values: ["192.0.2[.]77", `never-seen-${suffix}.example.net`],
        text: `beacon to hxxp://${host}/gate.php`,
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { matches: { value: string }[]; misses: { value?: string }[] };
    expect(body.matches.map((match) => match.value).sort()).toEqual(
      ["192.0.2.77", `http://${host}/gate.php`, host].sort(),
    );
    expect(body.misses.map((miss) => miss.value)).toContain(`never-seen-${suffix}.example.net`);
  });

  it("creates a private indicator and updates the overlay, which the sibling client never sees", async () => {
    const created = await apiFetch("/api/v1/indicators", {
      method: "POST",
      headers: { authorization: writeA },
      json: { value: `hxxps://phish-${suffix}[.]example[.]net/login`, tags: ["phishing"] },
    });
    expect(created.status).toBe(201);
    const privateId = ((await created.json()) as { id: string }).id;
    const hidden = await apiFetch(`/api/v1/indicators/${privateId}`, { headers: { authorization: readB } });
    expect(hidden.status).toBe(404);
    // The single lookup reads in one round trip (readInTenant): the sibling's lookup by value is refused too.
    const privateValue = encodeURIComponent(`https://phish-${suffix}.example.net/login`);
    const ownLookup = await apiFetch(`/api/v1/indicators/by-value?value=${privateValue}`, {
      headers: { authorization: readA },
    });
    expect(((await ownLookup.json()) as { id: string }).id).toBe(privateId);
    const siblingLookup = await apiFetch(`/api/v1/indicators/by-value?value=${privateValue}`, {
      headers: { authorization: readB },
    });
    expect(siblingLookup.status).toBe(404);
    const id = catalog.ids.get("192.0.2.77") ?? "";
    const patched = await apiFetch(`/api/v1/indicators/${id}`, {
      method: "PATCH",
      headers: { authorization: writeA },
      json: { status: "false_positive", notes: "our VPN", addTags: ["vpn"] },
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { suppressedReason?: string }).suppressedReason).toBe("false_positive");
    const seenByB = (await (
      await apiFetch(`/api/v1/indicators/${id}`, { headers: { authorization: readB } })
    ).json()) as {
      status: string;
      notes: string | null;
      tags: string[];
    };
    expect(seenByB).toMatchObject({ status: "new", notes: null });
    expect(seenByB.tags).not.toContain("vpn");
    const exportB = await apiFetch("/api/v1/exports/csv", { headers: { authorization: readB } });
    const csv = await exportB.text();
    expect(csv).toContain("192.0.2.77");
    expect(csv).not.toContain(`phish-${suffix}`);
  });

  it("records a sighting and shows it on the timeline", async () => {
    const response = await apiFetch("/api/v1/sightings", {
      method: "POST",
      headers: { authorization: writeA },
      json: { sightings: [{ value: host, seenAt: "2026-02-03T04:05:06Z", sensor: "splunk" }] },
    });
    expect(response.status).toBe(200);
    const timeline = await apiFetch(`/api/v1/indicators/${catalog.ids.get(host)}/timeline`, {
      headers: { authorization: readA },
    });
    const body = (await timeline.json()) as { events: { kind: string }[] };
    expect(body.events.map((event) => event.kind)).toContain("sighting");
  });

  it("searches and never returns a sibling's private indicator", async () => {
    const own = await apiFetch(`/api/v1/search?q=${encodeURIComponent(`phish-${suffix}`)}`, {
      headers: { authorization: readA },
    });
    expect(((await own.json()) as { items: unknown[] }).items).toHaveLength(1);
    const other = await apiFetch(`/api/v1/search?q=${encodeURIComponent(`phish-${suffix}`)}`, {
      headers: { authorization: readB },
    });
    expect(((await other.json()) as { items: unknown[] }).items).toHaveLength(0);
    const family = await apiFetch(`/api/v1/search?q=qakbot`, { headers: { authorization: readB } });
    const values = ((await family.json()) as { items: { indicator: { value: string } }[] }).items.map(
      (item) => item.indicator.value,
    );
    expect(values).toContain(host);
  });
});

describe("REST bad input", { timeout: 60_000 }, () => {
  it.each([
    ["/api/v1/indicators?type=planet", 400],
    ["/api/v1/indicators?cursor=garbage!", 400],
    ["/api/v1/indicators?scoreMin=500", 400],
    ["/api/v1/indicators?lastSeenFrom=yesterday", 400],
    ["/api/v1/indicators/by-value?value=not%20an%20indicator", 400],
    ["/api/v1/indicators/ind_doesnotexist", 404],
    ["/api/v1/search?q=x&cursor=zzz", 400],
    ["/api/v1/exports/pdf", 400],
    ["/api/v1/exports/csv?columns=value,nonsense", 400],
    ["/api/v1/blocklists/ip?since=forged", 400],
    ["/api/v1/blocklists/hash", 400],
  ])("GET %s answers %i with the error envelope", async (path, status) => {
    const response = await apiFetch(path, { headers: { authorization: readB } });
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string; requestId: string } };
    expect(body.error.requestId).toMatch(/^req_/);
  });

  it("refuses an oversized lookup body with 413", async () => {
    const response = await apiFetch("/api/v1/indicators/lookup", {
      method: "POST",
      headers: { authorization: readA },
      json: { text: "a".repeat(9 * 1024 * 1024) },
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("refuses more than 10,000 lookup values with a 4xx envelope", async () => {
    const response = await apiFetch("/api/v1/indicators/lookup", {
      method: "POST",
      headers: { authorization: readA },
      json: { values: Array.from({ length: 10_001 }, (_, i) => `10.0.${Math.floor(i / 256)}.${i % 256}`) },
    });
    expect(response.status).toBe(400);
  });

  it("refuses a write with a read-only token (403) and an anonymous read (401)", async () => {
    const write = await apiFetch("/api/v1/indicators", {
      method: "POST",
      headers: { authorization: readA },
      json: { value: "203.0.113.9" },
    });
    expect(write.status).toBe(403);
    const anonymous = await apiFetch("/api/v1/indicators");
    expect(anonymous.status).toBe(401);
  });
});
