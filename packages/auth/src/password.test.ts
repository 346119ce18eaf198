import { describe, expect, it } from "vitest";
import {
  hashPassword,
  type PasswordHashParams,
  passwordHashParams,
  passwordNeedsRehash,
  validatePasswordPolicy,
  verifyPassword,
  verifyPasswordForUnknownUser,
} from "./password.ts";

// Small parameters keep the suite fast; one test runs the production parameters.
const fast: PasswordHashParams = { ...passwordHashParams, memoryKiB: 64, iterations: 1 };

describe("validatePasswordPolicy", () => {
  it("requires at least 12 characters and nothing else", () => {
    expect(validatePasswordPolicy("elevenchars")).toEqual({ ok: false, reason: "too_short", limit: 12 });
    expect(validatePasswordPolicy("twelve chars")).toEqual({ ok: true });
    expect(validatePasswordPolicy("aaaaaaaaaaaa")).toEqual({ ok: true });
  });

  it("counts code points, not UTF-16 units", () => {
    expect(validatePasswordPolicy("🔑".repeat(11)).ok).toBe(false);
    expect(validatePasswordPolicy("🔑".repeat(12)).ok).toBe(true);
  });

  it("caps the length at 256", () => {
    expect(validatePasswordPolicy("x".repeat(256)).ok).toBe(true);
    expect(validatePasswordPolicy("x".repeat(257))).toEqual({ ok: false, reason: "too_long", limit: 256 });
  });
});

describe("hashPassword / verifyPassword", () => {
  it("writes a PHC string with its parameters and a fresh salt each time", async () => {
    const a = await hashPassword("correct horse battery", fast);
    const b = await hashPassword("correct horse battery", fast);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery", fast);
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(await verifyPassword("correct horse batterY", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("verifies hashes written by the reference implementation (libargon2 CLI)", async () => {
    // echo -n "correct horse battery staple" | argon2 somesaltsomesalt -id -t 2 -m 10 -p 1 -l 32 -e
    const reference =
      "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jl9aMRiFdmA52uqiivDqYVot6fVz3erNUlWPoxyg46A";
    expect(await verifyPassword("correct horse battery staple", reference)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", reference)).toBe(false);
    // echo -n "pässwörd ünïcode" | argon2 0123456789abcdef -id -t 3 -k 4096 -p 2 -l 32 -e  (UTF-8 input, 2 lanes)
    const unicode =
      "$argon2id$v=19$m=4096,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$/9hE0eNkmNj9rr/XfnlnkBMAQtJMvaiGtQjaOTQUfJc";
    expect(await verifyPassword("pässwörd ünïcode", unicode)).toBe(true);
  });

  it("treats the composed and decomposed spellings of a password alike (NFKC)", async () => {
    const stored = await hashPassword("caf\u00e9 au lait please", fast);
    expect(await verifyPassword("cafe\u0301 au lait please", stored)).toBe(true);
  });

  it("refuses malformed or out-of-bounds stored hashes instead of throwing", async () => {
    const stored = await hashPassword("correct horse battery", fast);
    const tampered = [
      "",
      "plaintext",
      stored.replace("argon2id", "argon2i"),
      stored.replace("v=19", "v=16"),
      stored.replace("m=64", "m=99999999"),
      stored.replace("t=1", "t=0"),
      stored.slice(0, -10),
    ];
    for (const bad of tampered) expect(await verifyPassword("correct horse battery", bad)).toBe(false);
  });

  it("works with the production parameters", async () => {
    const stored = await hashPassword("a long enough passphrase");
    expect(stored.startsWith("$argon2id$v=19$m=19456,t=2,p=1$")).toBe(true);
    expect(await verifyPassword("a long enough passphrase", stored)).toBe(true);
    expect(passwordNeedsRehash(stored)).toBe(false);
  });

  it("always answers false for an unknown user", async () => {
    expect(await verifyPasswordForUnknownUser("unknown-user-placeholder")).toBe(false);
  });
});

describe("passwordNeedsRehash", () => {
  it("asks for a rehash when parameters differ or the hash is unreadable", async () => {
    const weak = await hashPassword("correct horse battery", fast);
    expect(passwordNeedsRehash(weak)).toBe(true);
    expect(passwordNeedsRehash(weak, fast)).toBe(false);
    expect(passwordNeedsRehash("$2b$10$bcryptlooking")).toBe(true);
  });
});
