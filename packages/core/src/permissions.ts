/**
 * The one permission table of ThreatFusion: which role and which API-token scope may perform which action.
 * Every service asks `can()` / `authorize()` / `assertCan()`; nothing else decides who may do what.
 *
 * Two questions are kept apart on purpose:
 * - the action (`can`): may this kind of actor do this at all?
 * - the tenancy (`canAccessTenant`): is the target inside the actor's reach? MSSP staff reach every client
 *   tenant of their MSSP, everyone else (and every API token) only their own tenant.
 * `authorize` asks both.
 */
import { AppError } from "./errors.ts";

export const roles = [
  "platform_admin",
  "mssp_admin",
  "mssp_analyst",
  "tenant_admin",
  "analyst",
  "viewer",
] as const;
export type Role = (typeof roles)[number];

export const tokenScopes = [
  "indicators:read",
  "indicators:write",
  "sightings:write",
  "exports:read",
  "admin",
] as const;
export type TokenScope = (typeof tokenScopes)[number];

export const actions = [
  "indicator.read",
  "indicator.write",
  "overlay.write",
  "sighting.write",
  "search.read",
  "export.read",
  "taxii.read",
  "taxii.write",
  "feed.read",
  "feed.subscribe",
  "feed.manage",
  "allowlist.manage",
  "scoring.tune",
  "tenant.read",
  "tenant.create",
  "tenant.update",
  "tenant.suspend",
  "tenant.delete",
  "tenant.require_mfa",
  "branding.update",
  "user.read",
  "user.invite",
  "user.manage",
  "role.grant",
  "token.read",
  "token.create",
  "token.revoke",
  "token.manage",
  "audit.read",
  "mssp.manage",
] as const;
export type Action = (typeof actions)[number];

const everyone = roles;
const msspStaff = ["platform_admin", "mssp_admin", "mssp_analyst"] as const satisfies readonly Role[];
const admins = ["platform_admin", "mssp_admin", "tenant_admin"] as const satisfies readonly Role[];
const writers = [
  "platform_admin",
  "mssp_admin",
  "mssp_analyst",
  "tenant_admin",
  "analyst",
] as const satisfies readonly Role[];
const msspAdmins = ["platform_admin", "mssp_admin"] as const satisfies readonly Role[];

interface PermissionRow {
  readonly roles: readonly Role[];
  readonly scopes: readonly TokenScope[];
}

/**
 * THE table. One row per action: the roles and the token scopes that allow it.
 *
 * Notes on choices a reader may question:
 * - `token.read/create/revoke` concern the caller's OWN tokens; `token.manage` is reading and revoking
 *   other users' tokens in the tenant.
 * - The `admin` scope automates tenant administration but can neither mint tokens (`token.create`) nor grant
 *   roles (`role.grant`): a leaked token must not be able to create further credentials or privileges.
 * - `tenant.require_mfa` belongs to the MSSP (it imposes MFA on its clients); a tenant admin cannot lift it.
 * - Scopes do not imply each other: a client that reads and writes indicators asks for both scopes.
 */
export const permissionTable = {
  "indicator.read": { roles: everyone, scopes: ["indicators:read"] },
  "indicator.write": { roles: writers, scopes: ["indicators:write"] },
  "overlay.write": { roles: writers, scopes: ["indicators:write"] },
  "sighting.write": { roles: writers, scopes: ["sightings:write"] },
  "search.read": { roles: everyone, scopes: ["indicators:read"] },
  "export.read": { roles: everyone, scopes: ["exports:read"] },
  "taxii.read": { roles: everyone, scopes: ["exports:read"] },
  "taxii.write": { roles: writers, scopes: ["indicators:write"] },
  "feed.read": { roles: everyone, scopes: ["indicators:read", "admin"] },
  "feed.subscribe": { roles: [...admins, "mssp_analyst"], scopes: ["admin"] },
  "feed.manage": { roles: admins, scopes: ["admin"] },
  "allowlist.manage": { roles: writers, scopes: ["admin"] },
  "scoring.tune": { roles: admins, scopes: ["admin"] },
  "tenant.read": { roles: everyone, scopes: ["admin"] },
  "tenant.create": { roles: msspAdmins, scopes: [] },
  "tenant.update": { roles: admins, scopes: ["admin"] },
  "tenant.suspend": { roles: msspAdmins, scopes: [] },
  "tenant.delete": { roles: msspAdmins, scopes: [] },
  "tenant.require_mfa": { roles: msspAdmins, scopes: [] },
  "branding.update": { roles: msspAdmins, scopes: [] },
  "user.read": { roles: writers, scopes: ["admin"] },
  "user.invite": { roles: admins, scopes: ["admin"] },
  "user.manage": { roles: admins, scopes: ["admin"] },
  "role.grant": { roles: admins, scopes: [] },
  "token.read": { roles: everyone, scopes: ["admin"] },
  "token.create": { roles: everyone, scopes: [] },
  "token.revoke": { roles: everyone, scopes: ["admin"] },
  "token.manage": { roles: admins, scopes: ["admin"] },
  "audit.read": { roles: [...admins, "mssp_analyst"], scopes: ["admin"] },
  "mssp.manage": { roles: ["platform_admin"], scopes: [] },
} as const satisfies Record<Action, PermissionRow>;

