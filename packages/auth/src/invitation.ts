/**
 * Invitations: an admin invites an e-mail address; the link carries `<inv_id>.<secret>`. Only SHA-256 of
 * the secret is stored, the link expires, and it works once: the service accepts it with a conditional
 * update (`… WHERE accepted_at IS NULL AND revoked_at IS NULL`) so two concurrent clicks cannot both win.
 */
import { isId, newId } from "@threatfusion/core";
import { isSecretString, secureRandomString, sha256Hex, verifySecretHash } from "./secrets.ts";

const secretLength = 32;

export const invitationPolicy = {
  lifetimeSeconds: 7 * 24 * 60 * 60,
} as const;

export interface NewInvitation {
  /** Row id, `inv_…`. */
  id: string;
  /** Goes into the e-mailed link only. */
  token: string;
  /** SHA-256 hex of the secret: the stored form. */
  secretHash: string;
  expiresAt: Date;
}

/** A new invitation token, valid for `invitationPolicy.lifetimeSeconds` from `now`. */
export async function createInvitation(now: Date = new Date()): Promise<NewInvitation> {
  const id = newId("invitation", now.getTime());
  const secret = secureRandomString(secretLength);
  return {
    id,
    token: `${id}.${secret}`,
    secretHash: await sha256Hex(secret),
    expiresAt: new Date(now.getTime() + invitationPolicy.lifetimeSeconds * 1000),
  };
}

/** Splits an invitation token into row id and secret; null when malformed. */
export function parseInvitationToken(token: string): { id: string; secret: string } | null {
  const parts = token.trim().split(".");
  if (parts.length !== 2) return null;
  const [id, secret] = parts;
  if (id === undefined || secret === undefined) return null;
  if (!isId("invitation", id) || !isSecretString(secret, secretLength)) return null;
  return { id, secret };
}

/** Constant-time check of the link's secret against the stored hash. */
export function verifyInvitationSecret(secret: string, storedHash: string): Promise<boolean> {
  return verifySecretHash(secret, storedHash);
}

export type InvitationState = { ok: true } | { ok: false; reason: "expired" | "already_used" | "revoked" };

/** Whether a stored invitation may still be accepted at `now` (after the secret has been verified). */
export function checkInvitation(
  invitation: { expiresAt: Date; acceptedAt: Date | null; revokedAt: Date | null },
  now: Date,
): InvitationState {
  if (invitation.revokedAt !== null) return { ok: false, reason: "revoked" };
  if (invitation.acceptedAt !== null) return { ok: false, reason: "already_used" };
  if (now.getTime() >= invitation.expiresAt.getTime()) return { ok: false, reason: "expired" };
  return { ok: true };
}
