import { isId } from "@threatfusion/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  apiTokenExpired,
  apiTokenPattern,
  crc32,
  createApiToken,
  hasValidApiTokenChecksum,
  ipAllowed,
  parseApiToken,
  parseIpAllowlist,
  parseTokenScopes,
  readCredentials,
  validateTokenExpiry,
  verifyApiTokenSecret,
} from "./api-token.ts";
import { createSessionToken } from "./session.ts";

describe("API token format", () => {
  it("is tf_<id>_<secret><checksum>, greppable, and carries its row id", async () => {
    const created = await createApiToken();
    expect(created.token).toMatch(/^tf_[0-9a-z]{26}_[a-z2-9]{39}$/);
    expect(isId("apiToken", created.id)).toBe(true);
    expect(created.token.slice(3, 29)).toBe(created.id.slice(4));
    expect(created.hint).toBe(`tf_${created.id.slice(4, 12)}…`);
    expect(`leaked: ${created.token}.`.match(apiTokenPattern)).toEqual([created.token]);
  });

  it("computes the standard CRC-32", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
  });

  it("round-trips and verifies only against its own hash (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 47 }), async (now) => {
        const created = await createApiToken(now);
        const parsed = parseApiToken(created.token);
        expect(parsed?.id).toBe(created.id);
        expect(await verifyApiTokenSecret(parsed?.secret ?? "", created.secretHash)).toBe(true);
        expect(created.secretHash).not.toContain(parsed?.secret ?? "");
      }),
      { numRuns: 50 },
    );
    const a = await createApiToken();
    const b = await createApiToken();
    expect(await verifyApiTokenSecret(parseApiToken(a.token)?.secret ?? "", b.secretHash)).toBe(false);
  });

  it("rejects any single-character change through the checksum (property)", async () => {
    const { token } = await createApiToken();
    const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz_";
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        (index, char) => {
          fc.pre(token[index] !== char);
          const mutated = token.slice(0, index) + char + token.slice(index + 1);
          expect(hasValidApiTokenChecksum(mutated)).toBe(false);
        },
      ),
    );
  });

  it("rejects other shapes", () => {
    for (const bad of ["", "tf_", "ghp_abc", createSessionToken().token])
      expect(parseApiToken(bad)).toBeNull();
  });
});

describe("scopes and expiry", () => {
  it("accepts the closed list of scopes only", () => {
    expect(parseTokenScopes(["indicators:read", "exports:read", "indicators:read"])).toEqual({
      ok: true,
      scopes: ["indicators:read", "exports:read"],
    });
    expect(parseTokenScopes(["indicators:read", "root"])).toEqual({ ok: false, unknown: ["root"] });
  });

  it("requires an expiry between 5 minutes and a year unless the MSSP allows none", () => {
    const now = new Date("2026-05-01T00:00:00Z");
    const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    expect(validateTokenExpiry({ expiresAt: later(299), now, allowNoExpiry: false })).toEqual({
      ok: false,
      reason: "too_soon",
    });
    expect(validateTokenExpiry({ expiresAt: later(300), now, allowNoExpiry: false })).toEqual({ ok: true });
    expect(validateTokenExpiry({ expiresAt: later(365 * 86400), now, allowNoExpiry: false })).toEqual({
      ok: true,
    });
    expect(validateTokenExpiry({ expiresAt: later(365 * 86400 + 1), now, allowNoExpiry: false })).toEqual({
      ok: false,
      reason: "too_late",
    });
    expect(validateTokenExpiry({ expiresAt: null, now, allowNoExpiry: false })).toEqual({
      ok: false,
      reason: "expiry_required",
    });
    expect(validateTokenExpiry({ expiresAt: null, now, allowNoExpiry: true })).toEqual({ ok: true });
    expect(validateTokenExpiry({ expiresAt: new Date(Number.NaN), now, allowNoExpiry: true }).ok).toBe(false);
    expect(apiTokenExpired(later(1), now)).toBe(false);
    expect(apiTokenExpired(now, now)).toBe(true);
    expect(apiTokenExpired(null, now)).toBe(false);
  });
});

