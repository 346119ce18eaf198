/**
 * Who is signed in, which tenant they act in, and what happens when the session ends. Module-level
 * signals: there is one session per tab.
 */
import { createRoot, createSignal } from "solid-js";
import { setActingTenant } from "./api/client.ts";
import { getMe } from "./api/endpoints.ts";
import type { Me, Role, TenantRef } from "./api/types.ts";

const actingKey = "tf-acting-tenant";

function storedActing(): TenantRef | null {
  try {
    const raw = sessionStorage.getItem(actingKey);
    return raw ? (JSON.parse(raw) as TenantRef) : null;
  } catch {
    return null;
  }
}

export const session = createRoot(() => {
  const [me, setMe] = createSignal<Me | null | undefined>(undefined);
  const [acting, setActing] = createSignal<TenantRef | null>(storedActing());
  setActingTenant(acting()?.id);

  async function refresh(): Promise<Me | null> {
    const current = await getMe();
    setMe(current);
    if (current?.actingTenant && !acting()) enterClient(current.actingTenant);
    return current;
  }

  function enterClient(tenant: TenantRef | null): void {
    setActing(tenant);
    setActingTenant(tenant?.id);
    try {
      if (tenant) sessionStorage.setItem(actingKey, JSON.stringify(tenant));
      else sessionStorage.removeItem(actingKey);
    } catch {
      // Storage unavailable: the switch lasts for this page only.
    }
  }

  function clear(): void {
    setMe(null);
    enterClient(null);
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
