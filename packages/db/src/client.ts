import { Client, neonConfig, Pool } from "@neondatabase/serverless";
import { AppError } from "@threatfusion/core";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { NeonQueryResultHKT } from "drizzle-orm/neon-serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import type { PgTransaction } from "drizzle-orm/pg-core";
import * as schema from "./schema.ts";

/** Where and how to connect. `wsProxy` (the loopback bridge, `127.0.0.1:PORT/v1`) is for dev and tests only. */
export interface DatabaseConfig {
  url: string;
  wsProxy?: string | undefined;
}

export type Schema = typeof schema;
export type Database = NeonDatabase<Schema> & { $client: Pool };
export type DbTransaction = PgTransaction<NeonQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** A drizzle database over its own Pool; `end()` closes the pool (once per request inside a Worker). */
export interface DatabaseHandle {
  db: Database;
  pool: Pool;
  end(): Promise<void>;
}

/**
 * Points the Neon driver at the dev/test bridge (`127.0.0.1:PORT/v1`): WebSockets for `Pool`/`Client`, and
 * the same port's `/sql` for one-shot HTTP queries (`readInTenant`), as Neon's proxy serves both. The
 * setting is process-wide in the driver; a process talks to one database server, so one value is enough.
 * Without it (production) the driver derives Neon's own endpoints from the connection string's host.
 */
export function useWsProxy(wsProxy: string): void {
  neonConfig.wsProxy = (host, port) => `${wsProxy}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.fetchEndpoint = bridgeHttpEndpoint(wsProxy);
}

/** The bridge's HTTP query endpoint for its WebSocket address: `127.0.0.1:PORT/v1` -> `http://127.0.0.1:PORT/sql`. */
export function bridgeHttpEndpoint(wsProxy: string): string {
  return `http://${wsProxy.replace(/\/v1$/, "")}/sql`;
}

/**
 * A Neon `Pool` for the given config (applies `wsProxy` when present). An idle client whose socket closes (in a
 * Worker, every socket closes when its request ends) makes the pool emit `error`; without a listener that
 * event is thrown as an uncaught exception. The pool drops that client either way, and a query in flight gets
 * its own error through its promise, so the listener has nothing more to do.
 */
export function createPool(config: DatabaseConfig, options: { max?: number } = {}): Pool {
  if (config.wsProxy) useWsProxy(config.wsProxy);
  const pool = new Pool({ connectionString: config.url, max: options.max ?? 4 });
  pool.on("error", () => {});
  return pool;
}

/** A single Neon `Client`, not yet connected (migrations and admin tools). */
export function createClient(config: DatabaseConfig): Client {
  if (config.wsProxy) useWsProxy(config.wsProxy);
  return new Client({ connectionString: config.url });
}

/**
 * A drizzle database over a fresh Pool.
 *
 * @example
 * const { db, end } = createDatabase(databaseConfigFromEnv(env, "app"));
 * try { await withTenantTx({ db, tenantId }, (tx) => tx.select().from(sightings)); } finally { await end(); }
 */
export function createDatabase(config: DatabaseConfig, options: { max?: number } = {}): DatabaseHandle {
  const pool = createPool(config, options);
  const db = drizzle({ client: pool, schema }) as Database;
  return { db, pool, end: () => pool.end() };
}

export type DatabaseRole = "app" | "ingest" | "admin";

const urlVariable: Record<DatabaseRole, string> = {
  app: "DATABASE_URL",
  ingest: "DATABASE_INGEST_URL",
  admin: "DATABASE_ADMIN_URL",
};

/**
 * Reads a connection config from environment-style bindings: `DATABASE_URL` (app role),
 * `DATABASE_INGEST_URL` (ingest role), `DATABASE_ADMIN_URL` (owner, migrations) and `PG_WS_PROXY`
 * (dev/test bridge only). Throws `AppError("INTERNAL")` naming the missing variable.
 */
export function databaseConfigFromEnv(
  env: Record<string, string | undefined>,
  role: DatabaseRole,
): DatabaseConfig {
  const name = urlVariable[role];
  const url = env[name];
  if (!url) throw new AppError("INTERNAL", `${name} is not set`);
  const wsProxy = env.PG_WS_PROXY;
  return wsProxy ? { url, wsProxy } : { url };
}

/**
 * Yields until queries issued before the call have been written to the connection. The Neon driver
 * (`@neondatabase/serverless`) sends from a `setTimeout(0)`: JavaScript that holds the event loop right after
 * a query is issued would hold the query back too, leaving PostgreSQL idle. The first timer is armed before
 * drizzle's promise chain (microtasks) reaches the driver, which arms its flush timer then; the second, armed
 * when the first fires, fires after the driver's. Timers only: this runs in Workers too.
 *
 * @example
 * const next = tx.execute(nextRangeStatement); // sent while this range is judged
 * await untilQueriesSent();
 * judge(currentRange);
 */
export async function untilQueriesSent(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
}
