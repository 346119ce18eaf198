import { describe, expect, it } from "vitest";
import { AppError } from "./errors.ts";
import {
  type Action,
  type Actor,
  actions,
  assertCan,
  authorize,
  can,
  canAccessTenant,
  grantableRoles,
  grantableScopes,
  permissionTable,
  type Role,
  roles,
  type TokenScope,
  tokenScopes,
} from "./permissions.ts";

/*
 * The whole table, written out a second time by hand. Columns:
 *   roles:  PA platform_admin, MA mssp_admin, MN mssp_analyst, TA tenant_admin, AN analyst, VI viewer
 *   scopes: ir indicators:read, iw indicators:write, sw sightings:write, er exports:read, ad admin
 * "Y" allowed, "." denied. Adding an action to the table without a row here fails the first test.
 */
const columns = [...roles, ...tokenScopes] as const;
const expected: Record<string, string> = {
  //                    PA MA MN TA AN VI   ir iw sw er ad
  "indicator.read": "   Y  Y  Y  Y  Y  Y    Y  .  .  .  .",
  "indicator.write": "  Y  Y  Y  Y  Y  .    .  Y  .  .  .",
  "overlay.write": "    Y  Y  Y  Y  Y  .    .  Y  .  .  .",
  "sighting.write": "   Y  Y  Y  Y  Y  .    .  .  Y  .  .",
  "search.read": "      Y  Y  Y  Y  Y  Y    Y  .  .  .  .",
  "export.read": "      Y  Y  Y  Y  Y  Y    .  .  .  Y  .",
  "taxii.read": "       Y  Y  Y  Y  Y  Y    .  .  .  Y  .",
  "taxii.write": "      Y  Y  Y  Y  Y  .    .  Y  .  .  .",
  "feed.read": "        Y  Y  Y  Y  Y  Y    Y  .  .  .  Y",
  "feed.subscribe": "   Y  Y  Y  Y  .  .    .  .  .  .  Y",
  "feed.manage": "      Y  Y  .  Y  .  .    .  .  .  .  Y",
  "allowlist.manage": " Y  Y  Y  Y  Y  .    .  .  .  .  Y",
  "scoring.tune": "     Y  Y  .  Y  .  .    .  .  .  .  Y",
  "tenant.read": "      Y  Y  Y  Y  Y  Y    .  .  .  .  Y",
  "tenant.create": "    Y  Y  .  .  .  .    .  .  .  .  .",
  "tenant.update": "    Y  Y  .  Y  .  .    .  .  .  .  Y",
  "tenant.suspend": "   Y  Y  .  .  .  .    .  .  .  .  .",
  "tenant.delete": "    Y  Y  .  .  .  .    .  .  .  .  .",
  "tenant.require_mfa": "Y  Y  .  .  .  .    .  .  .  .  .",
  "branding.update": "  Y  Y  .  .  .  .    .  .  .  .  .",
  "user.read": "        Y  Y  Y  Y  Y  .    .  .  .  .  Y",
  "user.invite": "      Y  Y  .  Y  .  .    .  .  .  .  Y",
  "user.manage": "      Y  Y  .  Y  .  .    .  .  .  .  Y",
  "role.grant": "       Y  Y  .  Y  .  .    .  .  .  .  .",
  "token.read": "       Y  Y  Y  Y  Y  Y    .  .  .  .  Y",
  "token.create": "     Y  Y  Y  Y  Y  Y    .  .  .  .  .",
  "token.revoke": "     Y  Y  Y  Y  Y  Y    .  .  .  .  Y",
  "token.manage": "     Y  Y  .  Y  .  .    .  .  .  .  Y",
  "audit.read": "       Y  Y  Y  Y  .  .    .  .  .  .  Y",
  "mssp.manage": "      Y  .  .  .  .  .    .  .  .  .  .",
};

function expectedCells(action: string): boolean[] {
  const row = expected[action];
  if (row === undefined) throw new Error(`no expectation written for ${action}`);
  const cells = row.trim().split(/\s+/);
  if (cells.length !== columns.length) throw new Error(`row ${action} has ${cells.length} cells`);
  return cells.map((cell) => cell === "Y");
}

function userActor(role: Role, overrides: Partial<Extract<Actor, { kind: "user" }>> = {}): Actor {
  return { kind: "user", userId: "usr_1", role, tenantId: "tnt_home", msspId: "mssp_a", ...overrides };
}

function tokenActor(scopes: TokenScope[]): Actor {
  return { kind: "token", tokenId: "tok_1", tenantId: "tnt_home", scopes };
}

