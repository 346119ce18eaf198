import { newId } from "@threatfusion/core";
// The module augmented below must be in every program that includes this file (benchmarks import it too).
import type {} from "vitest";
import { createDatabase, createPool, type DatabaseConfig, type DatabaseHandle } from "./client.ts";

/**
 * Test fixtures: a tenant tree of one's own, so each suite mints its tenants and removes only those.
 * Uses the owner/superuser connection (the test setup's `adminUrl`), which bypasses row-level security.
 */
export interface TestTenantTree {
  platformId: string;
  msspId: string;
  clientAId: string;
  clientBId: string;
  /** One admin user in each of the tree's own tenants (`mssp_admin` in the MSSP, `tenant_admin` in the clients). */
  userIds: { mssp: string; clientA: string; clientB: string };
  /** Deletes this tree's MSSP and clients (cascading to their rows) and its users; keeps the platform. */
  cleanup(): Promise<void>;
}

const platformSlug = "platform";

/**
 * Creates platform (shared, created once) -> MSSP -> two clients, with a user in each.
 *
 * @example
 * const tree = await createTenantTree({ url: db.adminUrl, wsProxy: db.wsProxy }, "isolation");
 * afterAll(() => tree.cleanup());
 */
export async function createTenantTree(admin: DatabaseConfig, label = "test"): Promise<TestTenantTree> {
  const pool = createPool(admin, { max: 1 });
  // Inside workerd the server closing an ended pool's socket arrives as an error event; it loses nothing.
  pool.on("error", () => undefined);
  try {
    await pool.query(
      `insert into tenants (id, parent_id, kind, name, slug) values ($1, null, 'platform', 'Platform operator', $2)
       on conflict do nothing`,
      [newId("tenant"), platformSlug],
    );
    const { rows } = await pool.query<{ id: string }>("select id from tenants where kind = 'platform'");
    const platformId = rows[0]?.id;
    if (!platformId) throw new Error("no platform tenant");
    const suffix = newId("tenant").slice(-10);
    const msspId = newId("tenant");
    const clientAId = newId("tenant");
    const clientBId = newId("tenant");
    const slug = (name: string) =>
      `${label}-${name}-${suffix}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .slice(0, 63);
    await pool.query(
      `insert into tenants (id, parent_id, kind, name, slug) values
         ($1, $4, 'mssp', $5, $6), ($2, $1, 'client', $7, $8), ($3, $1, 'client', $9, $10)`,
      [
        msspId,
        clientAId,
        clientBId,
        platformId,
        `${label} MSSP`,
        slug("mssp"),
        `${label} client A`,
        slug("client-a"),
        `${label} client B`,
        slug("client-b"),
      ],
    );
    const userIds = { mssp: newId("user"), clientA: newId("user"), clientB: newId("user") };
    const members: [string, string, string][] = [
      [userIds.mssp, msspId, "mssp_admin"],
      [userIds.clientA, clientAId, "tenant_admin"],
      [userIds.clientB, clientBId, "tenant_admin"],
    ];
    for (const [userId, tenantId, role] of members) {
      await pool.query("insert into users (id, email) values ($1, $2)", [userId, `${userId}@example.test`]);
      await pool.query("insert into memberships (id, tenant_id, user_id, role) values ($1, $2, $3, $4)", [
        newId("membership"),
        tenantId,
        userId,
        role,
      ]);
    }
    return {
      platformId,
      msspId,
      clientAId,
      clientBId,
      userIds,
      cleanup: async () => {
        const cleaner = createPool(admin, { max: 1 });
        cleaner.on("error", () => undefined);
        try {
          await cleaner.query("delete from tenants where id = any($1::text[])", [[clientAId, clientBId]]);
          await cleaner.query("delete from tenants where id = $1", [msspId]);
          await cleaner.query("delete from users where id = any($1::text[])", [Object.values(userIds)]);
        } finally {
          await cleaner.end();
        }
      },
    };
  } finally {
    await pool.end();
  }
}

/**
 * The connection facts the vitest global setup (`packages/devstack/src/test-database.ts`) provides; tests
 * read them with `inject("database")`.
 */
export interface TestDatabaseUrls {
  /** Owner/superuser: migrations and fixtures only. */
  adminUrl: string;
  /** The application role (tf_app): owns nothing, bound by row-level security. */
  appUrl: string;
  /** The ingestion role (tf_ingest): writes the global catalog. */
  ingestUrl: string;
  /** `neonConfig.wsProxy` base address of the bridge, e.g. `127.0.0.1:PORT/v1`. */
  wsProxy: string;
  /** The migrated database's name on that server. */
  databaseName: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    database: TestDatabaseUrls;
  }
}

/** Drizzle handles for the three roles; `end()` closes all three pools. */
export interface TestDatabases {
  admin: DatabaseHandle;
  app: DatabaseHandle;
  ingest: DatabaseHandle;
  end(): Promise<void>;
}

/**
 * Opens the owner, application and ingestion databases of the test run.
 *
 * @example
 * const dbs = connectTestDatabases(inject("database"));
 * afterAll(() => dbs.end());
 */
export function connectTestDatabases(urls: TestDatabaseUrls): TestDatabases {
  const admin = createDatabase({ url: urls.adminUrl, wsProxy: urls.wsProxy });
  const app = createDatabase({ url: urls.appUrl, wsProxy: urls.wsProxy });
  const ingest = createDatabase({ url: urls.ingestUrl, wsProxy: urls.wsProxy });
  return {
    admin,
    app,
    ingest,
    end: async () => {
      await Promise.all([admin.end(), app.end(), ingest.end()]);
    },
  };
}

/** A node of an `explain (format json)` plan, with the fields tests read. */
export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "CTE Name"?: string;
  "Sort Key"?: string[];
  Plans?: PlanNode[];
}

/** Every node of an EXPLAIN (format json) plan tree, root first. */
export function planNodes(node: PlanNode | undefined): PlanNode[] {
  if (node === undefined) return [];
  return [node, ...(node.Plans ?? []).flatMap((child) => planNodes(child))];
}
