import type { App } from "../../app.ts";
import { registerActingTenant } from "./acting-tenant.ts";
import { registerMe } from "./me.ts";
import { registerMfaVerify, registerTotpDisable, registerTotpEnrolment } from "./mfa.ts";
import { registerSignIn } from "./sign-in.ts";
import { registerSignOut } from "./sign-out.ts";

/** Sign-in, sign-out, second factor and `me` under /api/v1/auth. */
export function registerAuthRoutes(app: App): void {
  registerMe(app);
  registerSignIn(app);
  registerMfaVerify(app);
  registerTotpEnrolment(app);
  registerTotpDisable(app);
  registerSignOut(app);
  registerActingTenant(app);
}
