/**
 * Vite plugin: after the build, print the gzip size of the JavaScript a browser must load before each named
 * route can render (the entry chunk and its static imports, plus the route's lazy chunk and its static
 * imports), fail the build when a route is over budget, and write the figures to dist/bundle-report.json.
 */
import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";

interface ChunkLike {
  type: "chunk";
  fileName: string;
  code: string;
  imports: string[];
  isEntry: boolean;
  facadeModuleId: string | null;
}

export interface RouteSize {
  route: string;
  files: string[];
  rawBytes: number;
  gzipBytes: number;
}

/** Files needed by `start` through static imports only (dynamic imports load later, on demand). */
export function staticClosure(start: string, chunks: ReadonlyMap<string, ChunkLike>): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of chunks.get(file)?.imports ?? []) visit(next);
  };
  visit(start);
  return [...seen];
}

export function bundleReport(options: { budgetKb: number; routes: string[] }): Plugin {
  return {
    name: "threatfusion-bundle-report",
    apply: "build",
    generateBundle(_output, bundle) {
      const chunks = new Map<string, ChunkLike>();
      for (const item of Object.values(bundle))
        if (item.type === "chunk") chunks.set(item.fileName, item as ChunkLike);
      const entry = [...chunks.values()].find((c) => c.isEntry);
      if (!entry) return;
      const gzip = new Map<string, number>();
      const sizeOf = (file: string) => {
        const cached = gzip.get(file);
        if (cached !== undefined) return cached;
        const size = gzipSync(chunks.get(file)?.code ?? "", { level: 9 }).byteLength;
        gzip.set(file, size);
        return size;
      };
      const entryFiles = staticClosure(entry.fileName, chunks);
      const report: RouteSize[] = options.routes.map((route) => {
        const page = [...chunks.values()].find((c) => c.facadeModuleId?.endsWith(`/pages/${route}.tsx`));
        // A route that is not a lazy chunk of its own ships in the entry (sign-in does).
        const files = [
          ...new Set([...entryFiles, ...(page && !page.isEntry ? staticClosure(page.fileName, chunks) : [])]),
        ];
        return {
          route,
          files,
          rawBytes: files.reduce((sum, f) => sum + (chunks.get(f)?.code.length ?? 0), 0),
          gzipBytes: files.reduce((sum, f) => sum + sizeOf(f), 0),
        };
      });
      const lines = report.map(
        (r) =>
          `  ${`/${r.route}`.padEnd(12)} ${(r.gzipBytes / 1024).toFixed(1).padStart(6)} KB gzip  (${(r.rawBytes / 1024).toFixed(1)} KB raw, ${r.files.length} files; budget ${options.budgetKb} KB)`,
      );
      console.log(`\ninitial JavaScript per route:\n${lines.join("\n")}\n`);
      this.emitFile({
        type: "asset",
        fileName: "bundle-report.json",
        source: `${JSON.stringify({ budgetKb: options.budgetKb, routes: report }, null, 2)}\n`,
      });
      const over = report.filter((r) => r.gzipBytes > options.budgetKb * 1024);
      if (over.length > 0) {
        this.error(
          `initial JavaScript over the ${options.budgetKb} KB gzip budget: ${over.map((r) => r.route).join(", ")}`,
        );
      }
    },
  };
}
