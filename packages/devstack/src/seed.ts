/**
 * Demo data for `pnpm dev`: the platform, the demo MSSP "Northwind Security" with two branded client tenants
 * (Contoso Manufacturing, Fabrikam Health), a user for each role that matters, and one read-only API token per
 * client. Idempotent: a re-run finds what exists; passwords are fixed demo values (printed every time), the
 * tokens are printed only on the run that creates them (only their hashes are stored).
 *
 * The seed also imports the scoring package's fixture warninglists (CC0, `packages/scoring/fixtures/warninglists`)
 * through the warninglist import service, so suppression shows offline: the scheduled refresh only re-fetches
 * lists already stored. Unchanged lists write nothing, so a re-run is cheap.
 *
 * Portal hosts in dev (browsers resolve *.localhost to loopback): `intel.northwind.localhost` (the MSSP),
 * `contoso.intel.northwind.localhost`, `fabrikam.intel.northwind.localhost` (the clients' branded portals).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createApiToken, hashPassword } from "@threatfusion/auth";
import { newId, type Role } from "@threatfusion/core";
import { createDatabase, createPool } from "@threatfusion/db";
import { importWarninglists, type WarninglistImportResult } from "@threatfusion/services";

/** A demo sign-in in structured form, for the portal's browser tests (apps/portal/e2e). */
export interface DemoAccount {
  email: string;
  password: string;
  role: Role;
  tenantName: string;
  tenantSlug: string;
}

export interface DemoSeedResult {
  credentials: string[];
  accounts: DemoAccount[];
  warninglists: WarninglistImportResult;
}

/** MISP warninglists (CC0) the scoring package tests with; see its fixtures/SOURCES.md. */
export const demoWarninglistsDir = join(
  import.meta.dirname,
  "..",
  "..",
  "scoring",
  "fixtures",
  "warninglists",
);

/**
 * Imports every `<list-id>.json` of `directory` through `importWarninglists` (as the given role; the dev seed
 * uses the database owner). Idempotent: a list whose JSON is unchanged is reported as unchanged.
 */
export async function seedDemoWarninglists(options: {
  url: string;
  wsProxy?: string | undefined;
  directory?: string;
}): Promise<WarninglistImportResult> {
  const directory = options.directory ?? demoWarninglistsDir;
  const files = (await readdir(directory)).filter((file) => file.endsWith(".json")).sort();
  const lists = await Promise.all(
    files.map(async (file) => ({
      id: file.slice(0, -".json".length),
      json: JSON.parse(await readFile(join(directory, file), "utf8")) as unknown,
    })),
  );
  const database = createDatabase({ url: options.url, wsProxy: options.wsProxy }, { max: 1 });
  try {
    return await importWarninglists({ db: database.db, lists });
  } finally {
    await database.end();
  }
}

interface DemoTenant {
  slug: string;
  name: string;
  customDomain: string | null;
  settings: Record<string, unknown>;
}

interface DemoUser {
  email: string;
  role: Role;
  password: string;
  tenant: "platform" | "mssp" | "contoso" | "fabrikam";
}

const mssp: DemoTenant = {
  slug: "northwind",
  name: "Northwind Security",
  customDomain: "intel.northwind.localhost",
  settings: {
    branding: { productName: "Northwind Intel", colors: { primary: "#1f4e79", accent: "#f2a900" } },
  },
};

const clients: Record<"contoso" | "fabrikam", DemoTenant> = {
  contoso: {
    slug: "contoso",
    name: "Contoso Manufacturing",
    customDomain: null,
    settings: {
      branding: { productName: "Contoso Threat Desk", colors: { primary: "#0a3d62", accent: "#e55039" } },
      quotas: { users: 25, tokens: 20, privateFeeds: 5, enrichmentBudget: 10_000 },
    },
  },
  fabrikam: {
    slug: "fabrikam",
    name: "Fabrikam Health",
    customDomain: null,
    settings: {
      branding: { productName: "Fabrikam SOC Intel", colors: { primary: "#2d6a4f", accent: "#95d5b2" } },
      quotas: { users: 10, tokens: 10, privateFeeds: 2, enrichmentBudget: 5_000 },
      requireMfa: true,
    },
  },
};

const users: DemoUser[] = [
  {
    email: "platform@threatfusion.localhost",
    role: "platform_admin",
    password: "platform-demo-passphrase",
    tenant: "platform",
  },
  { email: "alice@northwind.example", role: "mssp_admin", password: "northwind-admin-demo", tenant: "mssp" },
  {
    email: "bob@northwind.example",
    role: "mssp_analyst",
    password: "northwind-analyst-demo",
    tenant: "mssp",
  },
  { email: "carol@contoso.example", role: "tenant_admin", password: "contoso-admin-demo", tenant: "contoso" },
  { email: "dave@contoso.example", role: "analyst", password: "contoso-analyst-demo", tenant: "contoso" },
  {
    email: "erin@fabrikam.example",
    role: "tenant_admin",
    password: "fabrikam-admin-demo",
    tenant: "fabrikam",
  },
  { email: "frank@fabrikam.example", role: "analyst", password: "fabrikam-analyst-demo", tenant: "fabrikam" },
];

type Pool = ReturnType<typeof createPool>;

