import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import type { TestDatabase } from "@threatfusion/devstack/test-database";
import { defineProject } from "vitest/config";

// Worker tests run inside real workerd, with the bindings of wrangler.toml, against the real Postgres
// that the root global setup started (reached through the loopback WebSocket bridge).
export default defineProject({
  plugins: [
    cloudflareTest(({ inject }) => {
      const database = inject<TestDatabase>("database");
      return {
        wrangler: { configPath: fileURLToPath(new URL("../../wrangler.toml", import.meta.url)) },
        miniflare: {
          bindings: {
            ENVIRONMENT: "test",
            DATABASE_URL: database.appUrl,
            DATABASE_INGEST_URL: database.ingestUrl,
            DATABASE_ADMIN_URL: database.adminUrl,
            PG_WS_PROXY: database.wsProxy,
            // Every request verifies its token against the database (tests revoke and suspend, then expect
            // the next request refused); the isolate's token cache has its own test with its own setting.
            TOKEN_CACHE_SECONDS: "0",
            // A throw-away key for sealing TOTP secrets in tests (32 bytes, base64).
            SECRETS_KEY: "dGYtdGVzdC1zZWNyZXRzLWtleS0zMi1ieXRlcy0hISE=",
          },
        },
      };
    }),
  ],
  test: {
    name: "worker",
    include: ["src/**/*.test.ts"],
    globalSetup: ["./src/testing/fake-meilisearch-setup.ts"],
    exclude: ["src/**/*.node.test.ts"],
    // Suites mint tenants in real Postgres and hash passwords; the 2-core machine is shared.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
