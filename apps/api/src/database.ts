import { neonConfig, Pool } from "@neondatabase/serverless";
import type { Config } from "@threatfusion/core";

/**
 * One pool per request, as the Neon driver requires inside Workers (sockets cannot outlive a request).
 * In dev and tests `PG_WS_PROXY` points the driver at the loopback WebSocket bridge to a local Postgres.
 */
export function openPool(config: Config, role: "app" | "ingest" = "app"): Pool {
  if (config.PG_WS_PROXY) {
    const proxy = config.PG_WS_PROXY;
    neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
  }
  return new Pool({
    connectionString: role === "app" ? config.DATABASE_URL : config.DATABASE_INGEST_URL,
    max: 4,
  });
}