async function ensureTenant(
  pool: Pool,
  parentId: string | null,
  kind: string,
  tenant: DemoTenant,
): Promise<string> {
  const found = await pool.query<{ id: string }>(
    "select id from tenants where parent_id is not distinct from $1 and slug = $2",
    [parentId, tenant.slug],
  );
  const existing = found.rows[0]?.id;
  if (existing) return existing;
  const id = newId("tenant");
  await pool.query(
    "insert into tenants (id, parent_id, kind, name, slug, settings, custom_domain) values ($1, $2, $3, $4, $5, $6::jsonb, $7)",
    [id, parentId, kind, tenant.name, tenant.slug, JSON.stringify(tenant.settings), tenant.customDomain],
  );
  return id;
}

async function ensureUser(pool: Pool, tenantId: string, user: DemoUser): Promise<string> {
  const found = await pool.query<{ id: string }>("select id from users where lower(email) = lower($1)", [
    user.email,
  ]);
  let userId = found.rows[0]?.id;
  if (!userId) {
    userId = newId("user");
    await pool.query("insert into users (id, email) values ($1, $2)", [userId, user.email]);
  }
  await pool.query(
    "insert into memberships (id, tenant_id, user_id, role) values ($1, $2, $3, $4) on conflict (tenant_id, user_id) do nothing",
    [newId("membership"), tenantId, userId, user.role],
  );
  const credentials = await pool.query(
    "select 1 from user_credentials where user_id = $1 and password_hash is not null",
    [userId],
  );
  if (credentials.rows.length === 0) {
    await pool.query(
      `insert into user_credentials (user_id, password_hash, password_updated_at) values ($1, $2, now())
       on conflict (user_id) do update set password_hash = excluded.password_hash, password_updated_at = now()`,
      [userId, await hashPassword(user.password)],
    );
  }
  return userId;
}

/** Seeds (or finds) the demo tenants, users and tokens; returns the lines `pnpm dev` prints. */
export async function seedDemo(options: {
  adminUrl: string;
  wsProxy?: string | undefined;
  log: (message: string) => void;
}): Promise<DemoSeedResult> {
  const pool = createPool({ url: options.adminUrl, wsProxy: options.wsProxy }, { max: 1 });
  try {
    await pool.query(
      `insert into tenants (id, parent_id, kind, name, slug) values ($1, null, 'platform', 'ThreatFusion platform', 'platform')
       on conflict do nothing`,
      [newId("tenant")],
    );
    const platform = await pool.query<{ id: string }>("select id from tenants where kind = 'platform'");
    const platformId = platform.rows[0]?.id;
    if (!platformId) throw new Error("no platform tenant");
    const msspId = await ensureTenant(pool, platformId, "mssp", mssp);
    const tenantIds = {
      platform: platformId,
      mssp: msspId,
      contoso: await ensureTenant(pool, msspId, "client", clients.contoso),
      fabrikam: await ensureTenant(pool, msspId, "client", clients.fabrikam),
    };
    const lines = ["demo sign-ins (dev only; Fabrikam requires MFA, so its users enrol TOTP first):"];
    for (const user of users) {
      await ensureUser(pool, tenantIds[user.tenant], user);
      lines.push(`  ${user.role.padEnd(15)} ${user.email.padEnd(32)} ${user.password}`);
    }
    lines.push("demo read-only API tokens (indicators:read, exports:read; shown once, at the first seed):");
    for (const name of ["contoso", "fabrikam"] as const) {
      const tenantId = tenantIds[name];
      const existing = await pool.query(
        "select 1 from api_tokens where tenant_id = $1 and name = 'Demo SIEM (read-only)'",
        [tenantId],
      );
      if (existing.rows.length > 0) {
        lines.push(`  ${name.padEnd(9)} (created on the first run; revoke it and re-seed for a new one)`);
        continue;
      }
      const token = await createApiToken();
      await pool.query(
        `insert into api_tokens (id, tenant_id, name, token_prefix, token_hash, scopes, expires_at)
         values ($1, $2, 'Demo SIEM (read-only)', $3, $4, '{indicators:read,exports:read}', now() + interval '365 days')`,
        [token.id, tenantId, token.hint, token.secretHash],
      );
      lines.push(`  ${name.padEnd(9)} ${token.token}`);
    }
    options.log(
      `demo data: Northwind Security with ${Object.keys(clients).length} clients and ${users.length} users`,
    );
    // Before the Worker starts, so the first feed run already suppresses what the lists cover.
    const warninglists = await seedDemoWarninglists({ url: options.adminUrl, wsProxy: options.wsProxy });
    if (warninglists.rejected.length > 0) {
      throw new Error(`demo warninglists rejected: ${JSON.stringify(warninglists.rejected)}`);
    }
    options.log(
      `demo warninglists: ${warninglists.imported.length} imported, ${warninglists.unchanged.length} unchanged`,
    );
    const tenantOf = { platform: { name: "ThreatFusion platform", slug: "platform" }, mssp, ...clients };
    const accounts = users.map((user) => ({
      email: user.email,
      password: user.password,
      role: user.role,
      tenantName: tenantOf[user.tenant].name,
      tenantSlug: tenantOf[user.tenant].slug,
    }));
    return { credentials: lines, accounts, warninglists };
  } finally {
    await pool.end();
  }
}
