import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureLoginRoles, roleUrl } from "@threatfusion/db";
import { migrate } from "@threatfusion/db/migrate";
import { startLocalPostgres } from "./postgres.ts";
import { startWsBridge, type WsBridge } from "./ws-bridge.ts";

/** What `provideDevDatabase` needs of a bridge: its address for the driver, and how to stop it. */
export type StartedBridge = Pick<WsBridge, "proxyAddress" | "close">;

export interface DevDatabase {
  adminUrl: string;
  appUrl: string;
  ingestUrl: string;
  /** Bridge address for the Neon driver; absent when the database is Neon itself. */
  wsProxy?: string;
  stop(): Promise<void>;
}

const databaseName = "threatfusion";
const preferredPort = 54329;

async function devRolePasswords(dataDir: string): Promise<{ app: string; ingest: string }> {
  // Stable across runs so a reused data folder keeps working; git-ignored with the rest of .data/.
  const file = join(dataDir, "dev-role-passwords.json");
  if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as { app: string; ingest: string };
  const passwords = { app: randomBytes(18).toString("hex"), ingest: randomBytes(18).toString("hex") };
  await writeFile(file, JSON.stringify(passwords), { mode: 0o600 });
  return passwords;
}

function isNeonHost(url: string): boolean {
  return new URL(url).hostname.endsWith(".neon.tech");
}

/**
 * The database of `pnpm dev`: the embedded PostgreSQL under `.data/postgres` (created on first run, reused
 * after), or the one named by DATABASE_ADMIN_URL (plus DATABASE_URL / DATABASE_INGEST_URL when the operator
 * manages the role passwords). Migrations are applied either way.
 */
export async function provideDevDatabase(options: {
  root: string;
  /** Where the embedded Postgres and the role passwords live; default `<root>/.data`. */
  dataDir?: string;
  setting: (name: string) => string | undefined;
  log: (message: string) => void;
  /** The embedded server's own output (its log), e.g. for a benchmark that reads statement statistics from it. */
  serverLog?: (message: string) => void;
  /**
   * Starts the loopback bridge (default: `startWsBridge` in this process). A benchmark passes one that runs it in
   * a process of its own, so the bridge's CPU is read apart from the benchmark's own work.
   */
  startBridge?: (target: { host: string; port: number }) => Promise<StartedBridge>;
}): Promise<DevDatabase> {
  const { root, setting, log } = options;
  const dataDir = options.dataDir ?? join(root, ".data");
  const externalAdminUrl = setting("DATABASE_ADMIN_URL");
  let adminUrl: string;
  const startBridge = options.startBridge ?? ((target) => startWsBridge({ target }));
  let bridge: StartedBridge | undefined;
  let stopServer = async () => {};

  if (externalAdminUrl) {
    adminUrl = externalAdminUrl;
    if (!isNeonHost(adminUrl)) {
      const target = new URL(adminUrl);
      bridge = await startBridge({ host: target.hostname, port: Number(target.port || 5432) });
    }
    log(`using the database at ${new URL(adminUrl).host}`);
  } else {
    const pg = await startLocalPostgres({
      dataDir: join(dataDir, "postgres"),
      port: preferredPort,
      ...(options.serverLog ? { log: options.serverLog } : {}),
    });
    stopServer = () => pg.stop();
    try {
      await pg.createDatabase(databaseName);
    } catch (error) {
      if (!String(error).includes("already exists")) throw error;
    }
    adminUrl = pg.superuserUrl(databaseName);
    bridge = await startBridge({ host: pg.host, port: pg.port });
    log(`embedded PostgreSQL on 127.0.0.1:${pg.port} (data in ${join(dataDir, "postgres")})`);
  }

  const wsProxy = bridge?.proxyAddress;
  const admin = wsProxy ? { url: adminUrl, wsProxy } : { url: adminUrl };
  const migrated = await migrate(admin);
  log(`migrations: ${migrated.applied.length} applied, ${migrated.alreadyApplied.length} already in place`);

  let appUrl = setting("DATABASE_URL");
  let ingestUrl = setting("DATABASE_INGEST_URL");
  if (!appUrl || !ingestUrl) {
    const passwords = await devRolePasswords(dataDir);
    await ensureLoginRoles(admin, passwords);
    appUrl ??= roleUrl(adminUrl, "app", passwords.app);
    ingestUrl ??= roleUrl(adminUrl, "ingest", passwords.ingest);
  }

  return {
    adminUrl,
    appUrl,
    ingestUrl,
    ...(wsProxy ? { wsProxy } : {}),
    stop: async () => {
      await bridge?.close();
      await stopServer();
    },
  };
}
