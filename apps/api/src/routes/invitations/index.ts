import type { App } from "../../app.ts";
import { registerAcceptInvitation } from "./accept.ts";
import { registerCreateInvitation } from "./create.ts";
import { registerListInvitations } from "./list.ts";
import { registerPreviewInvitation } from "./preview.ts";
import { registerRevokeInvitation } from "./revoke.ts";

/** Invitations: created under a tenant, accepted anonymously with the link's token. */
export function registerInvitationRoutes(app: App): void {
  registerCreateInvitation(app);
  registerListInvitations(app);
  registerPreviewInvitation(app);
  registerAcceptInvitation(app);
  registerRevokeInvitation(app);
}