describe("IP allowlist", () => {
  it("allows everything when the list is empty", () => {
    expect(ipAllowed("203.0.113.9", [])).toBe(true);
  });

  it("matches IPv4, IPv6 and bare addresses", () => {
    const cidrs = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"];
    expect(ipAllowed("10.200.3.4", cidrs)).toBe(true);
    expect(ipAllowed("11.0.0.1", cidrs)).toBe(false);
    expect(ipAllowed("2001:db8:1::5", cidrs)).toBe(true);
    expect(ipAllowed("2001:db9::5", cidrs)).toBe(false);
    expect(ipAllowed("192.0.2.7", cidrs)).toBe(true);
    expect(ipAllowed("192.0.2.8", cidrs)).toBe(false);
  });

  it("treats IPv4-mapped IPv6 clients and ranges as IPv4", () => {
    expect(ipAllowed("::ffff:10.1.2.3", ["10.0.0.0/8"])).toBe(true);
    expect(ipAllowed("10.1.2.3", ["::ffff:10.0.0.0/104"])).toBe(true);
    expect(ipAllowed("::ffff:11.1.2.3", ["10.0.0.0/8"])).toBe(false);
  });

  it("never matches garbage or non-canonical IPv4 forms", () => {
    expect(ipAllowed("not-an-ip", ["0.0.0.0/0"])).toBe(false);
    expect(ipAllowed("10.1", ["10.0.0.0/8"])).toBe(false);
    expect(ipAllowed("10.0.0.1", ["bogus"])).toBe(false);
  });

  it("validates and normalises admin input", () => {
    expect(parseIpAllowlist([" 10.0.0.0/8", "2001:DB8::/32", "192.0.2.7", "::ffff:10.0.0.0/104"])).toEqual({
      ok: true,
      cidrs: ["10.0.0.0/8", "2001:db8:0:0:0:0:0:0/32", "192.0.2.7/32", "10.0.0.0/8"],
    });
    expect(
      parseIpAllowlist(["10.0.0.0/33", "10.0.0.0/8/1", "300.1.1.1", "fe80::/129", "10.0.0.0/x"]),
    ).toEqual({
      ok: false,
      invalid: ["10.0.0.0/33", "10.0.0.0/8/1", "300.1.1.1", "fe80::/129", "10.0.0.0/x"],
    });
  });
});

describe("readCredentials", () => {
  it("reads a Bearer token", async () => {
    const { token } = await createApiToken();
    expect(readCredentials(new Headers({ Authorization: `Bearer ${token}` }))).toEqual({
      kind: "api_token",
      token,
      via: "bearer",
    });
    expect(readCredentials(new Headers({ Authorization: `bearer   ${token}` }))).toEqual({
      kind: "api_token",
      token,
      via: "bearer",
    });
  });

  it("reads the token from the password of HTTP Basic (for TAXII clients)", async () => {
    const { token } = await createApiToken();
    const header = `Basic ${btoa(`taxii-client:${token}`)}`;
    expect(readCredentials(new Headers({ Authorization: header }))).toEqual({
      kind: "api_token",
      token,
      via: "basic",
    });
    expect(readCredentials(new Headers({ Authorization: `Basic ${btoa(`:${token}`)}` }))).toMatchObject({
      kind: "api_token",
    });
  });

  it("answers invalid for other schemes and non-token values, without falling back to the cookie", async () => {
    const session = createSessionToken().token;
    const cookie = `__Host-tf_session=${session}`;
    const cases: Array<[string, string]> = [
      ["Digest abc", "unsupported_scheme"],
      ["Bearer", "malformed_authorization"],
      ["Bearer not-a-token", "not_an_api_token"],
      [`Basic ${btoa("user-without-colon")}`, "malformed_authorization"],
      ["Basic !!!", "malformed_authorization"],
      [`Basic ${btoa("user:password123")}`, "not_an_api_token"],
      [`Bearer ${session}`, "not_an_api_token"],
    ];
    for (const [authorization, reason] of cases) {
      expect(readCredentials(new Headers({ Authorization: authorization, Cookie: cookie }))).toEqual({
        kind: "invalid",
        reason,
      });
    }
  });

  it("tells a session cookie apart, and none at all", () => {
    const { token } = createSessionToken();
    expect(readCredentials(new Headers({ Cookie: `__Host-tf_session=${token}` }))).toEqual({
      kind: "session",
      token,
    });
    expect(readCredentials(new Headers({ Cookie: `tf_session=${token}` }), { secureCookies: false })).toEqual(
      { kind: "session", token },
    );
    expect(readCredentials(new Headers())).toEqual({ kind: "none" });
  });
});
