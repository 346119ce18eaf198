import { AppError } from "@threatfusion/core";
import { beforeAll, describe, expect, it } from "vitest";
import { exportIndicators } from "../exports/export.ts";
import { listIndicators } from "../indicators/list.ts";
import { getIndicatorScore } from "../scoring/get-indicator-score.ts";
import { scoreCatalog, scoreChangedIndicators } from "../scoring/pipeline.ts";
import { type SeededCatalog, seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import { useOwnTestDatabase } from "../testing/own-database.ts";
import { createAllowlistEntry } from "./create.ts";
import { deleteAllowlistEntry } from "./delete.ts";
import { listAllowlistEntries } from "./list.ts";

const suite = useOwnTestDatabase({ tenantTree: "allowlists" });

let catalog: SeededCatalog;

const values = {
  www: "www.github.com",
  url: "https://github.com/x",
  lookalike: "github.com.evil-login.example",
  ip: "93.184.216.34",
  other: "unrelated-threat.example.net",
};

beforeAll(async () => {
  catalog = await seedCatalog(suite.dbs, [
    { type: "domain", value: values.www },
    { type: "url", value: values.url },
    { type: "domain", value: values.lookalike },
    { type: "ipv4", value: values.ip },
    { type: "domain", value: values.other },
  ]);
  await scoreCatalog(suite.dbs.ingest.db, [...catalog.ids.values()], { now: Date.now() });
}, 60_000);

const idOf = (value: string) => catalog.ids.get(value) ?? "";

async function exportedValues(who: "clientA" | "clientB"): Promise<string[]> {
  const ctx = userContext(suite.dbs, suite.tree, who);
  const result = await exportIndicators({ ctx, input: { format: "csv" } });
  const reader = result.body.getReader();
  let text = "";
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return Object.values(values).filter((value) => text.includes(value));
}

describe("tenant allowlists", () => {
  it("suppress www.github.com and https://github.com/x with a github.com entry, retroactively and with the reason", async () => {
    const clientA = userContext(suite.dbs, suite.tree, "clientA");
    expect(await exportedValues("clientA")).toContain(values.www);
    const entry = await createAllowlistEntry({
      ctx: clientA,
      input: { value: "GitHub.com", note: "our code hosting" },
    });
    expect(entry).toMatchObject({ value: "github.com", type: "hostname", suppressedNow: 2 });

    for (const value of [values.www, values.url]) {
      const score = await getIndicatorScore({ ctx: clientA, input: { id: idOf(value) } });
      expect(score.suppressed).toBe(true);
      expect(score.status).toBe("allowlisted");
      expect(score.suppressionReasons).toContainEqual(
        expect.objectContaining({
          kind: "allowlist",
          listId: entry.id,
          entry: "github.com",
          effect: "suppress",
        }),
      );
    }
    const lookalike = await getIndicatorScore({ ctx: clientA, input: { id: idOf(values.lookalike) } });
    expect(lookalike.suppressed).toBe(false);

    // Out of exports by default; still listed (searchable) with its reason.
    const exported = await exportedValues("clientA");
    expect(exported).not.toContain(values.www);
    expect(exported).not.toContain(values.url);
    expect(exported).toContain(values.lookalike);
    const listed = await listIndicators({ ctx: clientA, input: { filter: { ids: [idOf(values.www)] } } });
    expect(listed.items[0]?.suppressedReason).toBe("allowlisted");
  });

  it("never affect another tenant (tenant A's allowlist, tenant B's view)", async () => {
    const clientB = userContext(suite.dbs, suite.tree, "clientB");
    expect(await exportedValues("clientB")).toEqual(expect.arrayContaining([values.www, values.url]));
    const score = await getIndicatorScore({ ctx: clientB, input: { id: idOf(values.www) } });
    expect(score.suppressed).toBe(false);
    expect(score.tenant).toBeNull();
    expect(await listAllowlistEntries({ ctx: clientB })).toEqual([]);
    const entries = await listAllowlistEntries({ ctx: userContext(suite.dbs, suite.tree, "clientA") });
    await expect(
      deleteAllowlistEntry({ ctx: clientB, input: { id: entries[0]?.id ?? "" } }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("suppress indicators that arrive after the entry (the ingestion hook)", async () => {
    const fresh = await seedCatalog(suite.dbs, [{ type: "domain", value: "api.github.com" }]);
    const id = fresh.ids.get("api.github.com") ?? "";
    const result = await scoreChangedIndicators(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      [id],
      Date.now(),
    );
    expect(result.tenants).toBe(1);
    expect(
      (await getIndicatorScore({ ctx: userContext(suite.dbs, suite.tree, "clientA"), input: { id } }))
        .suppressed,
    ).toBe(true);
    expect(
      (await getIndicatorScore({ ctx: userContext(suite.dbs, suite.tree, "clientB"), input: { id } }))
        .suppressed,
    ).toBe(false);
  });

  it("match ranges by containment", async () => {
    const clientA = userContext(suite.dbs, suite.tree, "clientA");
    const entry = await createAllowlistEntry({ ctx: clientA, input: { value: "93.184.216.0/24" } });
    expect(entry).toMatchObject({ type: "cidr", suppressedNow: 1 });
    const score = await getIndicatorScore({ ctx: clientA, input: { id: idOf(values.ip) } });
    expect(score.suppressionReasons).toContainEqual(expect.objectContaining({ entry: "93.184.216.0/24" }));
  });

  it("restore what a removed entry suppressed", async () => {
    const clientA = userContext(suite.dbs, suite.tree, "clientA");
    const entry = (await listAllowlistEntries({ ctx: clientA })).find((item) => item.value === "github.com");
    const removed = await deleteAllowlistEntry({ ctx: clientA, input: { id: entry?.id ?? "" } });
    expect(removed.restored).toBe(3);
    const score = await getIndicatorScore({ ctx: clientA, input: { id: idOf(values.www) } });
    expect(score).toMatchObject({ suppressed: false, status: "new", suppressionReasons: [] });
    expect(await exportedValues("clientA")).toEqual(expect.arrayContaining([values.www, values.url]));
  });

  it("refuse viewers, duplicates and values that are not what their type says", async () => {
    const viewer = userContext(suite.dbs, suite.tree, "clientA", "viewer");
    await expect(
      createAllowlistEntry({ ctx: viewer, input: { value: "example.com" } }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const admin = userContext(suite.dbs, suite.tree, "clientA");
    await createAllowlistEntry({ ctx: admin, input: { value: "corp.example" } });
    await expect(
      createAllowlistEntry({ ctx: admin, input: { value: "corp.example" } }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const bad = await createAllowlistEntry({ ctx: admin, input: { value: "not an ip", type: "cidr" } }).catch(
      (error: unknown) => error,
    );
    expect(bad).toBeInstanceOf(AppError);
    expect(bad).toMatchObject({ code: "VALIDATION_FAILED" });
  });
});
