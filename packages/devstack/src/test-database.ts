import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { ensureLoginRoles, roleUrl } from "@threatfusion/db";
import { migrate } from "@threatfusion/db/migrate";
import type { TestDatabaseUrls } from "@threatfusion/db/testing";
import type { TestProject } from "vitest/node";
import { startLocalPostgres } from "./postgres.ts";
import { startWsBridge } from "./ws-bridge.ts";

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
  const root = join(import.meta.dirname, "../../..");
  const dataDir = await mkdtemp(join(root, ".data", "test-pg-"));
  const pg = await startLocalPostgres({ dataDir });
  const bridge = await startWsBridge({ target: { host: pg.host, port: pg.port } });
  const databaseName = "threatfusion_test";
  await pg.createDatabase(databaseName);
  const adminUrl = pg.superuserUrl(databaseName);
  await migrate({ url: adminUrl, wsProxy: bridge.proxyAddress });
  const passwords = { app: randomBytes(18).toString("hex"), ingest: randomBytes(18).toString("hex") };
  await ensureLoginRoles({ url: adminUrl, wsProxy: bridge.proxyAddress }, passwords);
  const database: TestDatabase = {
    adminUrl,
    appUrl: roleUrl(adminUrl, "app", passwords.app),
    ingestUrl: roleUrl(adminUrl, "ingest", passwords.ingest),
    wsProxy: bridge.proxyAddress,
    databaseName,
  };
  project.provide("database", database);
  return async () => {
    await bridge.close();
    await pg.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
