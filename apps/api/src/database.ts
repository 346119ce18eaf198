import type { Pool } from "@neondatabase/serverless";
import type { Config } from "@threatfusion/core";
import { createPool } from "@threatfusion/db";

/**
 * One pool per request, as the Neon driver requires inside Workers (sockets cannot outlive a request).
 * In dev and tests `PG_WS_PROXY` points the driver at the loopback bridge to a local Postgres.
 */
export function openPool(config: Config, role: "app" | "ingest" = "app"): Pool {
  return createPool({
    url: role === "app" ? config.DATABASE_URL : config.DATABASE_INGEST_URL,
    ...(config.PG_WS_PROXY ? { wsProxy: config.PG_WS_PROXY } : {}),
  });
}
