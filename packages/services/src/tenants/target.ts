import type { TenantTarget } from "@threatfusion/core";

export type TenantKind = "platform" | "mssp" | "client";

/**
 * The MSSP that serves a tenant: itself for an MSSP, its parent for a client, none for the platform.
 * `TenantTarget.msspId` and `UserActor.msspId` both use this, so `canAccessTenant` compares like with like.
 */
export function msspOf(tenant: { id: string; kind: string; parentId: string | null }): string | null {
  if (tenant.kind === "mssp") return tenant.id;
  if (tenant.kind === "client") return tenant.parentId;
  return null;
}

/** The `TenantTarget` of a tenant row. */
export function tenantTargetOf(tenant: { id: string; kind: string; parentId: string | null }): TenantTarget {
  return { tenantId: tenant.id, msspId: msspOf(tenant) };
}
