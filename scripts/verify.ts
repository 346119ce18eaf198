/**
 * `pnpm verify`: the fast gate, no database needed. Format and lint (Biome), typecheck (tsc -b, and the
 * benchmarks as one program of their own), the generated Worker binding types and the portal's generated API
 * types are fresh, and the Worker bundles (`wrangler deploy --dry-run`).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const typesFile = join(root, "apps/api/worker-configuration.d.ts");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

function step(name: string, command: string, args: string[]): void {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`verify: ${name} failed (${seconds}s)`);
    process.exit(result.status ?? 1);
  }
  console.log(`verify: ${name} ok (${seconds}s)`);
}

step("biome (format + lint)", "pnpm", ["exec", "biome", "ci", "."]);
step("typecheck", "pnpm", ["exec", "tsc", "-b"]);
// Benchmarks run in Node outside the project references; one program checks them all (DOM for the portal's page code).
step("typecheck benchmarks", "pnpm", ["exec", "tsc", "-p", "tsconfig.bench.json"]);

const committedTypes = readFileSync(typesFile, "utf8");
step("wrangler types", "pnpm", ["run", "--silent", "types:worker"]);
if (readFileSync(typesFile, "utf8") !== committedTypes) {
  console.error("verify: apps/api/worker-configuration.d.ts was stale; it has been regenerated. Commit it.");
  process.exit(1);
}

// The portal's API types are generated from the Worker's OpenAPI document; a route change must regenerate them.
step("portal API types fresh", "pnpm", [
  "--silent",
  "--filter",
  "@threatfusion/portal",
  "api-types",
  "--check",
]);
step("portal build", "pnpm", ["run", "--silent", "build:portal"]);
const outDir = join(root, ".data", "dry-run");
step("wrangler deploy --dry-run", "pnpm", ["exec", "wrangler", "deploy", "--dry-run", "--outdir", outDir]);
rmSync(outDir, { recursive: true, force: true });
console.log("verify: all checks passed");
