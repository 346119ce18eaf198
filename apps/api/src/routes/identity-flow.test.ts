// The "done when" of issue 6, walked through the real API in workerd against real Postgres: the MSSP admin
// creates a client tenant and invites its admin, who accepts, signs in, enrols TOTP (the MSSP requires MFA),
// signs in again with a code, and creates a read-only token that reads indicators and cannot write them;
// both audit logs show every step and verify.
import { decodeTotpSecret, totpCodeForStep, totpStepAt } from "@threatfusion/auth";
import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminQuery,
  apiFetch,
  createTestTenantTree,
  createTestUser,
  testOrigin,
} from "../testing/identity.ts";

let tree: TestTenantTree;
let clientId = "";

beforeAll(async () => {
  tree = await createTestTenantTree("flow");
});
afterAll(async () => {
  if (clientId) {
    await adminQuery("delete from users where id in (select user_id from memberships where tenant_id = $1)", [
      clientId,
    ]);
    await adminQuery("delete from tenants where id = $1", [clientId]);
  }
  await tree.cleanup();
});

function sessionCookieFrom(response: Response): string {
  const header = response.headers.get("set-cookie") ?? "";
  const values = [...header.matchAll(/tf_session=([^;]*)/g)]
    .map((match) => match[1])
    .filter((value) => value);
  const value = values.at(-1);
  if (!value) throw new Error(`no session cookie in ${header}`);
  return `tf_session=${value}`;
}

async function signIn(email: string, password: string): Promise<{ cookie: string; mfa: string }> {
  const response = await apiFetch("/api/v1/auth/sign-in", {
    method: "POST",
    headers: { origin: testOrigin },
    json: { email, password },
  });
  expect(response.status).toBe(200);
  const body = await response.json<{ mfa: string }>();
  return { cookie: sessionCookieFrom(response), mfa: body.mfa };
}

