import type { DemoAccount } from "@threatfusion/devstack";
import { inject } from "vitest";

/** The demo account with this role (and tenant slug, when given); fails the test clearly when missing. */
export function demoAccount(role: string, tenantSlug?: string): DemoAccount {
  const { accounts, credentials } = inject("stack");
  const found = accounts.find(
    (a) => a.role === role && (tenantSlug === undefined || a.tenantSlug === tenantSlug),
  );
  if (!found) {
    throw new Error(
      `no demo account with role ${role}${tenantSlug ? ` in ${tenantSlug}` : ""}; the demo seed (packages/devstack/src/seed.ts) returned ${accounts.length} accounts: ${credentials.join(" | ")}`,
    );
  }
  return found;
}

/** Two different client tenants' accounts with the same role (for isolation tests). */
export function twoClients(role: string): [DemoAccount, DemoAccount] {
  const { accounts } = inject("stack");
  const first = demoAccount(role);
  const second = accounts.find((a) => a.role === role && a.tenantSlug !== first.tenantSlug);
  if (!second) throw new Error(`the demo seed has only one client tenant with a ${role}`);
  return [first, second];
}
