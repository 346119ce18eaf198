/**
 * Vitest global setup of the `e2e` project: the real local stack (embedded Postgres, migrations, demo data,
 * wrangler dev with the built portal) in a fresh data folder, through the same `startDevStack()` that
 * `pnpm dev` uses. The portal must be built first (`pnpm test:e2e` does it).
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { findFreePort, startDevStack } from "@threatfusion/devstack";
import type { TestProject } from "vitest/node";
import type { StackFacts } from "./stack.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = resolve(import.meta.dirname, "../../..");
  if (!existsSync(join(root, "apps/portal/dist/index.html"))) {
    throw new Error("the portal is not built: run `pnpm test:e2e` (it builds first) or `pnpm build:portal`");
  }
  await mkdir(join(root, ".data"), { recursive: true });
  const dataDir = await mkdtemp(join(root, ".data", "e2e-"));
  // Postgres runs as its own user when the tests run as root: it must be able to enter the folder.
  await chmod(dataDir, 0o755);
  const port = await findFreePort(0);
  const lines: string[] = [];
  const stack = await startDevStack({
    root,
    port,
    dataDir,
    skipPortalBuild: true,
    // Only problems reach the test output; the rest is kept for a failure report.
    log: (message) => lines.push(message),
    onWorkerLine: (line) => {
      lines.push(line);
      if (/error|exception/i.test(line) && !/ErrorNotice|error envelope/.test(line))
        console.error(`[wrangler] ${line}`);
    },
  }).catch(async (error: unknown) => {
    console.error(lines.slice(-40).join("\n"));
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const facts: StackFacts = {
    origin: stack.origin,
    adminUrl: stack.adminUrl,
    wsProxy: stack.wsProxy ?? null,
    accounts: stack.demo.accounts ?? [],
    credentials: stack.demo.credentials,
  };
  project.provide("stack", facts);
  return async () => {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
