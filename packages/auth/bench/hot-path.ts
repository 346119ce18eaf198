/**
 * Per-request costs of the auth checks that run on every API call, next to the raw SHA-256 digest they
 * are built on (the limit measured in the same run):
 *   node packages/auth/bench/hot-path.ts [iterations]
 */

import {
  createApiToken,
  ipAllowed,
  parseApiToken,
  readCredentials,
  verifyApiTokenSecret,
} from "../src/api-token.ts";
import { chainAuditEntry } from "../src/audit-chain.ts";
import { rateLimitStep } from "../src/rate-limit.ts";
import {
  createSessionToken,
  hashSessionSecret,
  parseSessionToken,
  verifySessionSecret,
} from "../src/session.ts";

const iterations = Number(process.argv[2] ?? 20_000);

async function measure(label: string, run: () => unknown): Promise<void> {
  for (let i = 0; i < Math.min(1000, iterations); i++) await run();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await run();
  const perOpUs = ((performance.now() - start) * 1000) / iterations;
  console.log(
    `${label.padEnd(52)} ${perOpUs.toFixed(2).padStart(8)} µs/op  ${Math.round(1e6 / perOpUs)
      .toLocaleString("en")
      .padStart(10)} op/s`,
  );
}

const session = createSessionToken();
const sessionHash = await hashSessionSecret(session.secret);
const apiToken = await createApiToken();
const headers = new Headers({ Authorization: `Bearer ${apiToken.token}` });
const secretBytes = new TextEncoder().encode(session.secret);
const allowlist = ["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32", "203.0.113.0/24"];
let rateState = null as ReturnType<typeof rateLimitStep>["state"] | null;
let clock = 0;

console.log(`node ${process.version}, ${iterations} iterations each`);
await measure("raw crypto.subtle.digest SHA-256 (limit)", () => crypto.subtle.digest("SHA-256", secretBytes));
await measure("parseSessionToken + verifySessionSecret", () => {
  const parsed = parseSessionToken(session.token);
  return parsed && verifySessionSecret(parsed.secret, sessionHash);
});
await measure("readCredentials + parseApiToken + verify secret", () => {
  const credentials = readCredentials(headers);
  const parsed = credentials.kind === "api_token" ? parseApiToken(credentials.token) : null;
  return parsed && verifyApiTokenSecret(parsed.secret, apiToken.secretHash);
});
await measure("ipAllowed (4 CIDRs, IPv6 client)", () => ipAllowed("2001:db8:5::1", allowlist));
await measure("rateLimitStep", () => {
  clock += 10;
  rateState = rateLimitStep(rateState, clock, { limit: 600, periodSeconds: 60 }).state;
});
let previous: { hash: string } | null = null;
await measure("chainAuditEntry (small entry)", async () => {
  previous = await chainAuditEntry(previous, {
    tenantId: "tnt_a",
    action: "token.create",
    actor: "usr_1",
    n: clock++,
  });
});
