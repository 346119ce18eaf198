import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTestCatalog } from "../routes/indicators/test-catalog.ts";
import { apiFetch, createTestTenantTree, createTestToken } from "../testing/identity.ts";

// Contract tests from the TAXII 2.1 specification (OASIS, 2021): media types (1.6.8), discovery (4.1),
// API root (4.2), status (4.3), collections (5.1-5.2), manifest (5.3), objects (5.4-5.5, 5.6 versions),
// filtering (3.4), pagination (3.5: limit/next/more and the X-TAXII-Date-Added headers), errors (3.6).

const taxii = "application/taxii+json;version=2.1";
let tree: TestTenantTree;
let tokenA: string;
let basicA: string;
let tokenB: string;
let writerA: string;
let root: string;
let allCollection: string;
const suffix = Math.random().toString(36).slice(2, 8);

function get(path: string, authorization = tokenA, accept = taxii) {
  return apiFetch(path, { headers: { authorization, accept } });
}

beforeAll(async () => {
  tree = await createTestTenantTree("taxii");
  await seedTestCatalog(
    Array.from({ length: 7 }, (_, i) => ({ type: "domain", value: `t${i}-${suffix}.example.com` })).concat([
      { type: "cve", value: "CVE-2024-3400" },
    ]),
  );
  const token = await createTestToken({ tenantId: tree.clientAId, scopes: ["exports:read"] });
  tokenA = token.authorization;
  basicA = `Basic ${btoa(`taxii:${token.token}`)}`;
  tokenB = (await createTestToken({ tenantId: tree.clientBId, scopes: ["exports:read"] })).authorization;
  writerA = (
    await createTestToken({ tenantId: tree.clientAId, scopes: ["exports:read", "indicators:write"] })
  ).authorization;
  root = `/taxii2/${tree.clientAId}/`;
}, 120_000);
afterAll(() => tree.cleanup());

async function collectAll(path: string, authorization = tokenA) {
  const seen: { id: string; type: string }[] = [];
  let next: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const response = await get(
      // Pages of 200: the catalog is shared by every suite of the run (thousands of rows from the collector
      // tests), and walking it 3 at a time would spend the token's whole rate-limit burst.
      `${path}${path.includes("?") ? "&" : "?"}limit=200${next ? `&next=${encodeURIComponent(next)}` : ""}`,
      authorization,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      more: boolean;
      next?: string;
      objects?: { id: string; type: string }[];
    };
    seen.push(...(body.objects ?? []));
    if (!body.more) break;
    expect(body.next).toBeTypeOf("string");
    next = body.next;
  }
  return seen;
}

