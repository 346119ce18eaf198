// The identity operations besides the onboarding flow (identity-flow.test.ts), through the real API.
import { decodeTotpSecret, totpCodeForStep, totpStepAt } from "@threatfusion/auth";
import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminQuery,
  apiFetch,
  createTestTenantTree,
  createTestUser,
  signInTestUser,
  testOrigin,
} from "../testing/identity.ts";

let tree: TestTenantTree;
beforeAll(async () => {
  tree = await createTestTenantTree("happy");
});
afterAll(() => tree.cleanup());

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe("tenant lifecycle by the MSSP", () => {
  it("brands, suspends (stopping the client's users), resumes and deletes a client", async () => {
    const mssp = await signInTestUser({ userId: tree.userIds.mssp, tenantId: tree.msspId });
    const created = await apiFetch("/api/v1/tenants", {
      method: "POST",
      headers: mssp.headers,
      json: { name: "Short-lived", slug: `short-${Date.now()}`, quotas: { users: 3 } },
    });
    const client = await created.json<{ id: string; slug: string }>();
    const patched = await apiFetch(`/api/v1/tenants/${client.id}`, {
      method: "PATCH",
      headers: mssp.headers,
      json: {
        branding: { productName: "Short Intel", colors: { primary: "#123456" } },
        customDomain: `${client.slug}.example`,
      },
    });
    expect(patched.status).toBe(200);
    const branding = await apiFetch(`/api/v1/branding?host=${client.slug}.example`);
    expect(await branding.json()).toMatchObject({
      slug: client.slug,
      branding: { productName: "Short Intel" },
    });

    const member = await createTestUser({ tenantId: client.id, role: "analyst" });
    const memberSession = await signInTestUser({ userId: member.userId, tenantId: client.id });
    expect((await apiFetch(`/api/v1/tokens`, { headers: { cookie: memberSession.cookie } })).status).toBe(
      200,
    );
    expect(
      (await apiFetch(`/api/v1/tenants/${client.id}/suspension`, { method: "POST", headers: mssp.headers }))
        .status,
    ).toBe(200);
    expect((await apiFetch(`/api/v1/tokens`, { headers: { cookie: memberSession.cookie } })).status).toBe(
      403,
    );
    expect(
      (await apiFetch(`/api/v1/tenants/${client.id}/resumption`, { method: "POST", headers: mssp.headers }))
        .status,
    ).toBe(200);
    expect((await apiFetch(`/api/v1/tokens`, { headers: { cookie: memberSession.cookie } })).status).toBe(
      200,
    );

    const early = await apiFetch(`/api/v1/tenants/${client.id}`, {
      method: "DELETE",
      headers: mssp.headers,
      json: { confirmSlug: client.slug, dataExported: true },
    });
    expect(early.status).toBe(412);
    await apiFetch(`/api/v1/tenants/${client.id}/suspension`, { method: "POST", headers: mssp.headers });
    const deleted = await apiFetch(`/api/v1/tenants/${client.id}`, {
      method: "DELETE",
      headers: mssp.headers,
      json: { confirmSlug: client.slug, dataExported: true },
    });
    expect(deleted.status).toBe(204);
    expect((await apiFetch(`/api/v1/tenants/${client.id}`, { headers: mssp.headers })).status).toBe(404);
    expect((await apiFetch(`/api/v1/auth/me`, { headers: { cookie: memberSession.cookie } })).status).toBe(
      401,
    );
    const log = await apiFetch(`/api/v1/tenants/${tree.msspId}/audit`, { headers: mssp.headers });
    expect((await log.json<{ action: string }[]>()).map((entry) => entry.action)).toContain("tenant.created");
    await adminQuery("delete from users where id = $1", [member.userId]);
    await adminQuery("delete from tenants where id = $1", [client.id]);
  }, 120_000);
});

