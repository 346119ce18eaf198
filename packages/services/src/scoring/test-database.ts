import { newId } from "@threatfusion/core";
import { createPool } from "@threatfusion/db";
import { migrate } from "@threatfusion/db/migrate";
import { connectTestDatabases, type TestDatabases, type TestDatabaseUrls } from "@threatfusion/db/testing";

/**
 * A migrated database of the suite's own on the test server. The scoring suites import warninglists, run
 * catalog sweeps and the scheduler over "every due row", which would reach into other suites' catalog rows
 * in the shared test database; here they see only their own.
 */
export async function createScoringTestDatabase(
  shared: TestDatabaseUrls,
): Promise<{ urls: TestDatabaseUrls; dbs: TestDatabases; drop(): Promise<void> }> {
  const name = `tf_scoring_${newId("job").slice(-12).toLowerCase()}`;
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