describe("TAXII 2.1 discovery and API root", { timeout: 60_000 }, () => {
  it("answers discovery with the tenant's API root, in the TAXII media type", async () => {
    const response = await get("/taxii2/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(taxii);
    const body = (await response.json()) as { title: string; default: string; api_roots: string[] };
    expect(body.api_roots).toEqual([`http://tf.test${root}`]);
    expect(body.default).toBe(`http://tf.test${root}`);
  });

  it("describes the API root with versions and max_content_length", async () => {
    const body = (await (await get(root)).json()) as { versions: string[]; max_content_length: number };
    expect(body.versions).toEqual([taxii]);
    expect(body.max_content_length).toBeGreaterThan(0);
  });

  it("authenticates with the token as the Basic password too", async () => {
    expect((await get(root, basicA)).status).toBe(200);
  });

  it("answers 401 without credentials, 404 for another tenant's API root and 406 for a non-TAXII Accept", async () => {
    const anonymous = await apiFetch(root, { headers: { accept: taxii } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toBe(taxii);
    expect(((await anonymous.json()) as { http_status: string }).http_status).toBe("401");
    expect((await get(root, tokenB)).status).toBe(404);
    expect((await get(root, tokenA, "application/xml")).status).toBe(406);
  });
});

describe("TAXII 2.1 collections and objects", { timeout: 60_000 }, () => {
  it("lists the collections, with the all-indicators collection readable and writable", async () => {
    const body = (await (await get(`${root}collections/`)).json()) as {
      collections: {
        id: string;
        title: string;
        can_read: boolean;
        can_write: boolean;
        media_types: string[];
      }[];
    };
    const all = body.collections.find((collection) => collection.title === "All active indicators");
    expect(all).toMatchObject({
      can_read: true,
      can_write: true,
      media_types: ["application/stix+json;version=2.1"],
    });
    allCollection = all?.id ?? "";
    const one = await get(`${root}collections/${allCollection}/`);
    expect(((await one.json()) as { id: string }).id).toBe(allCollection);
    expect((await get(`${root}collections/00000000-0000-4000-8000-000000000000/`)).status).toBe(404);
  });

  it("pages objects with limit/next/more, never repeating one, with the Date-Added headers", async () => {
    const path = `${root}collections/${allCollection}/objects/`;
    const first = await get(`${path}?limit=3`);
    expect(first.headers.get("content-type")).toBe(taxii);
    expect(first.headers.get("x-taxii-date-added-first")).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(first.headers.get("x-taxii-date-added-last")).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const body = (await first.json()) as { more: boolean; objects: unknown[] };
    expect(body.objects).toHaveLength(3);
    expect(body.more).toBe(true);
    const all = await collectAll(path);
    expect(new Set(all.map((object) => object.id)).size).toBe(all.length);
    expect(all.filter((object) => object.type === "indicator").length).toBeGreaterThanOrEqual(7);
  });

  it("filters by added_after: a poll from the last Date-Added returns nothing new", async () => {
    const path = `${root}collections/${allCollection}/objects/`;
    let lastAdded = "";
    let next: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await get(`${path}?limit=1000${next ? `&next=${encodeURIComponent(next)}` : ""}`);
      lastAdded = page.headers.get("x-taxii-date-added-last") ?? lastAdded;
      const body = (await page.json()) as { more: boolean; next?: string };
      if (!body.more) break;
      next = body.next;
    }
    expect(lastAdded).toMatch(/\.\d{6}Z$/);
    const incremental = await get(`${path}?added_after=${encodeURIComponent(lastAdded)}`);
    const body = (await incremental.json()) as { more: boolean; objects?: unknown[] };
    expect(body.objects ?? []).toHaveLength(0);
    expect(body.more).toBe(false);
  });

  it("filters by match[type], match[id], match[version] and match[spec_version]", async () => {
    const path = `${root}collections/${allCollection}/objects/`;
    const vulnerabilities = (await (await get(`${path}?match[type]=vulnerability`)).json()) as {
      objects: { type: string; id: string }[];
    };
    // The catalog is shared by every suite of the run: other vulnerabilities may be there too, but only them.
    expect(vulnerabilities.objects.length).toBeGreaterThan(0);
    expect([...new Set(vulnerabilities.objects.map((object) => object.type))]).toEqual(["vulnerability"]);
    const indicators = (await (await get(`${path}?match[type]=indicator&limit=2`)).json()) as {
      objects: { id: string; modified: string }[];
    };
    const target = indicators.objects[0];
    if (target === undefined) throw new Error("no indicator");
    const byId = (await (await get(`${path}?match[id]=${target.id}`)).json()) as {
      objects: { id: string }[];
    };
    expect(byId.objects.map((object) => object.id)).toEqual([target.id]);
    const atVersion = (await (
      await get(`${path}?match[id]=${target.id}&match[version]=${target.modified}`)
    ).json()) as {
      objects?: unknown[];
    };
    expect(atVersion.objects).toHaveLength(1);
    const otherVersion = (await (
      await get(`${path}?match[id]=${target.id}&match[version]=2001-01-01T00:00:00.000Z`)
    ).json()) as {
      objects?: unknown[];
    };
    expect(otherVersion.objects ?? []).toHaveLength(0);
    const oldSpec = (await (await get(`${path}?match[spec_version]=2.0`)).json()) as { objects?: unknown[] };
    expect(oldSpec.objects ?? []).toHaveLength(0);
    const object = await get(`${path}${target.id}/`);
    expect(((await object.json()) as { objects: { id: string }[] }).objects[0]?.id).toBe(target.id);
    const versions = (await (await get(`${path}${target.id}/versions/`)).json()) as { versions: string[] };
    expect(versions.versions).toEqual([target.modified]);
  });

  it("serves manifests with date_added, version and media_type", async () => {
    const body = (await (await get(`${root}collections/${allCollection}/manifest/?limit=2`)).json()) as {
      more: boolean;
      objects: { id: string; date_added: string; version: string; media_type: string }[];
    };
    expect(body.objects).toHaveLength(2);
    for (const record of body.objects) {
      expect(record.media_type).toBe("application/stix+json;version=2.1");
      expect(Date.parse(record.date_added)).not.toBeNaN();
      expect(Date.parse(record.version)).not.toBeNaN();
    }
  });

  it("refuses malformed filters and cursors with a 400 TAXII error, never a 500", async () => {
    const path = `${root}collections/${allCollection}/objects/`;
    for (const query of [
      "limit=0",
      "limit=abc",
      "added_after=yesterday",
      "next=forged",
      "match[id]=nope",
      "match[color]=red",
      "match[version]=soon",
    ]) {
      const response = await get(`${path}?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get("content-type")).toBe(taxii);
      expect(((await response.json()) as { http_status: string }).http_status).toBe("400");
    }
  });

  it("accepts Add Objects into the tenant's private indicators and answers a status resource", async () => {
    const path = `${root}collections/${allCollection}/objects/`;
    const envelope = {
      objects: [
        {
          type: "indicator",
          spec_version: "2.1",
          id: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
          created: "2026-01-01T00:00:00.000Z",
          modified: "2026-01-01T00:00:00.000Z",
          pattern: `[domain-name:value = 'inbox-${suffix}.example.net']`,
          pattern_type: "stix",
          valid_from: "2026-01-01T00:00:00Z",
        },
        {
          type: "malware",
          spec_version: "2.1",
          id: "malware--31b940d4-6f7f-459a-80ea-9c1f17b58abc",
          name: "x",
          is_family: true,
        },
      ],
    };
    const wrongType = await apiFetch(path, {
      method: "POST",
      headers: { authorization: writerA, accept: taxii },
      json: envelope,
    });
    expect(wrongType.status).toBe(415);
    const readOnly = await apiFetch(path, {
      method: "POST",
      headers: { authorization: tokenA, accept: taxii, "content-type": taxii },
      body: JSON.stringify(envelope),
    });
    expect(readOnly.status).toBe(403);
    const response = await apiFetch(path, {
      method: "POST",
      headers: { authorization: writerA, accept: taxii, "content-type": taxii },
      body: JSON.stringify(envelope),
    });
    expect(response.status).toBe(202);
    const status = (await response.json()) as {
      id: string;
      status: string;
      success_count: number;
      failure_count: number;
    };
    expect(status).toMatchObject({ status: "complete", success_count: 1, failure_count: 1 });
    const again = await get(`${root}status/${status.id}/`, writerA);
    expect(((await again.json()) as { id: string }).id).toBe(status.id);
    expect((await get(`${root}status/${status.id}/`, tokenB)).status).toBe(404);
  });

  it("never shows client A's inbox objects or overlay to client B", async () => {
    const rootB = `/taxii2/${tree.clientBId}/`;
    const collections = (await (await get(`${rootB}collections/`, tokenB)).json()) as {
      collections: { id: string; title: string }[];
    };
    const allB =
      collections.collections.find((collection) => collection.title === "All active indicators")?.id ?? "";
    expect(allB).not.toBe(allCollection);
    const objects = await collectAll(`${rootB}collections/${allB}/objects/`, tokenB);
    expect(objects.map((object) => JSON.stringify(object)).join("\n")).not.toContain(`inbox-${suffix}`);
    const objectsA = await collectAll(`${root}collections/${allCollection}/objects/`);
    expect(objectsA.map((object) => JSON.stringify(object)).join("\n")).toContain(`inbox-${suffix}`);
    expect((await get(`${root}collections/${allCollection}/objects/`, tokenB)).status).toBe(404);
  });
});

describe("TAXII 2.1 versions of a tenant's overlay change", { timeout: 60_000 }, () => {
  interface ManifestRecord {
    id: string;
    date_added: string;
    version: string;
  }

  async function manifestOf(collectionRoot: string, authorization: string, stixId: string) {
    const body = (await (
      await get(`${collectionRoot}manifest/?match[id]=${stixId}`, authorization)
    ).json()) as { objects?: ManifestRecord[] };
    return body.objects?.[0];
  }

  it("publishes an expired indicator as a new version to that tenant only: added_after, match[version], versions", async () => {
    const value = `ovl-${suffix}.example.com`;
    const catalog = await seedTestCatalog([{ type: "domain", value }]);
    const indicatorId = catalog.ids.get(value) ?? "";
    const collectionA = `${root}collections/${allCollection}/`;
    const rootB = `/taxii2/${tree.clientBId}/`;
    const collectionsB = (await (await get(`${rootB}collections/`, tokenB)).json()) as {
      collections: { id: string; title: string }[];
    };
    const allB = collectionsB.collections.find((c) => c.title === "All active indicators")?.id ?? "";
    const collectionB = `${rootB}collections/${allB}/`;
    // Walks the whole collection in pages of 1,000 (the catalog is shared by every suite of the run).
    const findObject = async (collection: string, authorization: string, addedAfter?: string) => {
      let next: string | undefined;
      for (let page = 0; page < 100; page++) {
        const query = [
          "match[type]=indicator",
          "limit=1000",
          ...(addedAfter ? [`added_after=${encodeURIComponent(addedAfter)}`] : []),
          ...(next ? [`next=${encodeURIComponent(next)}`] : []),
        ].join("&");
        const response = await get(`${collection}objects/?${query}`, authorization);
        expect(response.status).toBe(200);
        const body = (await response.json()) as {
          more: boolean;
          next?: string;
          objects?: { id: string; modified: string; pattern?: string }[];
        };
        const found = body.objects?.find((object) => object.pattern?.includes(value));
        if (found !== undefined) return found;
        if (!body.more) return undefined;
        next = body.next;
      }
      return undefined;
    };

    const beforeA = await findObject(collectionA, tokenA);
    const beforeB = await findObject(collectionB, tokenB);
    if (beforeA === undefined || beforeB === undefined) throw new Error("the seeded indicator is not served");
    const manifestBefore = await manifestOf(collectionA, tokenA, beforeA.id);
    const manifestBeforeB = await manifestOf(collectionB, tokenB, beforeB.id);
    if (manifestBefore === undefined || manifestBeforeB === undefined) throw new Error("no manifest record");
    // Polling from the object's own date_added returns nothing new yet.
    expect(await findObject(collectionA, tokenA, manifestBefore.date_added)).toBeUndefined();

    const patched = await apiFetch(`/api/v1/indicators/${indicatorId}`, {
      method: "PATCH",
      headers: { authorization: writerA, "content-type": "application/json" },
      body: JSON.stringify({ status: "expired" }),
    });
    expect(patched.status).toBe(200);

    // Client A's poll from the old date_added now returns the object again, as a newer version.
    const afterA = await findObject(collectionA, tokenA, manifestBefore.date_added);
    expect(afterA?.id).toBe(beforeA.id);
    expect(Date.parse(afterA?.modified ?? "")).toBeGreaterThan(Date.parse(beforeA.modified));
    const manifestAfter = await manifestOf(collectionA, tokenA, beforeA.id);
    expect(manifestAfter?.version).toBe(afterA?.modified);
    expect(manifestAfter?.date_added && manifestAfter.date_added > manifestBefore.date_added).toBe(true);

    const objects = `${collectionA}objects/`;
    const atVersion = async (version: string) =>
      (
        (await (await get(`${objects}?match[id]=${beforeA.id}&match[version]=${version}`)).json()) as {
          objects?: unknown[];
        }
      ).objects ?? [];
    expect(await atVersion(afterA?.modified ?? "")).toHaveLength(1);
    expect(await atVersion(beforeA.modified)).toHaveLength(0);
    const versions = (await (await get(`${objects}${beforeA.id}/versions/`)).json()) as {
      versions: string[];
    };
    expect(versions.versions).toEqual([afterA?.modified]);

    // Client B's overlay did not change: its poll from the same point finds nothing, its version stands.
    expect(await findObject(collectionB, tokenB, manifestBeforeB.date_added)).toBeUndefined();
    expect((await manifestOf(collectionB, tokenB, beforeB.id))?.version).toBe(manifestBeforeB.version);
  });
});
