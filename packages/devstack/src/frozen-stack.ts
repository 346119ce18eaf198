import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseConfig } from "@threatfusion/core";
import { provideDevDatabase, type StartedBridge } from "./dev-database.ts";
import { runToCompletion, startProcess } from "./processes.ts";

/**
 * Which local Workers runtime serves the frozen bundle. `miniflare`: Miniflare (workerd) started directly
 * with the bindings wrangler derives from wrangler.toml (`unstable_getMiniflareWorkerOptions`: Durable
 * Objects, queues, R2, vars), requests going straight to workerd's socket. `wrangler-dev`: `wrangler dev
 * --local`, which puts its own proxy worker (a second workerd) and Node's HTTP layer in front of the same
 * Miniflare; what `pnpm dev` runs.
 */
export type FrozenRuntime = "miniflare" | "wrangler-dev";

/** A running benchmark stack: embedded Postgres (fresh, in `work`) and the Worker over a frozen bundle. */
export interface FrozenStack {
  runtime: FrozenRuntime;
  origin: string;
  adminUrl: string;
  appUrl: string;
  ingestUrl: string;
  wsProxy?: string | undefined;
  /** Serves the same frozen bundle, config and database from another runtime on `port` (side-by-side figures). */
  startWorker(runtime: FrozenRuntime, port: number): Promise<{ origin: string; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

/**
 * For benchmarks: embedded Postgres + bridge + migrations (the dev stack's own function), then the Worker
 * (`runtime`, default `miniflare`; `wrangler dev --test-scheduled` for `wrangler-dev`) on a bundle built once
 * into `work`. Other work may edit the repository meanwhile,
 * and `wrangler dev` on the sources would rebuild and restart the Worker on each change, dropping requests in
 * flight and local queue messages. Static assets are left out for the same reason (the portal folder is
 * rebuilt by other work). Resolves once `/api/health` answers.
 */
export async function startFrozenStack(options: {
  root: string;
  work: string;
  port: number;
  runtime?: FrozenRuntime;
  log: (message: string) => void;
  /** The Worker's log lines (its `console` output; with `wrangler-dev` everything the process prints). */
  onWorkerLine?: (line: string) => void;
  /** The embedded PostgreSQL's output (`provideDevDatabase`'s `serverLog`). */
  serverLog?: (message: string) => void;
  /** How to start the database bridge (`provideDevDatabase`'s `startBridge`). */
  startBridge?: (target: { host: string; port: number }) => Promise<StartedBridge>;
  healthTimeoutMs?: number;
}): Promise<FrozenStack> {
  const { root, work, port } = options;
  const runtime = options.runtime ?? "miniflare";
  const database = await provideDevDatabase({
    root,
    dataDir: work,
    setting: () => undefined,
    log: options.log,
    ...(options.serverLog ? { serverLog: options.serverLog } : {}),
    ...(options.startBridge ? { startBridge: options.startBridge } : {}),
  });
  const bundleDir = join(work, "bundle");
  // Without the portal's assets: a fresh checkout has no `apps/portal/dist`, and wrangler refuses a
  // configuration whose assets folder is missing, even for a dry run.
  const sourceToml = (await readFile(join(root, "wrangler.toml"), "utf8")).replace(
    /\[assets\][\s\S]*?\n\n/,
    "",
  );
  const sourceMain = /^main = "(.*)"$/m.exec(sourceToml)?.[1];
  if (sourceMain === undefined) {
    await database.stop();
    throw new Error("wrangler.toml names no `main` entry point");
  }
  await mkdir(join(work, "config"), { recursive: true });
  const bundleConfigPath = join(work, "config", "wrangler.bundle.toml");
  await writeFile(bundleConfigPath, sourceToml.replace(/^main = .*$/m, `main = "${join(root, sourceMain)}"`));
  try {
    await runToCompletion(
      "bundle",
      "pnpm",
      ["exec", "wrangler", "deploy", "--dry-run", "--config", bundleConfigPath, "--outdir", bundleDir],
      {
        cwd: root,
        env: { WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      },
    );
  } catch (error) {
    // A tree that does not bundle (someone's edit in progress) must not leave the database running.
    await database.stop();
    throw error;
  }
  const toml = sourceToml.replace(/^main = .*$/m, `main = "${join(bundleDir, "index.js")}"`);
  const configPath = join(work, "config", "wrangler.toml");
  await writeFile(configPath, toml);
  const vars: Record<string, string> = {
    ENVIRONMENT: "development",
    DATABASE_URL: database.appUrl,
    DATABASE_INGEST_URL: database.ingestUrl,
    ...(database.wsProxy ? { PG_WS_PROXY: database.wsProxy } : {}),
  };
  const config = parseConfig(vars);
  if (!config.ok) {
    await database.stop();
    throw new Error(config.problems.join("; "));
  }
  const startWorker = async (which: FrozenRuntime, on: number) =>
    which === "miniflare"
      ? await startMiniflare({
          configPath,
          bundleDir,
          port: on,
          vars,
          persist: join(work, `miniflare-${on}`),
        })
      : startWranglerDev({ root, configPath, port: on, vars, work, onLine: options.onWorkerLine });
  const stopWorker = await startWorker(runtime, port).catch(async (error: unknown) => {
    await database.stop();
    throw error;
  });
  const stop = async () => {
    await stopWorker();
    await database.stop();
  };
  const origin = `http://127.0.0.1:${port}`;
  const timeoutMs = options.healthTimeoutMs ?? 180_000;
  await waitHealthy(origin, timeoutMs, stop);
  return {
    runtime,
    startWorker: async (which, on) => {
      const stopOther = await startWorker(which, on);
      const otherOrigin = `http://127.0.0.1:${on}`;
      await waitHealthy(otherOrigin, timeoutMs, stopOther);
      return { origin: otherOrigin, stop: stopOther };
    },
    origin,
    adminUrl: database.adminUrl,
    appUrl: database.appUrl,
    ingestUrl: database.ingestUrl,
    wsProxy: database.wsProxy,
    stop,
  };
}

/** Resolves once `origin`'s `/api/health` answers; stops (`stop`) and throws after `timeoutMs`. */
async function waitHealthy(origin: string, timeoutMs: number, stop: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await fetch(`${origin}/api/health`).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Worker at ${origin} did not become healthy in ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The runtime's own floor for benchmarks: a Worker that answers every request with an empty 200 and does
 * nothing else (no app, no bindings), on Miniflare like the default frozen runtime.
 */
export async function startEmptyWorker(port: number): Promise<{ origin: string; stop(): Promise<void> }> {
  const { convertV4MiniflareOptions, Miniflare } = await import("miniflare");
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port,
      name: "empty",
      compatibilityDate: "2026-11-01",
      modules: true,
      script: "export default { fetch() { return new Response(null); } };",
    }),
  );
  await miniflare.ready;
  return { origin: `http://127.0.0.1:${port}`, stop: () => miniflare.dispose() };
}

/**
 * A bundled module Worker with no bindings (`scriptPath`, e.g. what wrangler's `--dry-run --outdir` writes) on
 * Miniflare, for benchmarks of Worker-side code in workerd itself.
 */
export async function startBundledWorker(options: {
  port: number;
  scriptPath: string;
  compatibilityFlags?: string[];
}): Promise<{ origin: string; stop(): Promise<void> }> {
  const { convertV4MiniflareOptions, Miniflare } = await import("miniflare");
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: options.port,
      name: "bundled",
      compatibilityDate: "2026-11-01",
      compatibilityFlags: options.compatibilityFlags ?? ["nodejs_compat"],
      modules: true,
      modulesRoot: dirname(options.scriptPath),
      scriptPath: options.scriptPath,
    }),
  );
  await miniflare.ready;
  return { origin: `http://127.0.0.1:${options.port}`, stop: () => miniflare.dispose() };
}

