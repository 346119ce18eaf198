import { newId } from "@threatfusion/core";
import {
  connectTestDatabases,
  createTenantTree,
  type PlanNode,
  planNodes,
  type TestTenantTree,
} from "@threatfusion/db/testing";
import { applySinceDiff, streamToText } from "@threatfusion/exports";
import { indicatorTypes } from "@threatfusion/ioc";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { inTenantTx } from "../context.ts";
import { getBlocklist } from "../exports/blocklist.ts";
import { exportIndicators } from "../exports/export.ts";
import { lookupIndicators } from "../lookups/lookup.ts";
import { searchIndicators } from "../search/search.ts";
import { recordSightings } from "../sightings/create.ts";
import { type SeededCatalog, seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import { activeIndicatorsStatement } from "./active-indicators.ts";
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

  it("lists every type without a type filter, most recently seen first, one index walk per engine type", async () => {
    // The unfiltered list reads one branch per engine type (migration 0060 dropped the catalog's own
    // last-seen index): that covers every row only while the catalog admits exactly the engine's types.
    const { rows } = await dbs.admin.pool.query<{ definition: string }>(
      "select pg_get_constraintdef(oid) as definition from pg_constraint where conname = 'indicators_type_known'",
    );
    const admitted = [...(rows[0]?.definition ?? "").matchAll(/'([a-z0-9-]+)'/g)].map((match) => match[1]);
    expect(admitted.sort()).toEqual([...indicatorTypes].sort());
    const outsider = await dbs.admin.pool
      .query(
        "insert into indicators (id, type, value, first_seen, last_seen) values ($1, 'hostname', 'x.example', now(), now())",
        [newId("indicator")],
      )
      .then(() => "inserted")
      .catch((error: unknown) => (error as { code?: string }).code);
    expect(outsider).toBe("23514");
    const page = await listIndicators({
      ctx: userContext(dbs, tree, "clientA"),
      input: { filter: {}, limit: 1000 },
    });
    expect(page.items.map((item) => item.type)).toEqual(expect.arrayContaining(["domain", "url", "ipv4"]));
    const seen = page.items.map((item) => Date.parse(item.lastSeen));
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
  });

  it("reads a page without a type filter as one ordered index walk per type, merged, never scanning the catalog", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    const statement = activeIndicatorsStatement(
      { tenantId: tree.clientAId },
      { includeSuppressed: true },
      { order: "recent", limit: 50 },
    );
    if (statement === undefined) throw new Error("the unfiltered list has no statement");
    const plan = await inTenantTx(ctx, async (tx) => {
      // The test catalog is small (and shared with other tests), so a scan or a sort can look cheaper than the
      // walk depending on its statistics. With scans, bitmaps and sorts priced out, a plan that still sorts a
      // branch by last seen proves that no ordered index walk could serve it (the `= any('{x}')` trap).
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      await tx.execute(sql`set local enable_sort = off`);
      const explained = await tx.execute<{ "QUERY PLAN": { Plan: PlanNode }[] }>(
        sql`explain (format json) ${statement}`,
      );
      return explained.rows[0]?.["QUERY PLAN"][0]?.Plan;
    });
    const nodes = planNodes(plan);
    expect(
      nodes.some((node) => node["Node Type"] === "Seq Scan" && node["Relation Name"] === "indicators"),
    ).toBe(false);
    const merge = nodes.find((node) => node["Node Type"] === "Merge Append");
    const catalogWalks = (merge?.Plans ?? []).filter((child) =>
      planNodes(child).some((node) => node["Index Name"] === "indicators_type_last_seen_idx"),
    );
    expect(catalogWalks).toHaveLength(indicatorTypes.length);
    // (A branch may sort a row's tags in a subplan; what must not be sorted is the walk by last seen.)
    const sortKeys = catalogWalks.flatMap((walk) =>
      planNodes(walk).flatMap((node) => node["Sort Key"] ?? []),
    );
    expect(sortKeys.filter((key) => key.includes("last_seen"))).toEqual([]);
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
