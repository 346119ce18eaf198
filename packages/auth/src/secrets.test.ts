import { describe, expect, it } from "vitest";
import {
  isSecretString,
  secretAlphabet,
  secureRandomString,
  sha256Hex,
  verifySecretHash,
} from "./secrets.ts";

describe("secureRandomString", () => {
  it("uses 32 unambiguous symbols and the requested length", () => {
    expect(new Set(secretAlphabet).size).toBe(32);
    for (const lookAlike of ["l", "o", "0", "1"]) expect(secretAlphabet).not.toContain(lookAlike);
    const value = secureRandomString(40);
    expect(isSecretString(value, 40)).toBe(true);
  });

  it("uses every symbol over many draws (no bias towards part of the alphabet)", () => {
    const seen = new Set(secureRandomString(4000));
    expect(seen.size).toBe(32);
  });
});

describe("sha256Hex / verifySecretHash", () => {
  it("matches the SHA-256 test vector for 'abc'", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("accepts the right secret and refuses a wrong one or a malformed stored hash", async () => {
    const hash = await sha256Hex("s3cret");
    expect(await verifySecretHash("s3cret", hash)).toBe(true);
    expect(await verifySecretHash("s3cres", hash)).toBe(false);
    expect(await verifySecretHash("s3cret", hash.toUpperCase())).toBe(false);
    expect(await verifySecretHash("s3cret", "")).toBe(false);
  });
});
