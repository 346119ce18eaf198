import type { App } from "../../app.ts";
import { bodyLimitOf } from "../body-limit.ts";
import { registerCreateAllowlistEntry } from "./create.ts";
import { registerDeleteAllowlistEntry } from "./delete.ts";
import { registerListAllowlist } from "./list.ts";

/** The tenant allowlist under /api/v1/allowlist: list, add (retroactive), remove (restores). */
export function registerAllowlistRoutes(app: App): void {
  app.use("/api/v1/allowlist", bodyLimitOf(16 * 1024));
  registerListAllowlist(app);
  registerCreateAllowlistEntry(app);
  registerDeleteAllowlistEntry(app);
}
