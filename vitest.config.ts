import { defineConfig } from "vitest/config";

// One command runs every test: pure packages and Node tools in Node, the Worker in workerd
// (apps/api/vitest.config.ts), all against one real PostgreSQL started by the global setup.
export default defineConfig({
  test: {
    globalSetup: ["packages/devstack/src/test-database.ts"],
    projects: [
      {
        test: {
          name: "node",
          include: [
            "packages/*/src/**/*.test.ts",
            "apps/cli/src/**/*.test.ts",
            // Worker code that only Node can check (e.g. the OpenAPI document with swagger-parser).
            "apps/api/src/**/*.node.test.ts",
            "apps/portal/src/**/*.test.ts",
          ],
          environment: "node",
          testTimeout: 20_000,
        },
      },
      "apps/api/vitest.config.ts",
      {
        // The portal's browser tests: real Chromium against the real local stack (apps/portal/e2e).
        test: {
          name: "e2e",
          include: ["apps/portal/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["apps/portal/e2e/global-setup.ts"],
          testTimeout: 90_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
