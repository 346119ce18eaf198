import { describe, expect, it } from "vitest";
import {
  createTotpSecret,
  generateRecoveryCodes,
  hashRecoveryCode,
  mfaRequirement,
  totpCodeForStep,
  totpKeyUri,
  totpStepAt,
  verifyRecoveryCode,
  verifyTotpCode,
} from "./totp.ts";

// RFC 6238 appendix B: the SHA-1 secret is the ASCII string "12345678901234567890".
const rfcSecret = new TextEncoder().encode("12345678901234567890");

describe("TOTP", () => {
  it("computes the RFC 6238 test vectors (last 6 of the 8 digits)", () => {
    expect(totpCodeForStep(rfcSecret, totpStepAt(new Date(59_000)))).toBe("287082");
    expect(totpCodeForStep(rfcSecret, totpStepAt(new Date(1_111_111_109_000)))).toBe("081804");
    expect(totpCodeForStep(rfcSecret, totpStepAt(new Date(1_234_567_890_000)))).toBe("005924");
  });

  it("creates 160-bit secrets and an otpauth URI naming the tenant's brand", () => {
    const secret = createTotpSecret();
    expect(secret.length).toBe(20);
    const uri = new URL(totpKeyUri({ issuer: "Acme SOC", accountName: "ana@client.test", secret }));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe("/Acme SOC:ana@client.test");
    expect(uri.searchParams.get("issuer")).toBe("Acme SOC");
    expect(uri.searchParams.get("period")).toBe("30");
    expect(uri.searchParams.get("digits")).toBe("6");
    expect(uri.searchParams.get("secret")).toMatch(/^[A-Z2-7]{32}$/);
  });

  it("keeps the label unambiguous when a brand or account contains a colon", () => {
    const uri = new URL(
      totpKeyUri({ issuer: "SOC: Night Shift", accountName: "a:b@c.test", secret: createTotpSecret() }),
    );
    expect(decodeURIComponent(uri.pathname)).toBe("/SOC Night Shift:ab@c.test");
    expect(uri.searchParams.get("issuer")).toBe("SOC Night Shift");
  });

  it("accepts the current step and one step either side, and returns the step", () => {
    const now = new Date(1_700_000_000_000);
    const step = totpStepAt(now);
    for (const offset of [-1, 0, 1]) {
      const code = totpCodeForStep(rfcSecret, step + offset);
      expect(verifyTotpCode({ secret: rfcSecret, code, now, lastUsedStep: null })).toEqual({
        ok: true,
        step: step + offset,
      });
    }
    for (const offset of [-2, 2]) {
      const code = totpCodeForStep(rfcSecret, step + offset);
      expect(verifyTotpCode({ secret: rfcSecret, code, now, lastUsedStep: null })).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
  });

  it("refuses a replayed code and any code of an earlier step", () => {
    const now = new Date(1_700_000_000_000);
    const step = totpStepAt(now);
    const code = totpCodeForStep(rfcSecret, step);
    const first = verifyTotpCode({ secret: rfcSecret, code, now, lastUsedStep: null });
    expect(first.ok).toBe(true);
    const lastUsedStep = first.ok ? first.step : null;
    expect(verifyTotpCode({ secret: rfcSecret, code, now, lastUsedStep })).toEqual({
      ok: false,
      reason: "replayed",
    });
    const older = totpCodeForStep(rfcSecret, step - 1);
    expect(verifyTotpCode({ secret: rfcSecret, code: older, now, lastUsedStep })).toEqual({
      ok: false,
      reason: "replayed",
    });
    const newer = totpCodeForStep(rfcSecret, step + 1);
    expect(verifyTotpCode({ secret: rfcSecret, code: newer, now, lastUsedStep }).ok).toBe(true);
  });

  it("tolerates spaces and refuses malformed input", () => {
    const now = new Date(59_000);
    expect(verifyTotpCode({ secret: rfcSecret, code: "287 082", now, lastUsedStep: null }).ok).toBe(true);
    for (const code of ["", "28708", "2870821", "abcdef"]) {
      expect(verifyTotpCode({ secret: rfcSecret, code, now, lastUsedStep: null })).toEqual({
        ok: false,
        reason: "malformed",
      });
    }
  });
});

describe("recovery codes", () => {
  it("are ten distinct human-friendly codes of 16 symbols", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){3}$/);
  });

  it("verify against the stored hashes, forgiving case and dashes, and tell which one matched", async () => {
    const codes = generateRecoveryCodes(3);
    const hashes = await Promise.all(codes.map((code) => hashRecoveryCode(code)));
    const second = codes[1] ?? "";
    expect(await verifyRecoveryCode(second, hashes)).toEqual({ ok: true, index: 1 });
    expect(await verifyRecoveryCode(second.toUpperCase().replaceAll("-", " "), hashes)).toEqual({
      ok: true,
      index: 1,
    });
    // Single use: once the caller deletes the matched hash, the code no longer works.
    const remaining = hashes.filter((_, index) => index !== 1);
    expect(await verifyRecoveryCode(second, remaining)).toEqual({ ok: false });
    expect(await verifyRecoveryCode(generateRecoveryCodes(1)[0] ?? "", hashes)).toEqual({ ok: false });
    expect(await verifyRecoveryCode("not-a-code", hashes)).toEqual({ ok: false });
  });

  it("refuses to hash something that is not a recovery code", async () => {
    await expect(hashRecoveryCode("short")).rejects.toThrow(RangeError);
  });
});

describe("mfaRequirement", () => {
  it("challenges enrolled users, forces enrolment only where the tenant requires MFA", () => {
    expect(mfaRequirement({ tenantRequiresMfa: false, userHasTotp: true, sessionPassedMfa: false })).toBe(
      "challenge_required",
    );
    expect(mfaRequirement({ tenantRequiresMfa: true, userHasTotp: false, sessionPassedMfa: false })).toBe(
      "enrolment_required",
    );
    expect(mfaRequirement({ tenantRequiresMfa: false, userHasTotp: false, sessionPassedMfa: false })).toBe(
      "not_required",
    );
    expect(mfaRequirement({ tenantRequiresMfa: true, userHasTotp: true, sessionPassedMfa: true })).toBe(
      "satisfied",
    );
  });
});
