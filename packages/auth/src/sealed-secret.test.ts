import { describe, expect, it } from "vitest";
import { generateSecretsKey, importSecretsKey, openSealedSecret, sealSecret } from "./sealed-secret.ts";

describe("sealed secrets", () => {
  it("open under the same key and context, and only there", async () => {
    const key = await importSecretsKey(generateSecretsKey());
    const other = await importSecretsKey(generateSecretsKey());
    const secret = new Uint8Array([1, 2, 3, 4, 5]);
    const sealed = await sealSecret(key, secret, "usr_a");
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(await openSealedSecret(key, sealed, "usr_a")).toEqual(secret);
    expect(await openSealedSecret(key, sealed, "usr_b")).toBeNull();
    expect(await openSealedSecret(other, sealed, "usr_a")).toBeNull();
    expect(await openSealedSecret(key, `${sealed}x`, "usr_a")).toBeNull();
    expect(await openSealedSecret(key, "v2.abc.def", "usr_a")).toBeNull();
  });

  it("never seals the same secret twice to the same text", async () => {
    const key = await importSecretsKey(generateSecretsKey());
    const secret = new Uint8Array(20);
    expect(await sealSecret(key, secret, "c")).not.toBe(await sealSecret(key, secret, "c"));
  });

  it("refuses keys that are not 32 bytes of base64", async () => {
    await expect(importSecretsKey(btoa("short"))).rejects.toThrow(RangeError);
    await expect(importSecretsKey("not base64!")).rejects.toThrow(RangeError);
  });
});
