import { newId } from "@threatfusion/core";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { applySinceDiff, streamToText } from "@threatfusion/exports";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getBlocklist } from "../exports/blocklist.ts";
import { exportIndicators } from "../exports/export.ts";
import { lookupIndicators } from "../lookups/lookup.ts";
import { searchIndicators } from "../search/search.ts";
import { recordSightings } from "../sightings/create.ts";
import { type SeededCatalog, seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import { createIndicator } from "./create.ts";
import { getIndicator } from "./get.ts";
import { listIndicators } from "./list.ts";
import { listRelatedIndicators } from "./related.ts";
import { getIndicatorTimeline } from "./timeline.ts";
import { updateIndicator } from "./update.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;
let catalog: SeededCatalog;
const unique = newId("request").slice(-8);
const host = `evil-${unique}.example.com`;

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "active");
  catalog = await seedCatalog(dbs, [
    {
      type: "domain",
      value: host,
      tags: ["phishing"],
      malwareFamily: "emotet",
      reference: `https://ref.example/${unique}`,
    },
    { type: "url", value: `http://${host}/login`, reference: `https://ref.example/${unique}` },
    { type: "domain", value: `cdn.${host}` },
    { type: "ipv4", value: `198.51.100.${(Number.parseInt(unique, 36) % 200) + 20}` },
  ]);
  // Client A owns a private indicator; the MSSP shares one with all clients and keeps one to itself.
  await createIndicator({
    ctx: userContext(dbs, tree, "clientA"),
    input: { value: `a-only-${unique}.example.net` },
  });
  await createIndicator({
    ctx: userContext(dbs, tree, "mssp"),
    input: { value: `shared-${unique}.example.net`, sharedWithAllClients: true },
  });
  await createIndicator({
    ctx: userContext(dbs, tree, "mssp"),
    input: { value: `mssp-only-${unique}.example.net` },
  });
}, 120_000);
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

const valuesOf = (items: { value: string }[]) => items.map((item) => item.value);

