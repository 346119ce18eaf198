import { AppError, isId } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import type { Database, DbTransaction } from "./client.ts";

/**
 * `tenant`: the acting tenant only (the default; an MSSP acting for a client passes the client's id).
 * `overview`: an MSSP (or the platform) reads its own rows and its direct children's, and still writes only
 * its own. A client asking for the overview sees exactly what it sees without it.
 */
export type TenantScope = "tenant" | "overview";

export interface TenantContext {
  db: Database;
  /** From the authenticated actor (session or API token), never from request input. */
  tenantId: string;
  scope?: TenantScope;
  /** An outer transaction opened by `withTenantTx` for the same tenant: reused, not nested. */
  tx?: DbTransaction;
  /**
   * A read-only, repeatable-read transaction, for one read split across connections: `{}` takes a fresh
   * snapshot (which `select pg_export_snapshot()` then shares), `{ snapshot }` imports the one another open
   * transaction exported, so every part sees the same rows. Not with `tx`.
   */
  readSnapshot?: { snapshot?: string };
}

export interface IngestContext {
  /** A database connected as the ingestion role (`DATABASE_INGEST_URL`). */
  db: Database;
  tx?: DbTransaction;
}

type TxFacts = { kind: "tenant"; tenantId: string; scope: TenantScope } | { kind: "ingest" };

// Which transactions this module opened, and for whom: reuse must never change the tenant mid-transaction.
const openTransactions = new WeakMap<DbTransaction, TxFacts>();

/**
 * Runs `fn` in a transaction whose row-level security sees `ctx.tenantId`: `begin`,
 * `set_config('app.tenant_id', …, true)` (transaction-local, so a pooled connection never keeps it),
 * `fn(tx)`, then commit, or rollback when `fn` throws. With `ctx.tx` it runs inside that transaction.
 *
 * @example
 * const rows = await withTenantTx({ db, tenantId: actor.tenantId }, (tx) =>
 *   tx.select().from(tenantIndicators).where(eq(tenantIndicators.status, "confirmed")));
 */
export async function withTenantTx<T>(ctx: TenantContext, fn: (tx: DbTransaction) => Promise<T>): Promise<T> {
  const scope = ctx.scope ?? "tenant";
  if (!isId("tenant", ctx.tenantId)) {
    throw new AppError("INTERNAL", "withTenantTx needs a tenant id from the authenticated actor");
  }
  const imported = ctx.readSnapshot?.snapshot;
  if (imported !== undefined && !snapshotIdPattern.test(imported)) {
    throw new AppError("INTERNAL", "not a snapshot id from pg_export_snapshot()");
  }
  if (ctx.tx) {
    if (ctx.readSnapshot) throw new AppError("INTERNAL", "a snapshot read cannot reuse an outer transaction");
    const facts = openTransactions.get(ctx.tx);
    if (facts?.kind !== "tenant" || facts.tenantId !== ctx.tenantId || facts.scope !== scope) {
      throw new AppError("INTERNAL", "the outer transaction belongs to another tenant, scope or role");
    }
    return fn(ctx.tx);
  }
  return ctx.db.transaction(
    async (tx) => {
      // The import must be the transaction's first statement; it takes no parameter (the id was checked above).
      if (imported !== undefined) await tx.execute(sql.raw(`set transaction snapshot '${imported}'`));
      await tx.execute(
        sql`select set_config('app.tenant_id', ${ctx.tenantId}, true), set_config('app.tenant_scope', ${scope}, true)`,
      );
      openTransactions.set(tx, { kind: "tenant", tenantId: ctx.tenantId, scope });
      return fn(tx);
    },
    ctx.readSnapshot ? { isolationLevel: "repeatable read", accessMode: "read only" } : undefined,
  );
}

// What `pg_export_snapshot()` returns: `<virtual xid>-<local xid>-<n>` in hex, e.g. `00000003-0000001B-1`.
const snapshotIdPattern = /^[0-9A-F]{8}-[0-9A-F]{8}-[0-9]+$/;

/**
 * Runs `fn` in a transaction of the ingestion role (global catalog writes: `upsertIndicators`,
 * `upsertObservations`, feed runs). No tenant is set: the ingestion role's own policies apply.
 */
export async function withIngestTx<T>(ctx: IngestContext, fn: (tx: DbTransaction) => Promise<T>): Promise<T> {
  if (ctx.tx) {
    if (openTransactions.get(ctx.tx)?.kind !== "ingest") {
      throw new AppError("INTERNAL", "the outer transaction is not an ingestion transaction");
    }
    return fn(ctx.tx);
  }
  return ctx.db.transaction(async (tx) => {
    openTransactions.set(tx, { kind: "ingest" });
    return fn(tx);
  });
}
