/**
 * Who is signed in, which tenant they act in, and what happens when the session ends. Module-level
 * signals: there is one session per tab.
 */
import { createRoot, createSignal } from "solid-js";
import { getMe, switchActingTenant } from "./api/endpoints.ts";
import type { Me, Role, TenantRef } from "./api/types.ts";

export const session = createRoot(() => {
  const [me, setMe] = createSignal<Me | null | undefined>(undefined);

  async function refresh(): Promise<Me | null> {
    const current = await getMe();
    setMe(current);
    return current;
  }

  /** The client an MSSP user switched into: kept on the session by the API, read back through `me`. */
  const acting = (): TenantRef | null => me()?.actingTenant ?? null;

  /**
   * Switch into a client's workspace (or back with `null`). The API checks the reach, stores the choice on
   * the session and audits it in both tenants; `me` is then re-read so the banner and navigation follow.
   */
  async function enterClient(tenantId: string | null): Promise<void> {
    await switchActingTenant(tenantId);
    await refresh();
  }

  function clear(): void {
    setMe(null);
  }

  return { me, refresh, acting, enterClient, clear };
});

export const msspRoles: readonly Role[] = ["platform_admin", "mssp_admin", "mssp_analyst"];
export const adminRoles: readonly Role[] = ["platform_admin", "mssp_admin", "tenant_admin"];
export const writerRoles: readonly Role[] = [
  "platform_admin",
  "mssp_admin",
  "mssp_analyst",
  "tenant_admin",
  "analyst",
];

export function hasRole(allowed: readonly Role[]): boolean {
  const current = session.me();
  return current ? allowed.includes(current.role) : false;
}

/** True for MSSP staff not currently inside a client workspace. */
export function inMsspConsole(): boolean {
  return hasRole(msspRoles) && session.acting() === null;
}

/** The tenant requests act in: the client an MSSP user switched into, else the user's own tenant. */
export function actingTenantId(): string {
  return session.acting()?.id ?? session.me()?.tenant.id ?? "";
}
