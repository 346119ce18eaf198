import { type CustomTypesConfig, neon, types } from "@neondatabase/serverless";
import { AppError, isId } from "@threatfusion/core";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Database } from "./client.ts";
import { type TenantContext, withTenantTx } from "./tenant-tx.ts";

// Timestamps, dates and intervals (and their arrays) stay text, exactly as drizzle's neon-serverless session
// reads them for `tx.execute`, so a row read here is the row `withTenantTx` would have returned.
const textTypeIds = new Set([
  types.builtins.TIMESTAMPTZ,
  types.builtins.TIMESTAMP,
  types.builtins.DATE,
  types.builtins.INTERVAL,
  1115,
  1182,
  1185,
  1187,
  1231,
]);
const asDrizzleReads: CustomTypesConfig = {
  getTypeParser: ((typeId: number, format?: "text" | "binary") =>
    textTypeIds.has(typeId)
      ? (value: string) => value
      : types.getTypeParser(typeId, format)) as CustomTypesConfig["getTypeParser"],
};

const dialect = new PgDialect();

/** The driver's one-shot HTTP query function for the database's own connection string. */
function httpQueryOf(db: Database) {
  const url = db.$client.options.connectionString;
  if (url === undefined) throw new AppError("INTERNAL", "the database handle has no connection string");
  return neon(url, { fullResults: true });
}

/**
 * Runs ONE read-only statement in the acting tenant's view in one round trip: the Neon driver's HTTP query
 * endpoint runs `begin read only`, `set_config('app.tenant_id', …, true)` (transaction-local, as in
 * `withTenantTx`), the statement, and `commit` as one non-interactive transaction, so row-level security
 * sees exactly the tenant it would see in `withTenantTx`. No WebSocket or session is opened.
 *
 * When to use which: `readInTenant` for a hot read that is a single statement (token-authenticated lookups,
 * one indicator, a TAXII page); `withTenantTx` for anything that writes, needs several dependent statements,
 * a cursor, or must see its own writes. Inside an open `withTenantTx` (`ctx.tx`) the statement simply runs
 * in that transaction.
 *
 * @example
 * const rows = await readInTenant<{ n: number }>({ db, tenantId: actor.tenantId },
 *   sql`select count(*)::int as n from private_indicators`);
 */
export async function readInTenant<T extends Record<string, unknown>>(
  ctx: TenantContext,
  query: SQL,
): Promise<T[]> {
  const scope = ctx.scope ?? "tenant";
  if (!isId("tenant", ctx.tenantId)) {
    throw new AppError("INTERNAL", "readInTenant needs a tenant id from the authenticated actor");
  }
  if (ctx.tx) return (await withTenantTx(ctx, (tx) => tx.execute<T>(query))).rows as T[];
  const http = httpQueryOf(ctx.db);
  const statement = dialect.sqlToQuery(query);
  const [, result] = await http.transaction(
    [
      http.query("select set_config('app.tenant_id', $1, true), set_config('app.tenant_scope', $2, true)", [
        ctx.tenantId,
        scope,
      ]),
      http.query(statement.sql, statement.params, { types: asDrizzleReads }),
    ],
    { readOnly: true },
  );
  return (result?.rows ?? []) as T[];
}

/**
 * Runs one statement before any tenant is known (the narrow `SECURITY DEFINER` look-ups of a presented
 * credential) in one round trip over the HTTP query endpoint. No tenant setting is made: every tenant table
 * reads as empty, exactly as on a fresh pooled connection.
 */
export async function readWithoutTenant<T extends Record<string, unknown>>(
  db: Database,
  query: SQL,
): Promise<T[]> {
  const http = httpQueryOf(db);
  const statement = dialect.sqlToQuery(query);
  const result = await http.query(statement.sql, statement.params, { types: asDrizzleReads });
  return result.rows as T[];
}
