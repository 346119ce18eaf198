/**
 * Cost of one password hash with our parameters, side by side with the alternatives considered in
 * docs/adr/0006-password-hashing.md, all measured in the same run:
 *   node packages/auth/bench/password-kdf.ts [rounds]
 * Web Crypto PBKDF2 is what workerd offers natively (capped at 100,000 iterations there); node:crypto
 * scrypt is a native memory-hard peer that workerd does not have.
 */
import { scryptSync } from "node:crypto";
import { argon2id } from "@noble/hashes/argon2.js";
import { scrypt as nobleScrypt } from "@noble/hashes/scrypt.js";
import { hashPassword, passwordHashParams, verifyPassword } from "../src/password.ts";

const rounds = Number(process.argv[2] ?? 5);
const password = "correct horse battery staple";
const passwordBytes = new TextEncoder().encode(password);
const salt = crypto.getRandomValues(new Uint8Array(16));

async function measure(label: string, run: () => unknown): Promise<void> {
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
  console.log(
    `${label.padEnd(58)} median ${median.toFixed(1).padStart(7)} ms  min ${(times[0] ?? 0).toFixed(1).padStart(7)} ms`,
  );
}

const pbkdf2Key = await crypto.subtle.importKey("raw", passwordBytes, "PBKDF2", false, ["deriveBits"]);
const stored = await hashPassword(password);

console.log(`node ${process.version}, ${rounds} rounds each (median of rounds after one warm-up)`);
await measure(
  `ours: hashPassword argon2id m=${passwordHashParams.memoryKiB} t=${passwordHashParams.iterations} p=1 (noble, JS)`,
  () => hashPassword(password),
);
await measure("ours: verifyPassword (same parameters)", () => verifyPassword(password, stored));
await measure("argon2id m=47104 t=1 p=1 (noble, JS; OWASP alt.)", () =>
  argon2id(passwordBytes, salt, { m: 47104, t: 1, p: 1, dkLen: 32 }),
);
await measure("PBKDF2-SHA-256 100k (Web Crypto, native; workerd cap)", () =>
  crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, pbkdf2Key, 256),
);
await measure("PBKDF2-SHA-512 100k (Web Crypto, native)", () =>
  crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-512", salt, iterations: 100_000 }, pbkdf2Key, 512),
);
await measure("scrypt N=2^15 r=8 p=1 (noble, JS)", () =>
  nobleScrypt(passwordBytes, salt, { N: 2 ** 15, r: 8, p: 1, dkLen: 32 }),
);
await measure("scrypt N=2^15 r=8 p=1 (node:crypto, native; peer)", () =>
  scryptSync(passwordBytes, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }),
);
