import { withIngestTx } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createAllowlistEntry } from "../allowlists/create.ts";
import { type SeededCatalog, seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import { useOwnTestDatabase } from "../testing/own-database.ts";
import { getIndicatorScore } from "./get-indicator-score.ts";
import { scoreChangedIndicators } from "./pipeline.ts";

const suite = useOwnTestDatabase({ tenantTree: "tenants-concerned" });

let catalog: SeededCatalog;

const watched = "watched.tenants-concerned.example";
const allowlisted = "cdn.allowlisted-later.example";

beforeAll(async () => {
  catalog = await seedCatalog(suite.dbs, [
    { type: "domain", value: watched },
    { type: "domain", value: allowlisted },
  ]);
  await suite.dbs.admin.pool.query(
    "insert into tenant_indicators (tenant_id, indicator_id, status) values ($1, $2, 'investigating')",
    [suite.tree.clientAId, catalog.ids.get(watched)],
  );
}, 60_000);

const ids = () => [...catalog.ids.values()];

async function allowlistsPresent(): Promise<boolean | undefined> {
  return withIngestTx({ db: suite.dbs.ingest.db }, async (tx) => {
    const { rows } = await tx.execute<{ present: boolean }>(
      sql`select tf_scoring_allowlists_present() as present`,
    );
    return rows[0]?.present;
  });
}

describe("the scoring stage's tenants after ingestion", () => {
  it("reaches the tenants holding an overlay of a touched row when no tenant has any allowlist entry", async () => {
    expect(await allowlistsPresent()).toBe(false);
    const result = await scoreChangedIndicators(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      ids(),
      Date.now(),
    );
    expect(result.tenants).toBe(1);
  });

  it("sends only the rows the delivery did not insert when no tenant has an allowlist entry", async () => {
    const allowlistedId = catalog.ids.get(allowlisted) ?? "";
    const watchedId = catalog.ids.get(watched) ?? "";
    // The overlay tenant is reached through a row the delivery did not insert…
    const reached = await scoreChangedIndicators(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      ids(),
      Date.now(),
      // The ids that may be stale: all but the one the delivery inserted scored.
      ids().filter((id) => id !== allowlistedId),
    );
    expect(reached.tenants).toBe(1);
    // …and not through one it inserted (no overlay can have preceded the insert).
    const inserted = await scoreChangedIndicators(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      ids(),
      Date.now(),
      ids().filter((id) => id !== watchedId && id !== allowlistedId),
    );
    expect(inserted.tenants).toBe(0);
  });

  it("probes the touched rows' keys again once a tenant holds an entry, and suppresses for that tenant only", async () => {
    await createAllowlistEntry({
      ctx: userContext(suite.dbs, suite.tree, "clientB"),
      input: { value: "allowlisted-later.example" },
    });
    expect(await allowlistsPresent()).toBe(true);
    const result = await scoreChangedIndicators(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      ids(),
      Date.now(),
    );
    expect(result.tenants).toBe(2);
    // Rows the delivery inserted still reach the tenants whose allowlists may match them.
    const inserted = await scoreChangedIndicators(
      { ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db },
      ids(),
      Date.now(),
      [],
    );
    expect(inserted.tenants).toBe(2);
    const id = catalog.ids.get(allowlisted) ?? "";
    const clientB = await getIndicatorScore({
      ctx: userContext(suite.dbs, suite.tree, "clientB"),
      input: { id },
    });
    expect(clientB.suppressed).toBe(true);
    const clientA = await getIndicatorScore({
      ctx: userContext(suite.dbs, suite.tree, "clientA"),
      input: { id },
    });
    expect(clientA.suppressed).toBe(false);
  });

  it("is not callable by the application role (tenants' sessions learn nothing of other tenants' lists)", async () => {
    await expect(suite.dbs.app.pool.query("select tf_scoring_allowlists_present()")).rejects.toThrow(
      /permission denied/,
    );
  });
});
