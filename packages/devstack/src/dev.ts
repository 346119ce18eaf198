/**
 * `pnpm dev`: the whole platform on this machine, offline, with one command (see dev-stack.ts for what
 * starts). Ctrl-C stops every process it started.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type DevStack, devSettings, startDevStack } from "./dev-stack.ts";

const root = resolve(import.meta.dirname, "../../..");
const { values: flags } = parseArgs({
  options: {
    port: { type: "string" },
    "skip-portal-build": { type: "boolean", default: false },
    "exit-when-ready": { type: "boolean", default: false },
  },
});

const setting = devSettings(root);
const port = Number(flags.port ?? setting("PORT") ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`pnpm dev: PORT must be a TCP port number, got "${flags.port ?? setting("PORT")}"`);
  process.exit(2);
}

const say = (message: string) => console.log(`\x1b[36m[threatfusion]\x1b[0m ${message}`);
let stack: DevStack | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("stopping…");
    await stack?.stop();
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

async function main(): Promise<void> {
  stack = await startDevStack({
    root,
    port,
    setting,
    log: say,
    skipPortalBuild: flags["skip-portal-build"],
    onWorkerExit: (code) => {
      console.error(`pnpm dev: wrangler exited (code ${code}); stopping the platform.`);
      void shutdown(1);
    },
  });
  const { origin } = stack;
  say("");
  say(`ThreatFusion is up:  ${origin}`);
  say(`  portal:            ${origin}/`);
  say(`  health:            ${origin}/api/health`);
  say(`  API docs:          ${origin}/api/docs`);
  for (const line of stack.demo.credentials) say(`  ${line}`);
  say("Press Ctrl-C to stop everything.");
  if (flags["exit-when-ready"]) await shutdown(0);
}

main().catch(async (error: unknown) => {
  console.error(`pnpm dev: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});
