import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TenantCoordinator, tenantCoordinator } from "./tenant-coordinator.ts";

describe("TenantCoordinator", () => {
  it("round-trips typed RPC calls and keeps tenants apart", async () => {
    const a = tenantCoordinator(env, "tnt_a");
    const b = tenantCoordinator(env, "tnt_b");
    expect(await a.applyIndicatorChanges({ batchKey: "run_x:0", indicatorIds: ["i1", "i2"] })).toBe(true);
    expect(await a.applyIndicatorChanges({ batchKey: "run_x:0", indicatorIds: ["i1", "i2"] })).toBe(false);
    expect(await a.stats()).toEqual({ batchesApplied: 1, indicatorsApplied: 2 });
    expect(await b.stats()).toEqual({ batchesApplied: 0, indicatorsApplied: 0 });
  });

  it("keeps its state in the object's own SQLite storage", async () => {
    const stub = tenantCoordinator(env, "tnt_storage");
    await stub.applyIndicatorChanges({ batchKey: "run_y:3", indicatorIds: ["i9"] });
    const rows = await runInDurableObject(stub, (instance: TenantCoordinator, state) => {
      expect(instance).toBeInstanceOf(TenantCoordinator);
      return state.storage.sql.exec<{ batch_key: string }>("select batch_key from applied_batches").toArray();
    });
    expect(rows).toEqual([{ batch_key: "run_y:3" }]);
  });
});
