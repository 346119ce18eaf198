import { AppError } from "@threatfusion/core";
import { createDatabase, type Database } from "@threatfusion/db";
import { readConfig } from "../env.ts";

/** The two databases a queue or cron invocation of ingestion needs, opened together and closed together. */
export interface IngestionDatabases {
  /** Ingestion role: global catalog, runs, ledger. */
  ingestDb: Database;
  /** Application role: tenant-private feeds inside that tenant's transaction. */
  appDb: Database;
}

/**
 * Opens both pools for one invocation (the Neon driver's sockets cannot outlive it inside a Worker), runs
 * `fn`, and closes them whatever happens.
 */
export async function withIngestionDatabases<T>(
  env: Env,
  fn: (dbs: IngestionDatabases) => Promise<T>,
): Promise<T> {
  const result = readConfig(env);
  if (!result.ok)
    throw new AppError("SERVICE_UNAVAILABLE", `Configuration is invalid: ${result.problems.join("; ")}`);
  const { config } = result;
  const ingest = createDatabase({ url: config.DATABASE_INGEST_URL, wsProxy: config.PG_WS_PROXY }, { max: 2 });
  const app = createDatabase({ url: config.DATABASE_URL, wsProxy: config.PG_WS_PROXY }, { max: 2 });
  // An idle pooled connection whose socket drops emits "error" on the pool; unhandled, it would crash the
  // isolate. The next query reconnects, and a failing query still throws where it is awaited.
  for (const pool of [ingest.pool, app.pool]) pool.on("error", () => undefined);
  try {
    return await fn({ ingestDb: ingest.db, appDb: app.db });
  } finally {
    await Promise.allSettled([ingest.end(), app.end()]);
  }
}

/** Secrets by the names the feed catalog uses. */
export function feedSecrets(env: Env): Record<string, string | undefined> {
  const result = readConfig(env);
  if (!result.ok) return {};
  return { abusech_auth_key: result.config.ABUSECH_AUTH_KEY, otx_api_key: result.config.OTX_API_KEY };
}

export function feedMirrorUrl(env: Env): string | undefined {
  const result = readConfig(env);
  return result.ok ? result.config.FEED_MIRROR_URL : undefined;
}
