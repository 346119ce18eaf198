import { createLogger, newId, type Role } from "@threatfusion/core";
import {
  type IndicatorUpsertRow,
  upsertIndicators,
  upsertObservations,
  withIngestTx,
} from "@threatfusion/db";
import type { TestDatabases, TestTenantTree } from "@threatfusion/db/testing";
import { indexIndicators } from "@threatfusion/search";
import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context.ts";

/**
 * Test fixtures for the API services: a ServiceContext acting as a tenant's user, and a small global
 * catalog (a source, indicators with observations) loaded through the real bulk path and indexed for search.
 */
export function userContext(
  dbs: TestDatabases,
  tree: TestTenantTree,
  who: "mssp" | "clientA" | "clientB",
  role?: Role,
): ServiceContext {
  const tenantId = who === "mssp" ? tree.msspId : who === "clientA" ? tree.clientAId : tree.clientBId;
  return {
    db: dbs.app.db,
    actor: {
      kind: "user",
      userId: tree.userIds[who],
      role: role ?? (who === "mssp" ? "mssp_admin" : "tenant_admin"),
      tenantId,
      msspId: tree.msspId,
    },
    tenant: { tenantId, msspId: tree.msspId },
    requestId: newId("request"),
    logger: createLogger({}, "error"),
    now: () => new Date(),
  };
}

export interface SeededCatalog {
  sourceId: string;
  sourceName: string;
  ids: Map<string, string>;
}

/** Loads `rows` (type, value, …) into the global catalog under a fresh global source; returns value -> id. */
export async function seedCatalog(
  dbs: TestDatabases,
  rows: (Partial<IndicatorUpsertRow> & {
    type: string;
    value: string;
    reference?: string;
    malwareFamily?: string;
  })[],
): Promise<SeededCatalog> {
  const sourceId = newId("source");
  const sourceName = `Test source ${sourceId.slice(-6)}`;
  await dbs.admin.pool.query(
    "insert into sources (id, tenant_id, name, reliability) values ($1, null, $2, 'B')",
    [sourceId, sourceName],
  );
  const now = new Date().toISOString();
  const ids = await withIngestTx({ db: dbs.ingest.db }, async (tx) => {
    const result = await upsertIndicators(
      tx,
      rows.map((row) => ({
        type: row.type,
        value: row.value,
        firstSeen: row.firstSeen ?? now,
        lastSeen: row.lastSeen ?? now,
        confidence: row.confidence ?? 70,
        baseScore: row.baseScore ?? 60,
        tlp: row.tlp ?? "clear",
        tags: row.tags ?? [],
      })),
    );
    await upsertObservations(
      tx,
      rows.map((row) => ({
        indicatorType: row.type,
        indicatorValue: row.value,
        sourceId,
        firstSeen: row.firstSeen ?? now,
        lastSeen: row.lastSeen ?? now,
        malwareFamily: row.malwareFamily ?? null,
        reference: row.reference ?? null,
      })),
    );
    const { rows: found } = await tx.execute<{ id: string; value: string }>(
      sql`select id, value from indicators where value = any(${sql.param(rows.map((row) => row.value))}::text[])`,
    );
    await indexIndicators(
      tx,
      result.touched.map((touched) => touched.id),
    );
    return new Map(found.map((row) => [row.value, row.id]));
  });
  return { sourceId, sourceName, ids };
}