/** A signed-in person. `tenantId` is the home tenant; MSSP staff also carry their MSSP. */
export interface UserActor {
  kind: "user";
  userId: string;
  role: Role;
  tenantId: string;
  msspId: string | null;
}

/** An API token: always bound to one tenant, allowed only what its scopes allow. */
export interface TokenActor {
  kind: "token";
  tokenId: string;
  tenantId: string;
  scopes: readonly TokenScope[];
}

export type Actor = UserActor | TokenActor;

/** Where an action lands: a tenant and the MSSP that serves it (null for a direct customer). */
export interface TenantTarget {
  tenantId: string;
  msspId: string | null;
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

export function isTokenScope(value: string): value is TokenScope {
  return (tokenScopes as readonly string[]).includes(value);
}

export function isAction(value: string): value is Action {
  return (actions as readonly string[]).includes(value);
}

/** True for the roles that work for an MSSP (or the platform) rather than inside one client tenant. */
export function isMsspRole(role: Role): boolean {
  return (msspStaff as readonly Role[]).includes(role);
}

/** True when the role allows the action (tenancy not considered). */
export function roleCan(role: Role, action: Action): boolean {
  return (permissionTable[action].roles as readonly Role[]).includes(role);
}

/** True when the scope allows the action. */
export function scopeCan(scope: TokenScope, action: Action): boolean {
  return (permissionTable[action].scopes as readonly TokenScope[]).includes(scope);
}

/**
 * May this actor perform this action at all (tenancy not considered)?
 * @example can({ kind: "token", tokenId, tenantId, scopes: ["indicators:read"] }, "indicator.write") // false
 */
export function can(actor: Actor, action: Action): boolean {
  if (actor.kind === "user") return roleCan(actor.role, action);
  return actor.scopes.some((scope) => scopeCan(scope, action));
}

/**
 * Is the target tenant within the actor's reach? Platform admins reach every tenant, MSSP staff every tenant
 * of their MSSP, everyone else only their own tenant.
 */
export function canAccessTenant(actor: Actor, target: TenantTarget): boolean {
  if (actor.kind === "user") {
    if (actor.role === "platform_admin") return true;
    if (isMsspRole(actor.role)) {
      return actor.tenantId === target.tenantId || (actor.msspId !== null && actor.msspId === target.msspId);
    }
  }
  return actor.tenantId === target.tenantId;
}

/** Both checks: the action is allowed and the target tenant is within reach. */
export function authorize(actor: Actor, action: Action, target: TenantTarget): boolean {
  return can(actor, action) && canAccessTenant(actor, target);
}

/** `authorize`, throwing `AppError("FORBIDDEN")` when it says no. */
export function assertCan(actor: Actor, action: Action, target: TenantTarget): void {
  if (!authorize(actor, action, target)) {
    throw new AppError("FORBIDDEN", `Not allowed to ${action} in this tenant`, { details: { action } });
  }
}

const grantable: Record<Role, readonly Role[]> = {
  platform_admin: roles,
  mssp_admin: ["mssp_admin", "mssp_analyst", "tenant_admin", "analyst", "viewer"],
  mssp_analyst: [],
  tenant_admin: ["tenant_admin", "analyst", "viewer"],
  analyst: [],
  viewer: [],
};

/**
 * The roles a holder of `role` may grant to others (within their reach: an MSSP admin inside their MSSP, a
 * tenant admin inside their tenant). Client admins can never grant MSSP roles.
 */
export function grantableRoles(role: Role): readonly Role[] {
  return roleCan(role, "role.grant") ? grantable[role] : [];
}

/**
 * The scopes a user may put on a token they create: only scopes whose every action their own role already
 * allows, so a token can never carry more than its creator.
 */
export function grantableScopes(role: Role): readonly TokenScope[] {
  return tokenScopes.filter((scope) =>
    actions.every((action) => !scopeCan(scope, action) || roleCan(role, action)),
  );
}