describe("MSSP onboarding to a scoped client token", () => {
  it("walks the whole flow and leaves a verifiable audit trail", async () => {
    const msspAdmin = await createTestUser({
      tenantId: tree.msspId,
      role: "mssp_admin",
      password: "correct horse battery staple",
    });
    const mssp = await signIn(msspAdmin.email, "correct horse battery staple");
    expect(mssp.mfa).toBe("not_required");
    const asMssp = { cookie: mssp.cookie, origin: testOrigin };

    // 1. The MSSP admin creates a client tenant that requires MFA.
    const created = await apiFetch("/api/v1/tenants", {
      method: "POST",
      headers: asMssp,
      json: {
        name: "Contoso Manufacturing",
        slug: `contoso-${Date.now()}`,
        branding: { productName: "Contoso Threat Desk", colors: { primary: "#0a3d62" } },
        requireMfa: true,
      },
    });
    expect(created.status).toBe(201);
    const client = await created.json<{ id: string; parentId: string; kind: string }>();
    clientId = client.id;
    expect(client).toMatchObject({ parentId: tree.msspId, kind: "client" });

    // 2. … and invites the client's first admin (in dev/test the link comes back instead of being mailed).
    const invited = await apiFetch(`/api/v1/tenants/${client.id}/invitations`, {
      method: "POST",
      headers: asMssp,
      json: { email: `admin-${Date.now()}@contoso.example`, role: "tenant_admin" },
    });
    expect(invited.status).toBe(201);
    const invitation = await invited.json<{ link: string; email: string }>();
    const inviteToken = invitation.link.split("#")[1] ?? "";

    // 3. The invitee accepts with a password; the link then works no more.
    const accepted = await apiFetch("/api/v1/invitations/acceptance", {
      method: "POST",
      headers: { origin: testOrigin },
      json: { token: inviteToken, password: "a long client passphrase" },
    });
    expect(accepted.status).toBe(200);
    const again = await apiFetch("/api/v1/invitations/acceptance", {
      method: "POST",
      headers: { origin: testOrigin },
      json: { token: inviteToken, password: "a long client passphrase" },
    });
    expect(again.status).toBe(410);

    // 4. The new admin signs in; MFA is required, so nothing but enrolment works yet.
    const first = await signIn(invitation.email, "a long client passphrase");
    expect(first.mfa).toBe("enrolment_required");
    const blocked = await apiFetch("/api/v1/tokens", { headers: { cookie: first.cookie } });
    expect(blocked.status).toBe(401);
    expect((await blocked.json<{ error: { code: string } }>()).error.code).toBe("MFA_REQUIRED");

    // 5. Enrols TOTP and confirms with a code; gets recovery codes.
    const enrolment = await apiFetch("/api/v1/auth/totp/enrolment", {
      method: "POST",
      headers: { cookie: first.cookie, origin: testOrigin },
    });
    expect(enrolment.status).toBe(200);
    const { secret, uri } = await enrolment.json<{ secret: string; uri: string }>();
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const key = decodeTotpSecret(secret);
    const step = totpStepAt(new Date());
    const confirmed = await apiFetch("/api/v1/auth/totp/confirmation", {
      method: "POST",
      headers: { cookie: first.cookie, origin: testOrigin },
      json: { code: totpCodeForStep(key, step) },
    });
    expect(confirmed.status).toBe(200);
    expect((await confirmed.json<{ recoveryCodes: string[] }>()).recoveryCodes).toHaveLength(10);

    // 6. Signs out, signs in again: now challenged; the code (not replayable) swaps the session.
    expect(
      (
        await apiFetch("/api/v1/auth/sign-out", {
          method: "POST",
          headers: { cookie: first.cookie, origin: testOrigin },
        })
      ).status,
    ).toBe(204);
    const second = await signIn(invitation.email, "a long client passphrase");
    expect(second.mfa).toBe("challenge_required");
    const replay = await apiFetch("/api/v1/auth/mfa/verify", {
      method: "POST",
      headers: { cookie: second.cookie, origin: testOrigin },
      json: { code: totpCodeForStep(key, step) },
    });
    expect(replay.status).toBe(401);
    const verified = await apiFetch("/api/v1/auth/mfa/verify", {
      method: "POST",
      headers: { cookie: second.cookie, origin: testOrigin },
      json: { code: totpCodeForStep(key, step + 1) },
    });
    expect(verified.status).toBe(200);
    const clientAdmin = { cookie: sessionCookieFrom(verified), origin: testOrigin };
    expect((await apiFetch("/api/v1/auth/me", { headers: { cookie: second.cookie } })).status).toBe(401);

    // 7. Creates a read-only token: it reads indicators and cannot write them.
    const tokenResponse = await apiFetch("/api/v1/tokens", {
      method: "POST",
      headers: clientAdmin,
      json: {
        name: "SIEM pull",
        scopes: ["indicators:read"],
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(tokenResponse.status).toBe(201);
    const { token } = await tokenResponse.json<{ token: string }>();
    const bearer = { authorization: `Bearer ${token}` };
    const read = await apiFetch("/api/v1/indicators", { headers: bearer });
    expect(read.status).toBe(200);
    const write = await apiFetch("/api/v1/indicators", {
      method: "POST",
      headers: bearer,
      json: { value: "login-update.example" },
    });
    expect(write.status).toBe(403);

    // 8. The audit logs show each step and verify, for the client admin and for the MSSP.
    const log = await apiFetch(`/api/v1/tenants/${client.id}/audit?limit=100`, {
      headers: { cookie: clientAdmin.cookie },
    });
    expect(log.status).toBe(200);
    const actions = (await log.json<{ action: string }[]>()).map((entry) => entry.action).reverse();
    for (const action of [
      "invitation.created",
      "invitation.accepted",
      "session.signed_in",
      "mfa.enabled",
      "session.ended",
      "mfa.verified",
      "token.created",
      "token.used",
    ]) {
      expect(actions).toContain(action);
    }
    expect(actions.indexOf("invitation.created")).toBeLessThan(actions.indexOf("token.created"));
    for (const headers of [{ cookie: clientAdmin.cookie }, { cookie: mssp.cookie }]) {
      const verdict = await apiFetch(`/api/v1/tenants/${client.id}/audit/verification`, { headers });
      expect(await verdict.json()).toMatchObject({ ok: true });
    }
    const msspLog = await apiFetch(`/api/v1/tenants/${tree.msspId}/audit`, {
      headers: { cookie: mssp.cookie },
    });
    expect(
      (await msspLog.json<{ action: string; targetId: string }[]>()).map((e) => [e.action, e.targetId]),
    ).toContainEqual(["tenant.created", client.id]);
    const exported = await apiFetch(`/api/v1/tenants/${client.id}/audit/export`, {
      headers: { cookie: mssp.cookie },
    });
    expect(exported.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await exported.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { seq: number });
    expect(lines.map((line) => line.seq)).toEqual(lines.map((_, index) => index + 1));
  }, 120_000); // six Argon2id hashes and ~30 requests on a shared 2-core machine
});
