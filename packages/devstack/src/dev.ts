/**
 * `pnpm dev`: the whole platform on this machine, offline, with one command.
 *   embedded PostgreSQL (or DATABASE_URL) -> loopback WebSocket bridge for the Neon driver -> migrations ->
 *   demo data -> portal build -> `wrangler dev` (Worker, Durable Objects, Queues, cron ticks) on :8787.
 * Ctrl-C stops every process it started.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { parseConfig } from "@threatfusion/core";
import { type DevDatabase, provideDevDatabase } from "./dev-database.ts";
import { type ManagedProcess, runToCompletion, startProcess } from "./processes.ts";
import { seedDemo } from "./seed.ts";

const root = resolve(import.meta.dirname, "../../..");
const { values: flags } = parseArgs({
  options: {
    port: { type: "string" },
    "skip-portal-build": { type: "boolean", default: false },
    "exit-when-ready": { type: "boolean", default: false },
  },
});

const fileVars = existsSync(join(root, ".dev.vars"))
  ? parseEnv(readFileSync(join(root, ".dev.vars"), "utf8"))
  : {};
const setting = (name: string): string | undefined => process.env[name] ?? fileVars[name];
const port = Number(flags.port ?? setting("PORT") ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`pnpm dev: PORT must be a TCP port number, got "${flags.port ?? setting("PORT")}"`);
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;

const say = (message: string) => console.log(`\x1b[36m[threatfusion]\x1b[0m ${message}`);
const cleanups: Array<() => Promise<void>> = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("stopping…");
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error(error));
    }
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

async function waitForHealth(deadlineMs: number): Promise<unknown> {
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

async function main(): Promise<void> {
  say("starting the database…");
  const database: DevDatabase = await provideDevDatabase({ root, setting, log: say });
  cleanups.push(() => database.stop());

  const workerVars: Record<string, string> = {
    ENVIRONMENT: "development",
    DATABASE_URL: database.appUrl,
    DATABASE_INGEST_URL: database.ingestUrl,
    PUBLIC_ORIGIN: setting("PUBLIC_ORIGIN") ?? origin,
    ...(database.wsProxy ? { PG_WS_PROXY: database.wsProxy } : {}),
  };
  for (const name of [
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
  ]) {
    const value = setting(name);
    if (value) workerVars[name] = value;
  }
  const config = parseConfig(workerVars);
  if (!config.ok) {
    console.error(`pnpm dev: the configuration is not valid:\n  - ${config.problems.join("\n  - ")}`);
    await shutdown(1);
  }

  say("loading demo data…");
  const demo = await seedDemo({ adminUrl: database.adminUrl, wsProxy: database.wsProxy, log: say });

  if (!flags["skip-portal-build"]) {
    say("building the portal…");
    await runToCompletion("portal", "pnpm", ["--filter", "@threatfusion/portal", "build"], { cwd: root });
  }

  say(`starting the Worker on ${origin} …`);
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
      join(root, ".data", "wrangler"),
      "--show-interactive-dev-session=false",
      ...Object.entries(workerVars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    {
      cwd: root,
      env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    },
  );
  cleanups.push(() => wrangler.stop());
  void wrangler.exited.then((code) => {
    if (!stopping) {
      console.error(`pnpm dev: wrangler exited (code ${code}); stopping the platform.`);
      void shutdown(1);
    }
  });

  await waitForHealth(90_000);
  // Crons never fire by themselves in wrangler dev: tick them here once a minute.
  const tick = () =>
    fetch(`${origin}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => undefined);
  await tick();
  const timer = setInterval(tick, 60_000);
  cleanups.push(async () => clearInterval(timer));

  say("");
  say(`ThreatFusion is up:  ${origin}`);
  say(`  health:            ${origin}/api/health`);
  say(`  API docs:          ${origin}/api/docs`);
  for (const line of demo.credentials) say(`  ${line}`);
  say("Press Ctrl-C to stop everything.");
  if (flags["exit-when-ready"]) await shutdown(0);
}

main().catch(async (error: unknown) => {
  console.error(`pnpm dev: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});
