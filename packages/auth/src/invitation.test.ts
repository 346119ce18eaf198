import { describe, expect, it } from "vitest";
import {
  checkInvitation,
  createInvitation,
  invitationPolicy,
  parseInvitationToken,
  verifyInvitationSecret,
} from "./invitation.ts";

describe("invitations", () => {
  const now = new Date("2026-02-01T09:00:00Z");

  it("carry the row id and a secret whose hash alone is stored", async () => {
    const invitation = await createInvitation(now);
    const parsed = parseInvitationToken(invitation.token);
    expect(parsed?.id).toBe(invitation.id);
    expect(invitation.id.startsWith("inv_")).toBe(true);
    expect(invitation.token).not.toContain(invitation.secretHash);
    expect(await verifyInvitationSecret(parsed?.secret ?? "", invitation.secretHash)).toBe(true);
    const other = await createInvitation(now);
    expect(await verifyInvitationSecret(parsed?.secret ?? "", other.secretHash)).toBe(false);
  });

  it("expire after the policy lifetime", async () => {
    const invitation = await createInvitation(now);
    expect(invitation.expiresAt.getTime() - now.getTime()).toBe(invitationPolicy.lifetimeSeconds * 1000);
    const stored = { expiresAt: invitation.expiresAt, acceptedAt: null, revokedAt: null };
    expect(checkInvitation(stored, new Date(invitation.expiresAt.getTime() - 1))).toEqual({ ok: true });
    expect(checkInvitation(stored, invitation.expiresAt)).toEqual({ ok: false, reason: "expired" });
  });

  it("work once and not after revocation", () => {
    const expiresAt = new Date(now.getTime() + 1000);
    expect(checkInvitation({ expiresAt, acceptedAt: now, revokedAt: null }, now)).toEqual({
      ok: false,
      reason: "already_used",
    });
    expect(checkInvitation({ expiresAt, acceptedAt: null, revokedAt: now }, now)).toEqual({
      ok: false,
      reason: "revoked",
    });
  });

  it("reject malformed tokens", async () => {
    const { token } = await createInvitation(now);
    for (const bad of ["", token.replace("inv_", "ses_"), `${token}x`, token.replace(".", "")]) {
      expect(parseInvitationToken(bad)).toBeNull();
    }
  });
});
