import { describe, expect, it } from "vitest";
import { createAllowlistEntry } from "../allowlists/create.ts";
import { deleteAllowlistEntry } from "../allowlists/delete.ts";
import { createIndicator } from "../indicators/create.ts";
import { listIndicators } from "../indicators/list.ts";
import { userContext } from "../testing/intel-fixtures.ts";
import { useOwnTestDatabase } from "../testing/own-database.ts";
import { rescoreDue } from "./pipeline.ts";

const suite = useOwnTestDatabase({ tenantTree: "private-suppression" });

/** The tenant's own private indicators by value, with status and suppression reason (suppressed included). */
async function privateView(who: "clientA" | "clientB") {
  const page = await listIndicators({
    ctx: userContext(suite.dbs, suite.tree, who),
    input: { filter: { origins: ["private"], includeSuppressed: true }, limit: 1000 },
  });
  return new Map(page.items.map((item) => [item.value, item]));
}

/** What exports, blocklists and TAXII read: the active-indicators query without suppressed rows. */
async function activeValues(who: "clientA" | "clientB"): Promise<string[]> {
  const page = await listIndicators({
    ctx: userContext(suite.dbs, suite.tree, who),
    input: { filter: { origins: ["private"], includeSuppressed: false }, limit: 1000 },
  });
  return page.items.map((item) => item.value);
}

const tick = () =>
  rescoreDue({ ingestDb: suite.dbs.ingest.db, appDb: suite.dbs.app.db }, { now: Date.now() });

describe("private indicator suppression", () => {
  it("suppresses a tenant's private indicators in reserved ranges at the next scheduler tick, with the reason", async () => {
    const clientA = userContext(suite.dbs, suite.tree, "clientA");
    await createIndicator({ ctx: clientA, input: { value: "10.20.30.40", type: "ipv4" } });
    await createIndicator({ ctx: clientA, input: { value: "185.220.101.7", type: "ipv4" } });
    const result = await tick();
    expect(result.privateIndicators).toMatchObject({ tenants: 1, examined: 2, membershipChanged: 1 });

    const view = await privateView("clientA");
    expect(view.get("10.20.30.40")).toMatchObject({ status: "allowlisted", suppressedReason: "allowlisted" });
    expect(view.get("185.220.101.7")).toMatchObject({ status: "new" });
    expect(await activeValues("clientA")).toEqual(["185.220.101.7"]);
    // Decided rows are not read again.
    expect((await tick()).privateIndicators.examined).toBe(0);
  });

  it("applies the tenant's allowlist to its private indicators at once, and a removed entry restores them", async () => {
    const clientA = userContext(suite.dbs, suite.tree, "clientA");
    await createIndicator({
      ctx: clientA,
      input: { value: "https://portal.client-a-corp.com/login", type: "url" },
    });
    await tick();
    expect(await activeValues("clientA")).toContain("https://portal.client-a-corp.com/login");

    const entry = await createAllowlistEntry({ ctx: clientA, input: { value: "client-a-corp.com" } });
    expect(entry.suppressedNow).toBe(1);
    expect(await activeValues("clientA")).not.toContain("https://portal.client-a-corp.com/login");

    const removed = await deleteAllowlistEntry({ ctx: clientA, input: { id: entry.id } });
    expect(removed.restored).toBe(1);
    expect(await activeValues("clientA")).toContain("https://portal.client-a-corp.com/login");
  });

  it("never lets one tenant's allowlist touch another tenant's private indicators", async () => {
    const clientA = userContext(suite.dbs, suite.tree, "clientA");
    const clientB = userContext(suite.dbs, suite.tree, "clientB");
    await createIndicator({ ctx: clientB, input: { value: "shared-name-corp.com", type: "domain" } });
    await tick();
    await createAllowlistEntry({ ctx: clientA, input: { value: "shared-name-corp.com" } });
    await tick();
    expect(await activeValues("clientB")).toContain("shared-name-corp.com");
  });
});