/** `wrangler dev --local` over the frozen config; resolves to its stop function. */
function startWranglerDev(options: {
  root: string;
  configPath: string;
  port: number;
  vars: Record<string, string>;
  work: string;
  onLine?: ((line: string) => void) | undefined;
}): () => Promise<void> {
  const wrangler = startProcess(
    "wrangler",
    "pnpm",
    [
      "exec",
      "wrangler",
      "dev",
      "--config",
      options.configPath,
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(options.port),
      "--test-scheduled",
      "--persist-to",
      join(options.work, "wrangler"),
      "--show-interactive-dev-session=false",
      ...Object.entries(options.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    {
      cwd: options.root,
      env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
      onLine: (line) => options.onLine?.(line),
    },
  );
  return () => wrangler.stop();
}

/**
 * Miniflare directly: the bundle as ES modules, with the bindings wrangler itself would give it (Durable
 * Objects with SQLite storage, queue producers and consumers, R2, vars) plus the stack's vars, persisted
 * under `persist`. Resolves to its stop function once workerd listens.
 */
async function startMiniflare(options: {
  configPath: string;
  bundleDir: string;
  port: number;
  vars: Record<string, string>;
  persist: string;
  onLine?: ((line: string) => void) | undefined;
}): Promise<() => Promise<void>> {
  // Loaded only here: the wrangler-dev runtime and the rest of devstack do not need them.
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const { convertV4MiniflareOptions, Miniflare } = await import("miniflare");
  type Bindings = NonNullable<import("miniflare").V4WorkerOptions["bindings"]>;
  // Module rules only matter to wrangler's own bundling; the bundle here is built already.
  const { modulesRules: _bundlingOnly, ...workerOptions } = unstable_getMiniflareWorkerOptions(
    options.configPath,
  ).workerOptions;
  // wrangler hands out options in Miniflare's v4 shape, which Miniflare 5 converts itself (as wrangler does).
  const v4Options: Parameters<typeof convertV4MiniflareOptions>[0] = {
    host: "127.0.0.1",
    port: options.port,
    defaultPersistRoot: options.persist,
    ...(options.onLine === undefined
      ? {}
      : { handleStructuredLogs: (log: { message: string }) => options.onLine?.(log.message) }),
    workers: [
      {
        ...workerOptions,
        name: "threatfusion",
        modules: true,
        modulesRoot: options.bundleDir,
        scriptPath: join(options.bundleDir, "index.js"),
        // The vars of wrangler.toml, then the stack's (database URLs, bridge), as `--var` does for wrangler dev.
        bindings: { ...(workerOptions.bindings as Bindings | undefined), ...options.vars },
      },
    ],
  };
  const miniflare = new Miniflare(convertV4MiniflareOptions(v4Options));
  await miniflare.ready;
  return () => miniflare.dispose();
}
