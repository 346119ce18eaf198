/**
 * Test helpers for Worker suites: mint a tenant tree of your own and authenticate as real actors of it.
 * They write through the owner connection (`DATABASE_ADMIN_URL`, bound in tests only) and return real
 * credentials, so the request then goes through the real authentication middleware.
 *
 * @example
 * const tree = await createTestTenantTree("sightings");
 * afterAll(() => tree.cleanup());
 * const { authorization } = await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read"] });
 * const response = await apiFetch("/api/v1/indicators", { headers: { authorization } });
 */
import { env, exports } from "cloudflare:workers";
import {
  createApiToken,
  createSessionToken,
  hashPassword,
  hashSessionSecret,
  insecureSessionCookieName,
  sessionPolicy,
} from "@threatfusion/auth";
import { newId, type Role, type TokenScope } from "@threatfusion/core";
import { createClient, type DatabaseConfig } from "@threatfusion/db";
import { createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";

/** The origin test requests use; state-changing cookie requests must send it as `Origin`. */
export const testOrigin = "http://tf.test";

/** The owner connection of the test database (bypasses row-level security: fixtures only). */
export function adminDatabaseConfig(): DatabaseConfig {
  const bindings = env as unknown as Record<string, string | undefined>;
  const url = bindings.DATABASE_ADMIN_URL;
  if (!url) throw new Error("DATABASE_ADMIN_URL is not bound (Worker tests only)");
  return { url, wsProxy: bindings.PG_WS_PROXY };
}

/** Runs one statement as the owner. */
export async function adminQuery<Row extends Record<string, unknown> = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = createClient(adminDatabaseConfig());
  // workerd reports the server closing the socket after `end()` as an error event; nothing is lost then.
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Platform -> MSSP -> clients A and B, with an admin user in each (see `@threatfusion/db` createTenantTree). */
export function createTestTenantTree(label = "api"): Promise<TestTenantTree> {
  return createTenantTree(adminDatabaseConfig(), label);
}

export interface TestUser {
  userId: string;
  email: string;
  password: string | null;
}

/**
 * A user with a membership of `role` in `tenantId` (the role must suit the tenant's kind). With `password`,
 * also a password credential (Argon2id: about a quarter second).
 */
export async function createTestUser(input: {
  tenantId: string;
  role: Role;
  email?: string;
  password?: string;
}): Promise<TestUser> {
  const userId = newId("user");
  const email = input.email ?? `${userId}@example.test`;
  await adminQuery("insert into users (id, email) values ($1, $2)", [userId, email]);
  await adminQuery("insert into memberships (id, tenant_id, user_id, role) values ($1, $2, $3, $4)", [
    newId("membership"),
    input.tenantId,
    userId,
    input.role,
  ]);
  if (input.password !== undefined) {
    await adminQuery(
      "insert into user_credentials (user_id, password_hash, password_updated_at) values ($1, $2, now())",
      [userId, await hashPassword(input.password)],
    );
  }
  return { userId, email, password: input.password ?? null };
}

export interface TestToken {
  tokenId: string;
  token: string;
  /** `Bearer <token>`, ready for the Authorization header. */
  authorization: string;
}

/** An API token of `tenantId` with `scopes` (tenant-owned unless `userId` is given). */
export async function createTestToken(input: {
  tenantId: string;
  scopes: readonly TokenScope[];
  userId?: string;
  expiresAt?: Date | null;
  ipAllowlist?: string[];
  revoked?: boolean;
}): Promise<TestToken> {
  const created = await createApiToken();
  await adminQuery(
    `insert into api_tokens (id, tenant_id, user_id, name, token_prefix, token_hash, scopes, expires_at, ip_allowlist, revoked_at)
     values ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9::text[], $10)`,
    [
      created.id,
      input.tenantId,
      input.userId ?? null,
      `test token ${created.id}`,
      created.hint,
      created.secretHash,
      [...input.scopes],
      input.expiresAt === undefined
        ? new Date(Date.now() + 3_600_000).toISOString()
        : (input.expiresAt?.toISOString() ?? null),
      input.ipAllowlist ?? [],
      input.revoked ? new Date().toISOString() : null,
    ],
  );
  return { tokenId: created.id, token: created.token, authorization: `Bearer ${created.token}` };
}

export interface TestSession {
  sessionId: string;
  /** `tf_session=<token>` for the Cookie header. */
  cookie: string;
  /** Cookie plus the same-origin `Origin` header, for state-changing requests. */
  headers: { cookie: string; origin: string };
}

/**
 * A signed-in session of `userId` in `tenantId` (their membership's tenant), written directly (no password
 * round trip). `mfaVerified` marks the second factor as passed; `lastSeenAt` backdates activity.
 */
export async function signInTestUser(input: {
  userId: string;
  tenantId: string;
  mfaVerified?: boolean;
  lastSeenAt?: Date;
}): Promise<TestSession> {
  const { id, secret, token } = createSessionToken();
  const now = Date.now();
  await adminQuery(
    `insert into sessions (id, tenant_id, user_id, token_hash, created_at, last_seen_at, expires_at, mfa_verified_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      id,
      input.tenantId,
      input.userId,
      await hashSessionSecret(secret),
      new Date(input.lastSeenAt?.getTime() ?? now).toISOString(),
      new Date(input.lastSeenAt?.getTime() ?? now).toISOString(),
      new Date(now + sessionPolicy.absoluteLifetimeSeconds * 1000).toISOString(),
      input.mfaVerified ? new Date(now).toISOString() : null,
    ],
  );
  const cookie = `${insecureSessionCookieName}=${token}`;
  return { sessionId: id, cookie, headers: { cookie, origin: testOrigin } };
}

/** Calls the Worker like a client would (`path` under http://tf.test), JSON-encoding `json` bodies. */
export function apiFetch(
  path: string,
  init: { method?: string; headers?: Record<string, string>; json?: unknown; body?: BodyInit } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(
    new Request(`${testOrigin}${path}`, { method: init.method ?? "GET", headers, body }),
  );
}
