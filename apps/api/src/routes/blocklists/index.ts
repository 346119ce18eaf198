import type { App } from "../../app.ts";
import { registerGetBlocklist } from "./get.ts";

/** Firewall blocklists (EDL) with ETag and `since` diffs. */
export function registerBlocklistRoutes(app: App): void {
  registerGetBlocklist(app);
}
