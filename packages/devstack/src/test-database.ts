import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { ensureLoginRoles, roleUrl } from "@threatfusion/db";
import { migrate } from "@threatfusion/db/migrate";
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
export interface TestDatabase {
  /** Owner/superuser: migrations and fixtures only. */
  adminUrl: string;
  /** The application role: owns nothing, bound by row-level security. */
  appUrl: string;
  /** The ingestion role: writes the global catalog. */
  ingestUrl: string;
  /** `neonConfig.wsProxy` base address of the bridge, e.g. `127.0.0.1:PORT/v1`. */
  wsProxy: string;
  /** The migrated database's name on that server. */
  databaseName: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    database: TestDatabase;
  }
}

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