describe("the permission table", () => {
  it("has a written expectation for every action and no stale ones", () => {
    expect(Object.keys(expected).sort()).toEqual([...actions].sort());
    expect(Object.keys(permissionTable).sort()).toEqual([...actions].sort());
  });

  it.each([...actions])(
    "matches the written expectation for %s, role by role and scope by scope",
    (action) => {
      const cells = expectedCells(action);
      const actual = [
        ...roles.map((role) => can(userActor(role), action)),
        ...tokenScopes.map((scope) => can(tokenActor([scope]), action)),
      ];
      expect(actual).toEqual(cells);
    },
  );

  it("gives a token the union of its scopes and nothing for no scopes", () => {
    expect(can(tokenActor(["indicators:read", "sightings:write"]), "sighting.write")).toBe(true);
    expect(can(tokenActor(["indicators:read", "sightings:write"]), "indicator.read")).toBe(true);
    expect(can(tokenActor(["indicators:read", "sightings:write"]), "indicator.write")).toBe(false);
    for (const action of actions) expect(can(tokenActor([]), action)).toBe(false);
  });

  it("never lets a token mint credentials, grant roles or touch tenants' lifecycle", () => {
    const everything = tokenActor([...tokenScopes]);
    const forbidden: Action[] = [
      "token.create",
      "role.grant",
      "tenant.create",
      "tenant.delete",
      "mssp.manage",
    ];
    for (const action of forbidden) expect(can(everything, action)).toBe(false);
  });
});

describe("tenancy", () => {
  const ownTenant = { tenantId: "tnt_home", msspId: "mssp_a" };
  const sisterClient = { tenantId: "tnt_client", msspId: "mssp_a" };
  const otherMsspClient = { tenantId: "tnt_other", msspId: "mssp_b" };
  const directCustomer = { tenantId: "tnt_direct", msspId: null };

  it("lets MSSP staff act in every client of their MSSP but not in another MSSP's", () => {
    for (const role of ["mssp_admin", "mssp_analyst"] as const) {
      expect(canAccessTenant(userActor(role), sisterClient)).toBe(true);
      expect(canAccessTenant(userActor(role), otherMsspClient)).toBe(false);
      expect(canAccessTenant(userActor(role), directCustomer)).toBe(false);
    }
  });

  it("keeps tenant roles and tokens inside their own tenant (tenant A cannot reach tenant B)", () => {
    for (const role of ["tenant_admin", "analyst", "viewer"] as const) {
      expect(canAccessTenant(userActor(role), ownTenant)).toBe(true);
      expect(canAccessTenant(userActor(role), sisterClient)).toBe(false);
    }
    expect(canAccessTenant(tokenActor(["admin"]), ownTenant)).toBe(true);
    expect(canAccessTenant(tokenActor(["admin"]), sisterClient)).toBe(false);
  });

  it("does not treat two MSSP-less tenants as one MSSP", () => {
    const loneStaff = userActor("mssp_admin", { msspId: null, tenantId: "tnt_x" });
    expect(canAccessTenant(loneStaff, directCustomer)).toBe(false);
  });

  it("lets the platform admin reach every tenant", () => {
    expect(canAccessTenant(userActor("platform_admin", { msspId: null }), otherMsspClient)).toBe(true);
  });

  it("authorize needs both the action and the tenant; assertCan throws FORBIDDEN", () => {
    expect(authorize(userActor("analyst"), "indicator.write", ownTenant)).toBe(true);
    expect(authorize(userActor("analyst"), "indicator.write", sisterClient)).toBe(false);
    expect(authorize(userActor("viewer"), "indicator.write", ownTenant)).toBe(false);
    expect(() => assertCan(userActor("viewer"), "indicator.write", ownTenant)).toThrow(AppError);
    try {
      assertCan(userActor("viewer"), "user.invite", ownTenant);
    } catch (error) {
      expect(error instanceof AppError && error.code).toBe("FORBIDDEN");
    }
  });
});

describe("grantableRoles", () => {
  it("lets a tenant admin grant only client roles", () => {
    expect([...grantableRoles("tenant_admin")].sort()).toEqual(["analyst", "tenant_admin", "viewer"]);
  });

  it("lets an MSSP admin grant MSSP and client roles but not platform admin", () => {
    expect(grantableRoles("mssp_admin")).toContain("mssp_analyst");
    expect(grantableRoles("mssp_admin")).not.toContain("platform_admin");
  });

  it("lets the platform admin grant anything and the others nothing", () => {
    expect([...grantableRoles("platform_admin")].sort()).toEqual([...roles].sort());
    for (const role of ["mssp_analyst", "analyst", "viewer"] as const)
      expect(grantableRoles(role)).toEqual([]);
  });
});

describe("grantableScopes", () => {
  it("never puts on a token an action its creator's role lacks", () => {
    for (const role of roles) {
      for (const scope of grantableScopes(role)) {
        for (const action of actions) {
          if (can(tokenActor([scope]), action)) expect(can(userActor(role), action)).toBe(true);
        }
      }
    }
  });

  it("gives a viewer read scopes only and a tenant admin every scope", () => {
    expect(grantableScopes("viewer")).toEqual(["indicators:read", "exports:read"]);
    expect(grantableScopes("tenant_admin")).toEqual([...tokenScopes]);
    expect(grantableScopes("analyst")).not.toContain("admin");
  });
});
