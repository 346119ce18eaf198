import { createDatabase, type Database } from "@threatfusion/db";
import type { AppContext } from "../../app.ts";

/**
 * The ingestion-role database for the few routes that write what the app role may not (feed runs of an
 * import, platform operations on global feeds). Opened for the call and closed after it.
 */
export async function withIngestDatabase<T>(c: AppContext, fn: (db: Database) => Promise<T>): Promise<T> {
  const config = c.get("config");
  const handle = createDatabase({ url: config.DATABASE_INGEST_URL, wsProxy: config.PG_WS_PROXY }, { max: 2 });
  // A dropped idle socket must not crash the isolate (see ingestion/databases.ts).
  handle.pool.on("error", () => undefined);
  try {
    return await fn(handle.db);
  } finally {
    await handle.end().catch(() => undefined);
  }
}
