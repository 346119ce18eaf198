import { createClient, type DatabaseConfig } from "./client.ts";

/** The login roles the migrations create (NOLOGIN until someone gives them a password). */
export const databaseRoles = { app: "tf_app", ingest: "tf_ingest" } as const;
export type LoginRole = keyof typeof databaseRoles;

/**
 * Dev/test only: lets the application and ingestion roles log in with the given passwords (production
 * operators set theirs outside the code). Run it with the owner/superuser config after `migrate()`.
 */
export async function ensureLoginRoles(
  admin: DatabaseConfig,
  passwords: Record<LoginRole, string>,
): Promise<void> {
  const client = createClient(admin);
  await client.connect();
  try {
    // The Neon driver computes SCRAM's PBKDF2 as one awaited Web Crypto HMAC per iteration: with the default
    // 4,096 iterations every new connection costs 25–40 ms of CPU on the Worker's one thread, which
    // serialized all dev/test requests (docs/BENCHMARKS.md, API section). Dev/test verifiers use one
    // iteration (PostgreSQL 16+); production connects through Neon's proxy, where the driver sends the
    // password over TLS.
    await client.query(
      "do $$ begin if current_setting('server_version_num')::int >= 160000 then perform set_config('scram_iterations', '1', false); end if; end $$",
    );
    for (const role of Object.keys(databaseRoles) as LoginRole[]) {
      // ALTER ROLE takes no bind parameters; quote_literal builds the statement inside the server.
      const { rows } = await client.query<{ statement: string }>(
        "select format('alter role %I login password %L', $1::text, $2::text) as statement",
        [databaseRoles[role], passwords[role]],
      );
      const statement = rows[0]?.statement;
      if (statement) await client.query(statement);
    }
  } finally {
    await client.end();
  }
}

/** The connection string of `role` on the same server and database as `adminUrl`. */
export function roleUrl(adminUrl: string, role: LoginRole, password: string): string {
  const url = new URL(adminUrl);
  url.username = databaseRoles[role];
  url.password = password;
  return url.toString();
}
