import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureLoginRoles, roleUrl } from "@threatfusion/db";
import { migrate } from "@threatfusion/db/migrate";
import type { TestDatabaseUrls } from "@threatfusion/db/testing";
import { type LocalPostgres, startLocalPostgres } from "./postgres.ts";
import { startWsBridge, type WsBridge } from "./ws-bridge.ts";

/** A migrated database on a PostgreSQL server of its own, reached through the loopback bridge. */
export interface ThrowawayDatabase extends TestDatabaseUrls {
  pg: LocalPostgres;
  bridge: WsBridge;
  /** The folder made for this server (its data folder is `postgres` inside). */
  folder: string;
  /** Ends the bridge and the server and removes the folder. */
  stop(): Promise<void>;
}

/**
 * One way to start what the test run and every database benchmark start from: a fresh PostgreSQL in a new
 * folder, the loopback WebSocket bridge, the database migrated, and the two login roles (tf_app, tf_ingest)
 * with passwords made up for this start. `stop()` removes the folder. A run killed before its `stop()` leaves
 * its folder behind (a 1M benchmark's is several GB: session 5 found 70 GB of them filling the disk), so each
 * start first removes the folders of its kind whose server is gone.
 */
export async function startThrowawayDatabase(options: {
  /** Start of the folder's name, e.g. `tf-bench-search-`; also what the sweep of dead folders matches. */
  prefix: string;
  /** Where the folder is made (default: the OS temporary folder). */
  parent?: string;
  databaseName?: string;
  /** Extra server settings, e.g. `catalogBenchSettings`. */
  settings?: Readonly<Record<string, string>>;
  log?: (line: string) => void;
}): Promise<ThrowawayDatabase> {
  const parent = options.parent ?? tmpdir();
  await mkdir(parent, { recursive: true });
  await removeDeadServerFolders(parent, options.prefix);
  const folder = await mkdtemp(join(parent, options.prefix));
  // When the process runs as root, the embedded server runs as its own user and must reach the folder.
  await chmod(folder, 0o755);
  const pg = await startLocalPostgres({
    dataDir: join(folder, "postgres"),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  let bridge: WsBridge | undefined;
  const stop = async () => {
    await bridge?.close();
    await pg.stop();
    await rm(folder, { recursive: true, force: true });
  };
  try {
    bridge = await startWsBridge({ target: { host: pg.host, port: pg.port } });
    const databaseName = options.databaseName ?? "bench";
    await pg.createDatabase(databaseName);
    const adminUrl = pg.superuserUrl(databaseName);
    const wsProxy = bridge.proxyAddress;
    await migrate({ url: adminUrl, wsProxy });
    const passwords = { app: randomBytes(18).toString("hex"), ingest: randomBytes(18).toString("hex") };
    await ensureLoginRoles({ url: adminUrl, wsProxy }, passwords);
    return {
      adminUrl,
      appUrl: roleUrl(adminUrl, "app", passwords.app),
      ingestUrl: roleUrl(adminUrl, "ingest", passwords.ingest),
      wsProxy,
      databaseName,
      pg,
      bridge,
      folder,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A folder younger than this without a server lock may still be starting (initdb): left alone. */
const startingGraceMs = 60 * 60 * 1000;

/**
 * Removes the folders in `parent` named `<prefix>…` whose server (data folder `postgres` inside) is no longer
 * running: what a killed run leaves behind. A folder with no server lock is left alone for an hour (it may be
 * starting).
 */
export async function removeDeadServerFolders(parent: string, prefix: string): Promise<void> {
  const names = await readdir(parent).catch(() => []);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const folder = join(parent, name);
    const pid = await readFile(join(folder, "postgres", "postmaster.pid"), "utf8").then(
      (text) => Number(text.split("\n")[0]),
      () => undefined,
    );
    if (pid === undefined) {
      const modified = await stat(folder).then(
        (facts) => facts.mtimeMs,
        () => Date.now(),
      );
      if (Date.now() - modified < startingGraceMs) continue;
    } else if (isAlive(pid)) {
      continue;
    }
    await rm(folder, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
