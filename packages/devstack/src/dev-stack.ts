/**
 * The whole platform on this machine, offline: embedded PostgreSQL (or DATABASE_ADMIN_URL) -> loopback
 * WebSocket bridge for the Neon driver -> migrations -> demo data -> portal build -> `wrangler dev` (Worker,
 * Durable Objects, Queues, cron ticks). Used by `pnpm dev` (dev.ts) and by the portal's browser tests
 * (apps/portal/e2e/global-setup.ts), so both run exactly the same stack.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { parseConfig } from "@threatfusion/core";
import { createDatabase } from "@threatfusion/db";
import { abandonClaimedRuns } from "@threatfusion/services";
import { type DevDatabase, provideDevDatabase } from "./dev-database.ts";
import { startFeedMirror } from "./feed-mirror.ts";
import { type ManagedProcess, runToCompletion, startProcess } from "./processes.ts";
import { type DemoSeedResult, seedDemo } from "./seed.ts";

export interface DevStackOptions {
  /** The repository root (where wrangler.toml lives). */
  root: string;
  /** TCP port of the Worker on 127.0.0.1. */
  port: number;
  /** Where Postgres, wrangler state and the dev role passwords live; `<root>/.data` for `pnpm dev`. */
  dataDir?: string;
  /** Skip `vite build` of the portal (the caller built it already). */
  skipPortalBuild?: boolean;
  /** Variables from the environment / `.dev.vars`; defaults to both (environment first). */
  setting?: (name: string) => string | undefined;
  log?: (message: string) => void;
  /** Lines of wrangler's own output; default prints them prefixed with `[wrangler]`. */
  onWorkerLine?: (line: string) => void;
  /** Called when wrangler exits without being asked to stop. */
  onWorkerExit?: (code: number | null) => void;
}

export interface DevStack {
  origin: string;
  port: number;
  adminUrl: string;
  wsProxy?: string;
  demo: DemoSeedResult;
  /** Stops every process the stack started, in reverse order. Safe to call twice. */
  stop(): Promise<void>;
}

/** The setting reader of `pnpm dev`: the process environment, then `<root>/.dev.vars`. */
export function devSettings(root: string): (name: string) => string | undefined {
  const fileVars = existsSync(join(root, ".dev.vars"))
    ? parseEnv(readFileSync(join(root, ".dev.vars"), "utf8"))
    : {};
  return (name) => process.env[name] ?? fileVars[name];
}

const passedThroughSettings = [
  "SEARCH_BACKEND",
  "MEILISEARCH_URL",
  "MEILISEARCH_API_KEY",
  "OPENAI_BASE_URL",
  "OPENAI_API_KEY",
  "OPENAI_MODEL",
  "ABUSECH_AUTH_KEY",
  "OTX_API_KEY",
  "MAIL_API_URL",
  "MAIL_API_KEY",
  "MAIL_FROM",
];

/**
 * The dev stack's `SECRETS_KEY` (seals TOTP secrets): the setting when given, otherwise one generated on the
 * first run and kept in the data folder, so enrolled authenticators keep working across restarts.
 */
async function devSecretsKey(
  dataDir: string,
  setting: (name: string) => string | undefined,
): Promise<string> {
  const configured = setting("SECRETS_KEY");
  if (configured) return configured;
  const file = join(dataDir, "dev-secrets-key");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const key = randomBytes(32).toString("base64");
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, key, { mode: 0o600 });
  return key;
}

async function waitForHealth(origin: string, deadlineMs: number): Promise<unknown> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${origin}/api/health`);
      last = await response.json();
      if (response.ok && (last as { status?: string }).status === "ok") return last;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the Worker did not become healthy within ${deadlineMs / 1000}s: ${JSON.stringify(last)}`);
}

/**
 * Feed runs still claimed when the stack starts belong to a previous process that died or was stopped (no
 * Worker of this stack runs yet): release them now, so due feeds are collected at the first tick instead of
 * waiting out the 15-minute lease.
 */
