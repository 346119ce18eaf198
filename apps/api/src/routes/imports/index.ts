import type { App } from "../../app.ts";
import { registerCreateImport } from "./create.ts";
import { registerGetImport } from "./get.ts";

/** Manual imports under /api/v1/imports: upload (202, queued) and progress. */
export function registerImportRoutes(app: App): void {
  registerCreateImport(app);
  registerGetImport(app);
}