describe("members, invitations and tokens", () => {
  it("lists members, changes a role, revokes an invitation and enforces the user quota", async () => {
    const admin = await signInTestUser({ userId: tree.userIds.clientB, tenantId: tree.clientBId });
    const analyst = await createTestUser({ tenantId: tree.clientBId, role: "analyst" });
    const members = await apiFetch(`/api/v1/tenants/${tree.clientBId}/users`, { headers: admin.headers });
    expect((await members.json<{ userId: string }[]>()).map((m) => m.userId)).toContain(analyst.userId);
    const changed = await apiFetch(`/api/v1/tenants/${tree.clientBId}/users/${analyst.userId}`, {
      method: "PATCH",
      headers: admin.headers,
      json: { role: "viewer" },
    });
    expect(await changed.json()).toEqual({ userId: analyst.userId, role: "viewer" });

    const invited = await apiFetch(`/api/v1/tenants/${tree.clientBId}/invitations`, {
      method: "POST",
      headers: admin.headers,
      json: { email: "later@example.test", role: "analyst" },
    });
    const invitation = await invited.json<{ id: string; link: string }>();
    expect(
      (
        await apiFetch(`/api/v1/tenants/${tree.clientBId}/invitations/${invitation.id}`, {
          method: "DELETE",
          headers: admin.headers,
        })
      ).status,
    ).toBe(204);
    const accept = await apiFetch("/api/v1/invitations/acceptance", {
      method: "POST",
      headers: { origin: testOrigin },
      json: { token: invitation.link.split("#")[1], password: "too late for this one" },
    });
    expect(accept.status).toBe(410);

    await adminQuery(`update tenants set settings = settings || '{"quotas": {"users": 2}}' where id = $1`, [
      tree.clientBId,
    ]);
    const overQuota = await apiFetch(`/api/v1/tenants/${tree.clientBId}/invitations`, {
      method: "POST",
      headers: admin.headers,
      json: { email: "one-too-many@example.test", role: "viewer" },
    });
    expect(overQuota.status).toBe(409);

    const removed = await apiFetch(`/api/v1/tenants/${tree.clientBId}/users/${analyst.userId}`, {
      method: "DELETE",
      headers: admin.headers,
    });
    expect(removed.status).toBe(204);
    await adminQuery("delete from users where id = $1", [analyst.userId]);
  }, 60_000);

  it("lists only the caller's own tokens unless they manage tokens, and refuses bad expiries and ranges", async () => {
    const viewer = await createTestUser({ tenantId: tree.clientBId, role: "viewer" });
    const session = await signInTestUser({ userId: viewer.userId, tenantId: tree.clientBId });
    const mine = await apiFetch("/api/v1/tokens", {
      method: "POST",
      headers: session.headers,
      json: {
        name: "mine",
        scopes: ["indicators:read"],
        expiresAt: inAnHour(),
        ipAllowlist: ["2001:db8::/32", "192.0.2.7"],
      },
    });
    const created = await mine.json<{ id: string; ipAllowlist: string[] }>();
    expect(created.ipAllowlist).toEqual(["2001:db8:0:0:0:0:0:0/32", "192.0.2.7/32"]);
    const listed = await apiFetch("/api/v1/tokens", { headers: { cookie: session.cookie } });
    expect((await listed.json<{ id: string }[]>()).map((t) => t.id)).toEqual([created.id]);
    for (const json of [
      { name: "x", scopes: ["indicators:read"], expiresAt: null },
      { name: "x", scopes: ["indicators:read"], expiresAt: new Date(Date.now() + 60_000).toISOString() },
      {
        name: "x",
        scopes: ["indicators:read"],
        expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString(),
      },
      { name: "x", scopes: ["indicators:read"], expiresAt: inAnHour(), ipAllowlist: ["10.0.0.0/33"] },
      { name: "x", scopes: ["everything"], expiresAt: inAnHour() },
    ]) {
      const response = await apiFetch("/api/v1/tokens", { method: "POST", headers: session.headers, json });
      expect([JSON.stringify(json).slice(0, 60), response.status]).toEqual([
        JSON.stringify(json).slice(0, 60),
        400,
      ]);
    }
    await adminQuery("delete from users where id = $1", [viewer.userId]);
  }, 60_000);
});

describe("second factor", () => {
  it("signs in with a recovery code once, and turns TOTP off only with a current code", async () => {
    const user = await createTestUser({
      tenantId: tree.clientAId,
      role: "analyst",
      password: "analyst passphrase",
    });
    const session = await signInTestUser({ userId: user.userId, tenantId: tree.clientAId });
    const enrol = await apiFetch("/api/v1/auth/totp/enrolment", { method: "POST", headers: session.headers });
    const key = decodeTotpSecret((await enrol.json<{ secret: string }>()).secret);
    const step = totpStepAt(new Date());
    const confirmed = await apiFetch("/api/v1/auth/totp/confirmation", {
      method: "POST",
      headers: session.headers,
      json: { code: totpCodeForStep(key, step) },
    });
    const [recoveryCode] = (await confirmed.json<{ recoveryCodes: string[] }>()).recoveryCodes;

    const signIn = async () => {
      const response = await apiFetch("/api/v1/auth/sign-in", {
        method: "POST",
        headers: { origin: testOrigin },
        json: { email: user.email, password: "analyst passphrase" },
      });
      return /tf_session=[^;]+/.exec(response.headers.get("set-cookie") ?? "")?.[0] ?? "";
    };
    const useRecovery = async (cookie: string) =>
      apiFetch("/api/v1/auth/mfa/verify", {
        method: "POST",
        headers: { cookie, origin: testOrigin },
        json: { recoveryCode },
      });
    expect((await useRecovery(await signIn())).status).toBe(200);
    expect((await useRecovery(await signIn())).status).toBe(401);

    const wrong = await apiFetch("/api/v1/auth/totp", {
      method: "DELETE",
      headers: session.headers,
      json: { code: "000000" },
    });
    expect(wrong.status).toBe(422);
    const off = await apiFetch("/api/v1/auth/totp", {
      method: "DELETE",
      headers: session.headers,
      json: { code: totpCodeForStep(key, step + 1) },
    });
    expect(off.status).toBe(204);
    const after = await apiFetch("/api/v1/auth/sign-in", {
      method: "POST",
      headers: { origin: testOrigin },
      json: { email: user.email, password: "analyst passphrase" },
    });
    expect((await after.json<{ mfa: string }>()).mfa).toBe("not_required");
    await adminQuery("delete from users where id = $1", [user.userId]);
  }, 90_000);
});
