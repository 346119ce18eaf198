import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseConfig } from "@threatfusion/core";
import { provideDevDatabase } from "./dev-database.ts";
import { runToCompletion, startProcess } from "./processes.ts";

/** A running benchmark stack: embedded Postgres (fresh, in `work`) and `wrangler dev` over a frozen bundle. */
export interface FrozenStack {
  origin: string;
  adminUrl: string;
  appUrl: string;
  ingestUrl: string;
  wsProxy?: string | undefined;
  stop(): Promise<void>;
}

/**
 * For benchmarks: embedded Postgres + bridge + migrations (the dev stack's own function), then `wrangler dev`
 * (with `--test-scheduled`) on a bundle built once into `work`. Other work may edit the repository meanwhile,
 * and `wrangler dev` on the sources would rebuild and restart the Worker on each change, dropping requests in
 * flight and local queue messages. Static assets are left out for the same reason (the portal folder is
 * rebuilt by other work). Resolves once `/api/health` answers.
 */
export async function startFrozenStack(options: {
  root: string;
  work: string;
  port: number;
  log: (message: string) => void;
  onWorkerLine?: (line: string) => void;
  healthTimeoutMs?: number;
}): Promise<FrozenStack> {
  const { root, work, port } = options;
  const database = await provideDevDatabase({
    root,
    dataDir: work,
    setting: () => undefined,
    log: options.log,
  });
  const bundleDir = join(work, "bundle");
  try {
    await runToCompletion(
      "bundle",
      "pnpm",
      ["exec", "wrangler", "deploy", "--dry-run", "--outdir", bundleDir],
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
  const toml = (await readFile(join(root, "wrangler.toml"), "utf8"))
    .replace(/^main = .*$/m, `main = "${join(bundleDir, "index.js")}"`)
    .replace(/\[assets\][\s\S]*?\n\n/, "");
  await mkdir(join(work, "config"));
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
  const wrangler = startProcess(
    "wrangler",
    "pnpm",
    [
      "exec",
      "wrangler",
      "dev",
      "--config",
      configPath,
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--test-scheduled",
      "--persist-to",
      join(work, "wrangler"),
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    {
      cwd: root,
      env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
      onLine: (line) => options.onWorkerLine?.(line),
    },
  );
  const stop = async () => {
    await wrangler.stop();
    await database.stop();
  };
  const origin = `http://127.0.0.1:${port}`;
  const timeoutMs = options.healthTimeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  while (
    !(await fetch(`${origin}/api/health`).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Worker did not become healthy in ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    origin,
    adminUrl: database.adminUrl,
    appUrl: database.appUrl,
    ingestUrl: database.ingestUrl,
    wsProxy: database.wsProxy,
    stop,
  };
}