async function releaseStaleClaims(database: DevDatabase, log: (message: string) => void): Promise<void> {
  const ingest = createDatabase({ url: database.ingestUrl, wsProxy: database.wsProxy }, { max: 1 });
  try {
    const released = await abandonClaimedRuns({
      db: ingest.db,
      now: new Date(),
      onlyExpired: false,
      message: "the dev stack that claimed this run stopped before finishing it",
    });
    if (released.length > 0) log(`released ${released.length} feed runs left claimed by a previous run`);
  } finally {
    await ingest.end();
  }
}

/**
 * Start the local platform and resolve once `/api/health` answers ok. On failure everything started so far
 * is stopped before the error is rethrown.
 */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const { root, port } = options;
  const dataDir = options.dataDir ?? join(root, ".data");
  const setting = options.setting ?? devSettings(root);
  const log = options.log ?? ((message: string) => console.log(message));
  const origin = `http://127.0.0.1:${port}`;
  const cleanups: Array<() => Promise<void>> = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error(error));
    }
  };

  try {
    log("starting the database…");
    const database: DevDatabase = await provideDevDatabase({ root, dataDir, setting, log });
    cleanups.push(() => database.stop());

    // Offline demo: built-in feeds come from committed samples unless FEED_MIRROR_URL points elsewhere
    // (`FEED_MIRROR_URL=off`: the real feed URLs, as in production).
    const mirrorSetting = setting("FEED_MIRROR_URL");
    const mirror = mirrorSetting ? undefined : await startFeedMirror();
    if (mirror) cleanups.push(() => mirror.close());
    const mirrorUrl = mirror?.url ?? (mirrorSetting === "off" ? undefined : mirrorSetting);

    const workerVars: Record<string, string> = {
      ENVIRONMENT: "development",
      DATABASE_URL: database.appUrl,
      DATABASE_INGEST_URL: database.ingestUrl,
      PUBLIC_ORIGIN: setting("PUBLIC_ORIGIN") ?? origin,
      ...(database.wsProxy ? { PG_WS_PROXY: database.wsProxy } : {}),
      ...(mirrorUrl ? { FEED_MIRROR_URL: mirrorUrl } : {}),
      SECRETS_KEY: await devSecretsKey(dataDir, setting),
    };
    for (const name of passedThroughSettings) {
      const value = setting(name);
      if (value) workerVars[name] = value;
    }
    const config = parseConfig(workerVars);
    if (!config.ok) {
      throw new Error(`the configuration is not valid:\n  - ${config.problems.join("\n  - ")}`);
    }

    log("loading demo data…");
    const demo = await seedDemo({ adminUrl: database.adminUrl, wsProxy: database.wsProxy, log });
    await releaseStaleClaims(database, log);

    if (!options.skipPortalBuild) {
      log("building the portal…");
      await runToCompletion("portal", "pnpm", ["--filter", "@threatfusion/portal", "build"], { cwd: root });
    }

    log(`starting the Worker on ${origin} …`);
    const wrangler: ManagedProcess = startProcess(
      "wrangler",
      "pnpm",
      [
        "exec",
        "wrangler",
        "dev",
        "--local",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--test-scheduled",
        "--persist-to",
        join(dataDir, "wrangler"),
        "--show-interactive-dev-session=false",
        ...Object.entries(workerVars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
      ],
      {
        cwd: root,
        env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
        ...(options.onWorkerLine ? { onLine: options.onWorkerLine } : {}),
      },
    );
    cleanups.push(() => wrangler.stop());
    void wrangler.exited.then((code) => {
      if (!stopped) options.onWorkerExit?.(code);
    });

    await waitForHealth(origin, 90_000);
    // Crons never fire by themselves in wrangler dev: tick them here once a minute.
    const tick = () =>
      fetch(`${origin}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => undefined);
    await tick();
    const timer = setInterval(tick, 60_000);
    cleanups.push(async () => clearInterval(timer));

    return {
      origin,
      port,
      adminUrl: database.adminUrl,
      ...(database.wsProxy ? { wsProxy: database.wsProxy } : {}),
      demo,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
