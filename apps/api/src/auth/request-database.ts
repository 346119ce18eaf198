import { createDatabase, type Database } from "@threatfusion/db";
import type { AppContext } from "../app.ts";

/**
 * The request's app-role database: opened on first use, one per request (the Neon driver's sockets cannot
 * outlive a request inside a Worker), closed by `newApp()`'s outer middleware once the handler returned.
 * Streaming responses must finish their database reads before returning the Response.
 */
export function requestDatabase(c: AppContext): Database {
  const existing = c.get("database");
  if (existing) return existing.db;
  const config = c.get("config");
  const handle = createDatabase({ url: config.DATABASE_URL, wsProxy: config.PG_WS_PROXY });
  // An idle pooled socket closed under us (e.g. workerd ending the connection after `end()`) is reported as
  // an error event; without a listener it would surface as an uncaught exception.
  handle.pool.on("error", (error: Error) => {
    c.get("logger").debug("idle database connection closed", { error: error.message });
  });
  c.set("database", handle);
  return handle.db;
}

/**
 * Opens the request database's first connection now (WebSocket, startup, password exchange), so that its
 * cost shows as its own phase instead of inside the first query; the connection goes back to the request's
 * pool and serves the queries that follow.
 */
export async function connectRequestDatabase(c: AppContext): Promise<void> {
  requestDatabase(c);
  const handle = c.get("database");
  if (!handle) return;
  const client = await handle.pool.connect();
  client.release();
}

/** Closes the request's database if one was opened; errors while closing are logged, never thrown. */
export async function closeRequestDatabase(c: AppContext): Promise<void> {
  const handle = c.get("database");
  if (!handle) return;
  c.set("database", undefined);
  try {
    await handle.end();
  } catch (error) {
    c.get("logger").warn("closing the request database failed", {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
