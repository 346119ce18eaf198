import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blankSessionCookie,
  createSessionToken,
  hashSessionSecret,
  parseSessionToken,
  readSessionCookie,
  sessionCookie,
  sessionExpired,
  sessionNeedsRefresh,
  sessionPolicy,
  verifySessionSecret,
} from "./session.ts";

const hour = 60 * 60 * 1000;

describe("session tokens", () => {
  it("are <id>.<secret> with 24 symbols each and differ every time", () => {
    const a = createSessionToken();
    const b = createSessionToken();
    expect(a.token).toMatch(/^[a-km-np-z2-9]{24}\.[a-km-np-z2-9]{24}$/);
    expect(a.token).toBe(`${a.id}.${a.secret}`);
    expect(a.token).not.toBe(b.token);
  });

  it("round-trip through parseSessionToken (property)", () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const created = createSessionToken();
        expect(parseSessionToken(created.token)).toEqual({ id: created.id, secret: created.secret });
      }),
      { numRuns: 200 },
    );
  });

  it("refuses anything that is not exactly our shape", () => {
    const { id, secret } = createSessionToken();
    for (const bad of [
      "",
      id,
      `${id}.`,
      `${id}.${secret}.x`,
      `${id}.${secret}x`,
      `${id.toUpperCase()}.${secret}`,
      `${id}.${secret.replace(/./, "0")}`,
    ]) {
      expect(parseSessionToken(bad)).toBeNull();
    }
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseSessionToken(text);
        if (parsed !== null) expect(`${parsed.id}.${parsed.secret}`).toBe(text);
      }),
    );
  });

  it("store only a hash that verifies the secret and nothing else", async () => {
    const { secret } = createSessionToken();
    const hash = await hashSessionSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret);
    expect(await verifySessionSecret(secret, hash)).toBe(true);
    expect(await verifySessionSecret(createSessionToken().secret, hash)).toBe(false);
  });
});

describe("session lifetime", () => {
  const created = new Date("2026-01-01T00:00:00Z");

  it("refreshes lastVerifiedAt at most once per check interval", () => {
    expect(sessionNeedsRefresh(created, new Date(created.getTime() + hour - 1))).toBe(false);
    expect(sessionNeedsRefresh(created, new Date(created.getTime() + hour))).toBe(true);
  });

  it("expires after the inactivity timeout but not while in use", () => {
    const timeout = sessionPolicy.inactivityTimeoutSeconds * 1000;
    const session = { createdAt: created, lastVerifiedAt: created };
    expect(sessionExpired(session, new Date(created.getTime() + timeout - 1))).toBe(false);
    expect(sessionExpired(session, new Date(created.getTime() + timeout))).toBe(true);
    const active = { createdAt: created, lastVerifiedAt: new Date(created.getTime() + 5 * 24 * hour) };
    expect(sessionExpired(active, new Date(created.getTime() + 6 * 24 * hour))).toBe(false);
  });

  it("expires after the absolute lifetime even when active", () => {
    const age = sessionPolicy.absoluteLifetimeSeconds * 1000;
    const now = new Date(created.getTime() + age);
    expect(sessionExpired({ createdAt: created, lastVerifiedAt: new Date(now.getTime() - 1000) }, now)).toBe(
      true,
    );
  });
});

describe("session cookie", () => {
  it("is HttpOnly, Secure, SameSite=Lax, host-only under __Host-", () => {
    const { token } = createSessionToken();
    const cookie = sessionCookie(token, { maxAge: 3600 });
    expect(cookie).toBe(`__Host-tf_session=${token}; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax`);
    expect(cookie).not.toContain("Domain");
  });

  it("drops Secure and the __Host- prefix only for plain-HTTP development", () => {
    expect(sessionCookie("t", { secure: false, maxAge: 1 })).toBe(
      "tf_session=t; Max-Age=1; Path=/; HttpOnly; SameSite=Lax",
    );
  });

  it("blanks with Max-Age=0", () => {
    expect(blankSessionCookie()).toBe(
      "__Host-tf_session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
    );
  });

  it("reads the token back from a Cookie header among other cookies", () => {
    const { token } = createSessionToken();
    expect(readSessionCookie(`theme=dark; __Host-tf_session=${token}; lang=en`)).toBe(token);
    expect(readSessionCookie(`tf_session=${token}`, { secure: false })).toBe(token);
  });

  it("ignores the insecure name in production, garbage values and missing headers", () => {
    const { token } = createSessionToken();
    expect(readSessionCookie(`tf_session=${token}`)).toBeNull();
    expect(readSessionCookie("__Host-tf_session=not-a-token")).toBeNull();
    expect(readSessionCookie(`__Host-tf_session=junk; __Host-tf_session=${token}`)).toBe(token);
    expect(readSessionCookie(null)).toBeNull();
    expect(readSessionCookie("")).toBeNull();
  });
});
