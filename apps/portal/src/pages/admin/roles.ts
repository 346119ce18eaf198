import type { Role, TenantKind } from "../../api/types.ts";

export const roleLabels: Record<Role, string> = {
  platform_admin: "Platform admin",
  mssp_admin: "MSSP admin",
  mssp_analyst: "MSSP analyst",
  tenant_admin: "Admin",
  analyst: "Analyst",
  viewer: "Viewer",
};

/** Roles that exist on a tenant of this kind (the API refuses the others). */
export function rolesForKind(kind: TenantKind): Role[] {
  if (kind === "platform") return ["platform_admin"];
  if (kind === "mssp") return ["mssp_admin", "mssp_analyst"];
  return ["tenant_admin", "analyst", "viewer"];
}
