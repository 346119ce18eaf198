import { join } from "node:path";
import type { TestDatabaseUrls } from "@threatfusion/db/testing";
import type { TestProject } from "vitest/node";
import { startThrowawayDatabase } from "./throwaway-database.ts";

/**
 * Vitest global setup: one real PostgreSQL for the whole test run, in a fresh throw-away data folder (so
 * concurrent runs never share state), plus the loopback WebSocket bridge for the Neon driver.
 * Tests read the connection facts with `inject("database")`; Worker tests get them as bindings.
 * The database is migrated once; `appUrl` and `ingestUrl` log in as the real roles (tf_app, tf_ingest)
 * with passwords made up for this run.
 */
/** What `inject("database")` returns (declared with the fixtures in `@threatfusion/db/testing`). */
export type TestDatabase = TestDatabaseUrls;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await startThrowawayDatabase({
    prefix: "test-pg-",
    parent: join(import.meta.dirname, "../../..", ".data"),
    databaseName: "threatfusion_test",
  });
  const { adminUrl, appUrl, ingestUrl, wsProxy, databaseName } = database;
  project.provide("database", { adminUrl, appUrl, ingestUrl, wsProxy, databaseName } satisfies TestDatabase);
  return database.stop;
}
