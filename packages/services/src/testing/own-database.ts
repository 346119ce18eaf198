import { newId } from "@threatfusion/core";
import { createPool } from "@threatfusion/db";
import { migrate } from "@threatfusion/db/migrate";
import {
  connectTestDatabases,
  createTenantTree,
  type TestDatabases,
  type TestDatabaseUrls,
  type TestTenantTree,
} from "@threatfusion/db/testing";
import { afterAll, beforeAll, inject } from "vitest";

/**
 * A migrated database of the suite's own on the test server. Suites that import warninglists, run catalog
 * sweeps, the scheduler over "every due row" or feed chunks would reach into other suites' catalog rows in
 * the shared test database; here they see only their own. Prefer `useOwnTestDatabase` in a test file.
 */
async function createOwnTestDatabase(
  shared: TestDatabaseUrls,
): Promise<{ urls: TestDatabaseUrls; dbs: TestDatabases; drop(): Promise<void> }> {
  const name = `tf_own_${newId("job").slice(-12).toLowerCase()}`;
  const admin = createPool({ url: shared.adminUrl, wsProxy: shared.wsProxy }, { max: 1 });
  admin.on("error", () => undefined);
  await admin.query(`create database ${name}`);
  await admin.end();
  const rename = (url: string) => {
    const parsed = new URL(url);
    parsed.pathname = `/${name}`;
    return parsed.toString();
  };
  const urls: TestDatabaseUrls = {
    adminUrl: rename(shared.adminUrl),
    appUrl: rename(shared.appUrl),
    ingestUrl: rename(shared.ingestUrl),
    wsProxy: shared.wsProxy,
    databaseName: name,
  };
  await migrate({ url: urls.adminUrl, wsProxy: urls.wsProxy });
  const dbs = connectTestDatabases(urls);
  return {
    urls,
    dbs,
    drop: async () => {
      await dbs.end();
      const cleaner = createPool({ url: shared.adminUrl, wsProxy: shared.wsProxy }, { max: 1 });
      cleaner.on("error", () => undefined);
      await cleaner.query(`drop database if exists ${name} with (force)`);
      await cleaner.end();
    },
  };
}

/** A suite's own database (see `createOwnTestDatabase`), read inside its tests and hooks. */
export interface OwnTestDatabase {
  readonly dbs: TestDatabases;
  readonly urls: TestDatabaseUrls;
  /** The MSSP and client tenants of `tenantTree`; reading it without that option throws. */
  readonly tree: TestTenantTree;
}

/**
 * Gives the calling suite its own migrated database (and, with `tenantTree`, a tenant tree named by it):
 * created before the suite's first test, before the `beforeAll` hooks registered after this call, and
 * dropped after its last test, after the `afterAll` hooks registered after this call. Call it at the top
 * level of a test file.
 */
export function useOwnTestDatabase(options: { tenantTree?: string } = {}): OwnTestDatabase {
  let database: Awaited<ReturnType<typeof createOwnTestDatabase>> | undefined;
  let tree: TestTenantTree | undefined;
  beforeAll(async () => {
    database = await createOwnTestDatabase(inject("database"));
    if (options.tenantTree !== undefined) {
      tree = await createTenantTree(
        { url: database.urls.adminUrl, wsProxy: database.urls.wsProxy },
        options.tenantTree,
      );
    }
  }, 60_000);
  afterAll(async () => {
    await tree?.cleanup();
    await database?.drop();
  });
  const created = () => {
    if (database === undefined) throw new Error("the suite's database is read before its beforeAll ran");
    return database;
  };
  return {
    get dbs() {
      return created().dbs;
    },
    get urls() {
      return created().urls;
    },
    get tree() {
      if (tree === undefined) throw new Error("this suite's database was created without a tenantTree");
      return tree;
    },
  };
}

/** A global source of `reliability` and its feed with one open run, as the cron's claim leaves them. */
export async function openGlobalFeedRun(
  dbs: TestDatabases,
  reliability = "B",
): Promise<{ runId: string; feedId: string }> {
  const sourceId = newId("source");
  const feedId = newId("feed");
  const runId = newId("feedRun");
  await dbs.admin.pool.query(
    "insert into sources (id, tenant_id, name, reliability) values ($1, null, $2, $3)",
    [sourceId, `source ${sourceId.slice(-6)}`, reliability],
  );
  await dbs.admin.pool.query(
    "insert into feeds (id, tenant_id, source_id, name, url, format, enabled) values ($1, null, $2, $3, 'http://127.0.0.1/x', 'text', false)",
    [feedId, sourceId, `feed ${feedId}`],
  );
  await dbs.admin.pool.query("insert into feed_runs (id, feed_id, tenant_id) values ($1, $2, null)", [
    runId,
    feedId,
  ]);
  return { runId, feedId };
}
