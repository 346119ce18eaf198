import type { App } from "../../app.ts";
import { registerCreateImport } from "./create.ts";

/** Manual imports under /api/v1/imports (the body is streamed; its size limit is checked in the route). */
export function registerImportRoutes(app: App): void {
  registerCreateImport(app);
}
