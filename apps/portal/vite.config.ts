import { defineConfig } from "vite";
import solid from "vite-plugin-solid";
import { bundleReport } from "./scripts/bundle-report.ts";

// The pure workspace packages (ioc, core) have no module side effects; saying so lets the bundler keep
// `defang`/`refang` without pulling the public-suffix list into routes that only display indicators.
const pureWorkspacePackage = /\/packages\/(ioc|core)\/src\//;

export default defineConfig({
  plugins: [solid(), bundleReport({ budgetKb: 150, routes: ["sign-in", "dashboard"] })],
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      treeshake: { moduleSideEffects: (id) => !pureWorkspacePackage.test(id) },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8787", "/taxii2": "http://127.0.0.1:8787" } },
});
