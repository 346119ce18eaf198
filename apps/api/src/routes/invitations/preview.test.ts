// POST /api/v1/invitations/preview: the accept page learns the invited tenant's name and brand from the
// link's token, and nothing about any other invitation or tenant.
import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminQuery,
  apiFetch,
  createTestTenantTree,
  signInTestUser,
  testOrigin,
} from "../../testing/identity.ts";

let tree: TestTenantTree;
let token = "";
let email = "";

function preview(json: unknown): Promise<Response> {
  return apiFetch("/api/v1/invitations/preview", { method: "POST", json });
}

beforeAll(async () => {
  tree = await createTestTenantTree("invite-preview");
  await adminQuery(
    `update tenants set settings = jsonb_set(settings, '{branding}', '{"productName": "Contoso Threat Desk", "colors": {"primary": "#0a3d62"}}')
     where id = $1`,
    [tree.clientAId],
  );
  const mssp = await signInTestUser({ userId: tree.userIds.mssp, tenantId: tree.msspId });
  email = `invitee-${Date.now()}@contoso.example`;
  const invited = await apiFetch(`/api/v1/tenants/${tree.clientAId}/invitations`, {
    method: "POST",
    headers: mssp.headers,
    json: { email, role: "analyst" },
  });
  expect(invited.status).toBe(201);
  token = (await invited.json<{ link: string }>()).link.split("#")[1] ?? "";
}, 120_000);
afterAll(() => tree.cleanup());

describe("invitation preview", { timeout: 60_000 }, () => {
  it("shows the invited tenant's name, brand, e-mail and role to the link holder", async () => {
    const response = await preview({ token });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      email,
      role: "analyst",
      existingAccount: false,
      tenant: { kind: "client" },
      branding: { productName: "Contoso Threat Desk", colors: { primary: "#0a3d62" } },
    });
  });

  it("answers 410 for a token with a wrong secret, without naming the tenant", async () => {
    const forged = `${token.slice(0, -4)}${token.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    const response = await preview({ token: forged });
    expect(response.status).toBe(410);
    expect(await response.text()).not.toContain("Contoso");
  });

  it("answers 410 once the invitation has been accepted", async () => {
    const accepted = await apiFetch("/api/v1/invitations/acceptance", {
      method: "POST",
      headers: { origin: testOrigin },
      json: { token, password: "a long invitee passphrase", displayName: "Ines Invitee" },
    });
    expect(accepted.status).toBe(200);
    expect((await preview({ token })).status).toBe(410);
    const [user] = await adminQuery<{ display_name: string }>(
      "select display_name from users where email = $1",
      [email],
    );
    expect(user?.display_name).toBe("Ines Invitee");
  });
});