describe("the active indicators of a tenant", { timeout: 60_000 }, () => {
  it("holds the catalog, the tenant's own private rows and what its MSSP shares, and nothing of a sibling", async () => {
    const a = await listIndicators({
      ctx: userContext(dbs, tree, "clientA"),
      input: { filter: {}, limit: 1000 },
    });
    const b = await listIndicators({
      ctx: userContext(dbs, tree, "clientB"),
      input: { filter: {}, limit: 1000 },
    });
    expect(valuesOf(a.items)).toEqual(
      expect.arrayContaining([host, `a-only-${unique}.example.net`, `shared-${unique}.example.net`]),
    );
    expect(valuesOf(a.items)).not.toContain(`mssp-only-${unique}.example.net`);
    expect(valuesOf(b.items)).toContain(`shared-${unique}.example.net`);
    expect(valuesOf(b.items)).not.toContain(`a-only-${unique}.example.net`);
    const shared = a.items.find((item) => item.value === `shared-${unique}.example.net`);
    expect(shared?.origin).toBe("shared");
    expect(shared?.sources).toEqual(["active MSSP"]);
    const catalogRow = a.items.find((item) => item.value === host);
    expect(catalogRow?.sources).toEqual([catalog.sourceName]);
    expect(catalogRow?.malwareFamily).toBe("emotet");
  });

  it("pages with an opaque cursor without repeating or skipping rows", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    const all = await listIndicators({ ctx, input: { filter: { valuePrefix: "" }, limit: 1000 } });
    const seen: string[] = [];
    let cursor: string | undefined;
    // The catalog is shared by every suite of the run, so compare the first `all.items.length` rows only.
    while (seen.length < all.items.length) {
      const page = await listIndicators({ ctx, input: { filter: {}, limit: 7, cursor } });
      seen.push(...page.items.map((item) => item.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen.slice(0, all.items.length)).toEqual(all.items.map((item) => item.id));
    // Several types read one index branch per type and merge them: the same order, page by page.
    const filter = { types: ["domain", "url", "ipv4"] as const };
    const typed = await listIndicators({ ctx, input: { filter: { types: [...filter.types] }, limit: 1000 } });
    const typedSeen: string[] = [];
    cursor = undefined;
    // The first 200 rows in pages of 2 (or all of them, if fewer), against the same rows read in one page.
    for (let i = 0; i < 100; i++) {
      const page = await listIndicators({
        ctx,
        input: { filter: { types: [...filter.types] }, limit: 2, cursor },
      });
      typedSeen.push(...page.items.map((item) => item.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(typedSeen.length).toBe(Math.min(200, typed.items.length));
    expect(typedSeen).toEqual(typed.items.slice(0, typedSeen.length).map((item) => item.id));
    expect(typed.items.map((item) => item.type)).toEqual(expect.arrayContaining(["domain", "url", "ipv4"]));
  });

  it("refuses a forged cursor with a validation error", async () => {
    await expect(
      listIndicators({
        ctx: userContext(dbs, tree, "clientA"),
        input: { filter: {}, cursor: "not-a-cursor" },
      }),
    ).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("finds an indicator by defanged value and reports misses in a bulk lookup", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    const byValue = await getIndicator({ ctx, input: { value: host.replaceAll(".", "[.]") } });
    expect(byValue.value).toBe(host);
    const result = await lookupIndicators({
      ctx,
      input: {
        values: [`hxxp://${host.replaceAll(".", "[.]")}/login`, "203.0.113.254", "not an ioc"],
        text: `seen ${host}`,
      },
    });
    expect(result.matches.map((match) => match.value)).toEqual([`http://${host}/login`, host]);
    expect(result.misses.map((miss) => miss.value ?? miss.reason)).toEqual(
      expect.arrayContaining(["203.0.113.254"]),
    );
    expect(result.misses.some((miss) => miss.input === "not an ioc" && miss.reason !== undefined)).toBe(true);
  });

  it("keeps a tenant's overlay to itself and leaves false positives out of exports with their reason", async () => {
    const a = userContext(dbs, tree, "clientA");
    const b = userContext(dbs, tree, "clientB");
    const id = catalog.ids.get(host) ?? "";
    const updated = await updateIndicator({
      ctx: a,
      input: { id, status: "false_positive", notes: "our CDN", addTags: ["fp"] },
    });
    expect(updated.suppressedReason).toBe("false_positive");
    const audit = await dbs.admin.pool.query<{ tenant_id: string; details: { status?: string } }>(
      "select tenant_id, details from audit_log where action = 'indicator.overlay_updated' and target_id = $1",
      [id],
    );
    expect(audit.rows).toEqual([
      { tenant_id: tree.clientAId, details: expect.objectContaining({ status: "false_positive" }) },
    ]);
    const seenByB = await getIndicator({ ctx: b, input: { id } });
    expect(seenByB.status).toBe("new");
    expect(seenByB.notes).toBeNull();
    const csvA = await streamToText((await exportIndicators({ ctx: a, input: { format: "csv" } })).body);
    const csvB = await streamToText((await exportIndicators({ ctx: b, input: { format: "csv" } })).body);
    expect(csvA).not.toContain(`,${host},`);
    expect(csvB).toContain(host);
    expect(csvB).not.toContain(`a-only-${unique}`);
    const withReason = await streamToText(
      (await exportIndicators({ ctx: a, input: { format: "stix", includeSuppressed: true } })).body,
    );
    expect(withReason).toContain('"x_threatfusion_suppressed_reason":"false_positive"');
    await updateIndicator({ ctx: a, input: { id, status: "confirmed" } });
  });

  it("publishes an allowlisting as a removal in the since diff and changes the list's ETag", async () => {
    const a = userContext(dbs, tree, "clientA");
    const full = await getBlocklist({ ctx: a, input: { kind: "domain" } });
    if (full.status !== 200 || full.next === undefined) throw new Error("expected a list");
    const list = (await streamToText(full.body)).split("\n").filter(Boolean);
    expect(list).toContain(host);
    const again = await getBlocklist({ ctx: a, input: { kind: "domain", ifNoneMatch: full.etag } });
    expect(again.status).toBe(304);
    const id = catalog.ids.get(`cdn.${host}`) ?? "";
    await updateIndicator({ ctx: a, input: { id, status: "allowlisted" } });
    const diff = await getBlocklist({ ctx: a, input: { kind: "domain", since: full.next } });
    if (diff.status !== 200) throw new Error("expected a diff");
    const applied = applySinceDiff(list, await streamToText(diff.body));
    expect(applied.entries.has(`cdn.${host}`)).toBe(false);
    expect(applied.entries.has(host)).toBe(true);
    const changed = await getBlocklist({ ctx: a, input: { kind: "domain", ifNoneMatch: full.etag } });
    expect(changed.status).toBe(200);
  });

  it("records sightings in the simple form and shows them on the timeline of this tenant only", async () => {
    const a = userContext(dbs, tree, "clientA");
    const id = catalog.ids.get(`http://${host}/login`) ?? "";
    const result = await recordSightings({
      ctx: a,
      input: {
        sightings: [
          { value: `hxxp://${host}/login`, seenAt: "2026-01-02T03:04:05Z", count: 3, sensor: "splunk" },
          { value: "203.0.113.250", seenAt: "2026-01-02T03:04:05Z" },
        ],
      },
    });
    expect(result.recorded.map((r) => r.indicatorId)).toEqual([id]);
    expect(result.unmatched.map((u) => u.index)).toEqual([1]);
    const timeline = await getIndicatorTimeline({ ctx: a, input: { id } });
    expect(timeline.events.filter((event) => event.kind === "sighting")).toHaveLength(1);
    expect(timeline.indicator.sightingsCount).toBe(3);
    const other = await getIndicatorTimeline({ ctx: userContext(dbs, tree, "clientB"), input: { id } });
    expect(other.events.filter((event) => event.kind === "sighting")).toHaveLength(0);
  });

  it("relates a URL to its host, its subdomains and the same feed event", async () => {
    const id = catalog.ids.get(`http://${host}/login`) ?? "";
    const { related } = await listRelatedIndicators({
      ctx: userContext(dbs, tree, "clientA"),
      input: { id },
    });
    const byValue = new Map(related.map((item) => [item.indicator.value, item.relation]));
    expect(byValue.get(host)).toBe("same_host");
    expect(byValue.get(`cdn.${host}`)).toBe("same_registrable_domain");
  });

  it("searches values, tags and context, and finds another tenant's private rows for nobody else", async () => {
    const a = userContext(dbs, tree, "clientA");
    const b = userContext(dbs, tree, "clientB");
    const bySubstring = await searchIndicators({ ctx: a, input: { q: `evil-${unique}` } });
    expect(bySubstring.items.map((item) => item.indicator.value)).toEqual(
      expect.arrayContaining([host, `cdn.${host}`]),
    );
    const byFamily = await searchIndicators({ ctx: a, input: { q: "emotet" } });
    expect(byFamily.items.map((item) => item.indicator.value)).toContain(host);
    const privateForB = await searchIndicators({ ctx: b, input: { q: `a-only-${unique}` } });
    expect(privateForB.items).toEqual([]);
    const privateForA = await searchIndicators({ ctx: a, input: { q: `a-only-${unique}` } });
    expect(privateForA.items).toHaveLength(1);
  });
});
