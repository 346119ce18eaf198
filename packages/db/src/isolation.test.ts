import { newId } from "@threatfusion/core";
import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DbTransaction } from "./client.ts";
import { type TenantScope, withTenantTx } from "./tenant-tx.ts";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "./testing.ts";

// The tenancy floor, checked against real PostgreSQL as the application role (tf_app): for every
// tenant-scoped table and every operation, a tenant touches only what the model allows.

const database = inject("database");
const dbs = connectTestDatabases(database);
const admin = dbs.admin.pool;

type Row = Record<string, string | number | boolean | null>;
type Outcome = { ok: true; rowCount: number; keys: string[] } | { ok: false; code: string };

interface TenantTableCase {
  table: string;
  /** SQL expression naming one row (the primary key), as text. */
  keyExpr: string;
  /** The same key computed from a row object (defaults to its `id`). */
  keyOf?: (row: Row) => string;
  /** A complete row owned by `tenantId`, creating what it references through the owner connection. */
  row(tenantId: string): Promise<Row>;
  /** Which writes the application may make on its own rows (the others are not granted at all). */
  ownWrites: { insert: boolean; update: boolean; delete: boolean };
}

let trees: { one: TestTenantTree; two: TestTenantTree };
let globalSourceId = "";

async function adminInsert(table: string, row: Row): Promise<void> {
  const columns = Object.keys(row);
  await admin.query(
    `insert into ${table} (${columns.join(", ")}) values (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
    Object.values(row),
  );
}

async function newUser(): Promise<string> {
  const id = newId("user");
  await adminInsert("users", { id, email: `${id}@example.test` });
  return id;
}

/** A role valid in the tenant's kind (migration 0010 refuses, say, a viewer of an MSSP). */
async function roleFor(tenantId: string): Promise<string> {
  const { rows } = await admin.query<{ kind: string }>("select kind from tenants where id = $1", [tenantId]);
  const kind = rows[0]?.kind;
  return kind === "platform" ? "platform_admin" : kind === "mssp" ? "mssp_analyst" : "viewer";
}

async function newGlobalIndicator(): Promise<string> {
  const id = newId("indicator");
  await adminInsert("indicators", {
    id,
    type: "domain",
    value: `${id}.example`,
    first_seen: new Date().toISOString(),
    last_seen: new Date().toISOString(),
  });
  return id;
}

async function newFeed(tenantId: string | null): Promise<string> {
  const sourceId = newId("source");
  await adminInsert("sources", { id: sourceId, tenant_id: tenantId, name: `source ${sourceId}` });
  const feedId = newId("feed");
  await adminInsert("feeds", {
    id: feedId,
    tenant_id: tenantId,
    source_id: sourceId,
    name: `feed ${feedId}`,
    format: "csv",
  });
  return feedId;
}

async function newFeedRun(tenantId: string): Promise<string> {
  const id = newId("feedRun");
  await adminInsert("feed_runs", { id, tenant_id: tenantId, feed_id: await newFeed(tenantId) });
  return id;
}

const cases: TenantTableCase[] = [
  {
    table: "memberships",
    keyExpr: "id",
    row: async (tenantId) => ({
      id: newId("membership"),
      tenant_id: tenantId,
      user_id: await newUser(),
      role: await roleFor(tenantId),
    }),
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "sessions",
    keyExpr: "id",
    row: async (tenantId) => ({
      id: newId("session"),
      tenant_id: tenantId,
      user_id: await newUser(),
      token_hash: newId("session"),
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    }),
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "api_tokens",
    keyExpr: "id",
    row: async (tenantId) => ({
      id: newId("apiToken"),
      tenant_id: tenantId,
      name: "isolation",
      token_prefix: "tf_",
      token_hash: newId("apiToken"),
    }),
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "sources",
    keyExpr: "id",
    row: async (tenantId) => {
      const id = newId("source");
      return { id, tenant_id: tenantId, name: `private source ${id}` };
    },
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "feeds",
    keyExpr: "id",
    row: async (tenantId) => {
      const id = newId("feed");
      return {
        id,
        tenant_id: tenantId,
        source_id: globalSourceId,
        name: `private feed ${id}`,
        format: "csv",
      };
    },
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "feed_subscriptions",
    keyExpr: "id",
    row: async (tenantId) => ({
      id: newId("subscription"),
      tenant_id: tenantId,
      feed_id: await newFeed(null),
    }),
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "feed_runs",
    keyExpr: "id",
    row: async (tenantId) => ({
      id: newId("feedRun"),
      tenant_id: tenantId,
      feed_id: await newFeed(tenantId),
    }),
    ownWrites: { insert: false, update: false, delete: false },
  },
  {
    table: "tenant_indicators",
    keyExpr: "tenant_id || '/' || indicator_id",
    keyOf: (r) => `${String(r.tenant_id)}/${String(r.indicator_id)}`,
    row: async (tenantId) => ({
      tenant_id: tenantId,
      indicator_id: await newGlobalIndicator(),
      status: "confirmed",
    }),
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "private_indicators",
    keyExpr: "id",
    row: async (tenantId) => {
      const id = newId("privateIndicator");
      return { id, tenant_id: tenantId, type: "domain", value: `${id}.internal.example` };
    },
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "sightings",
    keyExpr: "id",
    row: async (tenantId) => ({
      id: newId("sighting"),
      tenant_id: tenantId,
      indicator_id: await newGlobalIndicator(),
      seen_at: new Date().toISOString(),
    }),
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "invitations",
    keyExpr: "id",
    row: async (tenantId) => ({
      id: newId("invitation"),
      tenant_id: tenantId,
      email: `${newId("user")}@example.test`,
      role: await roleFor(tenantId),
      secret_hash: "a".repeat(64),
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    }),
    ownWrites: { insert: true, update: true, delete: false },
  },
  {
    table: "audit_log",
    keyExpr: "id",
    row: async (tenantId) => ({
      id: newId("audit"),
      tenant_id: tenantId,
      action: "isolation.seed",
      // Chain columns (migration 0010): a unique sequence per tenant; the hashes only need their shape here.
      seq: Math.floor(Math.random() * 2 ** 40),
      previous_hash: "0".repeat(64),
      hash: "f".repeat(64),
    }),
    ownWrites: { insert: true, update: false, delete: false },
  },
  {
    table: "saved_searches",
    keyExpr: "id",
    row: async (tenantId) => {
      const id = newId("savedSearch");
      return { id, tenant_id: tenantId, name: `search ${id}`, filter: JSON.stringify({ type: "domain" }) };
    },
    ownWrites: { insert: true, update: true, delete: true },
  },
  {
    table: "taxii_statuses",
    keyExpr: "id",
    row: async (tenantId) => ({
      id: newId("job"),
      tenant_id: tenantId,
      collection_id: "private",
      status: JSON.stringify({ status: "complete" }),
    }),
    // Status resources are written once and never changed or removed by the app.
    ownWrites: { insert: true, update: false, delete: false },
  },
  // The ingestion ledger keys rows by (run_id, chunk[, ordinal]) and has no `id`. When the matrix could only
  // key rows by `id`, it looked these up as "undefined", which read as "a client cannot see its own rows";
  // the policies were right (migration 0020), the key was missing.
  {
    table: "ingest_chunks",
    keyExpr: "run_id || '/' || chunk",
    keyOf: (r) => `${String(r.run_id)}/${String(r.chunk)}`,
    row: async (tenantId) => ({ run_id: await newFeedRun(tenantId), chunk: 0, tenant_id: tenantId }),
    ownWrites: { insert: true, update: true, delete: false },
  },
  {
    table: "feed_run_rejections",
    keyExpr: "run_id || '/' || chunk || '/' || ordinal",
    keyOf: (r) => `${String(r.run_id)}/${String(r.chunk)}/${String(r.ordinal)}`,
    row: async (tenantId) => ({
      run_id: await newFeedRun(tenantId),
      chunk: 0,
      ordinal: 0,
      tenant_id: tenantId,
      line: 3,
      reason: "not an indicator",
    }),
    ownWrites: { insert: true, update: true, delete: false },
  },
  {
    table: "import_jobs",
    keyExpr: "run_id",
    keyOf: (r) => String(r.run_id),
    row: async (tenantId) => {
      const feedId = await newFeed(tenantId);
      const runId = newId("feedRun");
      await adminInsert("feed_runs", { id: runId, tenant_id: tenantId, feed_id: feedId });
      return {
        run_id: runId,
        tenant_id: tenantId,
        feed_id: feedId,
        requested_format: "auto",
        storage: "postgres",
      };
    },
    // Uploads are queued by the app and cleaned up by the ingestion role only (migration 0025).
    ownWrites: { insert: true, update: true, delete: false },
  },
  {
    table: "import_upload_parts",
    keyExpr: "run_id || '/' || part",
    keyOf: (r) => `${String(r.run_id)}/${String(r.part)}`,
    row: async (tenantId) => {
      const feedId = await newFeed(tenantId);
      const runId = newId("feedRun");
      await adminInsert("feed_runs", { id: runId, tenant_id: tenantId, feed_id: feedId });
      await adminInsert("import_jobs", {
        run_id: runId,
        tenant_id: tenantId,
        feed_id: feedId,
        requested_format: "auto",
        storage: "postgres",
      });
      return { run_id: runId, part: 0, tenant_id: tenantId, data: "\\x00" };
    },
    ownWrites: { insert: true, update: true, delete: false },
  },
  {
    table: "allowlist_entries",
    keyExpr: "id",
    row: async (tenantId) => {
      const id = newId("allowlistEntry");
      return { id, tenant_id: tenantId, value: `${id}.corp.example`, entry_type: "hostname" };
    },
    ownWrites: { insert: true, update: true, delete: true },
  },
];

/** Tables whose tenancy is tested by the dedicated blocks below rather than the matrix. */
const dedicatedTables = ["tenants", "users", "indicator_shares", "scoring_models"];

function pgCode(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = current.cause;
  }
  throw error;
}

/** Runs `statement` as the app role in its own transaction for `tenantId` (null: no tenant set). */
async function asApp(
  tenantId: string | null,
  statement: SQL,
  scope: TenantScope = "tenant",
): Promise<Outcome> {
  const run = async (tx: DbTransaction): Promise<Outcome> => {
    const result = await tx.execute<{ k: string }>(statement);
    return { ok: true, rowCount: result.rowCount ?? 0, keys: result.rows.map((row) => row.k) };
  };
  try {
    if (tenantId === null) return await dbs.app.db.transaction(run);
    return await withTenantTx({ db: dbs.app.db, tenantId, scope }, run);
  } catch (error) {
    return { ok: false, code: pgCode(error) };
  }
}

function insertStatement(table: string, row: Row, keyExpr: string): SQL {
  const columns = Object.keys(row);
  return sql`insert into ${sql.identifier(table)} (${sql.join(
    columns.map((column) => sql.identifier(column)),
    sql`, `,
  )}) values (${sql.join(
    Object.values(row).map((value) => sql`${value}`),
    sql`, `,
  )}) returning ${sql.raw(keyExpr)} as k`;
}

async function adminKeys(table: string, keyExpr: string, keys: string[]): Promise<string[]> {
  const { rows } = await admin.query<{ k: string }>(
    `select ${keyExpr} as k from ${table} where ${keyExpr} = any($1::text[])`,
    [keys],
  );
  return rows.map((row) => row.k).sort();
}

beforeAll(async () => {
  const adminConfig = { url: database.adminUrl, wsProxy: database.wsProxy };
  trees = {
    one: await createTenantTree(adminConfig, "iso-one"),
    two: await createTenantTree(adminConfig, "iso-two"),
  };
  globalSourceId = newId("source");
  await adminInsert("sources", { id: globalSourceId, tenant_id: null, name: `global ${globalSourceId}` });
});

afterAll(async () => {
  await trees.one.cleanup();
  await trees.two.cleanup();
  await admin.query("delete from sources where id = $1", [globalSourceId]);
  await dbs.end();
});

describe("every tenant-scoped table", () => {
  it("is either in the isolation matrix or in a dedicated block, so a new table cannot slip through", async () => {
    const { rows } = await admin.query<{ table_name: string }>(
      `select c.table_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
       where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
         and c.column_name in ('tenant_id', 'target_tenant_id', 'parent_id')`,
    );
    const scoped = [...new Set(rows.map((row) => row.table_name))].sort();
    const covered = [...cases.map((entry) => entry.table), ...dedicatedTables].sort();
    // To fix a failure: add the table to `cases` above (about ten lines; the matrix then checks every
    // operation), or cover it in a dedicated block of this file and list it in `dedicatedTables`.
    expect(
      scoped.filter((table) => !covered.includes(table)),
      "tenant-scoped tables missing from the isolation suite",
    ).toEqual([]);
  });
});

describe.each(cases)("$table", ({ table, keyExpr, keyOf: caseKeyOf, row, ownWrites }) => {
  const keyOf = caseKeyOf ?? ((r: Row): string => String(r.id));
  const whereKey = (key: string) => sql`${sql.raw(keyExpr)} = ${key}`;
  let seeded: Record<"mssp" | "clientA" | "clientB" | "otherMssp" | "otherClient", string>;
  let allKeys: string[];

  beforeAll(async () => {
    const owners = {
      mssp: trees.one.msspId,
      clientA: trees.one.clientAId,
      clientB: trees.one.clientBId,
      otherMssp: trees.two.msspId,
      otherClient: trees.two.clientAId,
    };
    const entries = await Promise.all(
      Object.entries(owners).map(async ([name, tenantId]) => {
        const r = await row(tenantId);
        await adminInsert(table, r);
        return [name, keyOf(r)] as const;
      }),
    );
    seeded = Object.fromEntries(entries) as typeof seeded;
    allKeys = Object.values(seeded);
  });

  const visible = async (tenantId: string | null, scope: TenantScope = "tenant") => {
    const outcome = await asApp(
      tenantId,
      sql`select ${sql.raw(keyExpr)} as k from ${sql.identifier(table)} where ${sql.raw(keyExpr)} = any(${sql.param(allKeys)}::text[])`,
      scope,
    );
    if (!outcome.ok) throw new Error(`select failed with ${outcome.code}`);
    return outcome.keys.sort();
  };

  it("reads as empty without a tenant setting, never as everything", async () => {
    const outcome = await asApp(null, sql`select count(*)::text as k from ${sql.identifier(table)}`);
    expect(outcome).toEqual({ ok: true, rowCount: 1, keys: ["0"] });
  });

  it("shows a client its own rows, never a sibling's, its MSSP's or another MSSP's", async () => {
    expect(await visible(trees.one.clientAId)).toEqual([seeded.clientA]);
    expect(await visible(trees.one.clientBId)).toEqual([seeded.clientB]);
  });

  it("does not widen a client's view when the client asks for the overview", async () => {
    expect(await visible(trees.one.clientAId, "overview")).toEqual([seeded.clientA]);
  });

  it("shows an MSSP acting as itself only its own rows, and its overview adds only its own clients", async () => {
    expect(await visible(trees.one.msspId)).toEqual([seeded.mssp]);
    expect(await visible(trees.one.msspId, "overview")).toEqual(
      [seeded.mssp, seeded.clientA, seeded.clientB].sort(),
    );
    expect(await visible(trees.two.msspId, "overview")).toEqual(
      [seeded.otherMssp, seeded.otherClient].sort(),
    );
  });

  it("lets a client update or delete none of a sibling's, its MSSP's or another tenant's rows", async () => {
    const foreign = [seeded.clientB, seeded.mssp, seeded.otherMssp, seeded.otherClient];
    for (const actor of [trees.one.clientAId, null]) {
      for (const key of foreign) {
        const update = await asApp(
          actor,
          sql`update ${sql.identifier(table)} set tenant_id = tenant_id where ${whereKey(key)} returning ${sql.raw(keyExpr)} as k`,
        );
        const remove = await asApp(
          actor,
          sql`delete from ${sql.identifier(table)} where ${whereKey(key)} returning ${sql.raw(keyExpr)} as k`,
        );
        for (const outcome of [update, remove]) {
          if (outcome.ok) expect(outcome.rowCount).toBe(0);
          else expect(outcome.code).toBe("42501");
        }
      }
    }
    expect(await adminKeys(table, keyExpr, allKeys)).toEqual([...allKeys].sort());
  });

  it("lets an MSSP overview read its clients' rows but not write them", async () => {
    for (const key of [seeded.clientA, seeded.clientB]) {
      const update = await asApp(
        trees.one.msspId,
        sql`update ${sql.identifier(table)} set tenant_id = tenant_id where ${whereKey(key)} returning ${sql.raw(keyExpr)} as k`,
        "overview",
      );
      if (update.ok) expect(update.rowCount).toBe(0);
      else expect(update.code).toBe("42501");
    }
    expect(await adminKeys(table, keyExpr, allKeys)).toEqual([...allKeys].sort());
  });

  it("refuses rows inserted for another tenant or without a tenant", async () => {
    const targets = [trees.one.clientBId, trees.one.msspId, trees.two.msspId];
    for (const target of targets) {
      const r = await row(target);
      const outcome = await asApp(trees.one.clientAId, insertStatement(table, r, keyExpr));
      expect(outcome).toEqual({ ok: false, code: "42501" });
      expect(await adminKeys(table, keyExpr, [keyOf(r)])).toEqual([]);
    }
    const orphan = await row(trees.one.clientAId);
    expect(await asApp(null, insertStatement(table, orphan, keyExpr))).toEqual({ ok: false, code: "42501" });
  });

  it("lets a tenant write its own rows as granted, but never move one to another tenant", async () => {
    const own = await row(trees.one.clientAId);
    const key = keyOf(own);
    const insert = await asApp(trees.one.clientAId, insertStatement(table, own, keyExpr));
    if (ownWrites.insert) {
      expect(insert).toEqual({ ok: true, rowCount: 1, keys: [key] });
    } else {
      expect(insert).toEqual({ ok: false, code: "42501" });
      await adminInsert(table, own);
    }
    const move = await asApp(
      trees.one.clientAId,
      sql`update ${sql.identifier(table)} set tenant_id = ${trees.one.clientBId} where ${whereKey(key)} returning ${sql.raw(keyExpr)} as k`,
    );
    expect(move).toEqual({ ok: false, code: "42501" });
    const update = await asApp(
      trees.one.clientAId,
      sql`update ${sql.identifier(table)} set tenant_id = tenant_id where ${whereKey(key)} returning ${sql.raw(keyExpr)} as k`,
    );
    expect(update).toEqual(
      ownWrites.update ? { ok: true, rowCount: 1, keys: [key] } : { ok: false, code: "42501" },
    );
    const remove = await asApp(
      trees.one.clientAId,
      sql`delete from ${sql.identifier(table)} where ${whereKey(key)} returning ${sql.raw(keyExpr)} as k`,
    );
    expect(remove).toEqual(
      ownWrites.delete ? { ok: true, rowCount: 1, keys: [key] } : { ok: false, code: "42501" },
    );
  });
});

// An MSSP's scoring model is read by its own clients (their effective scores follow it), never by another
// MSSP or its clients, and only the MSSP itself changes it.
describe("scoring_models", () => {
  it("lets an MSSP's clients read its model, keeps other tenants out, and lets no client change it", async () => {
    await adminInsert("scoring_models", { tenant_id: trees.one.msspId, scope: "clients", settings: "{}" });
    const read = (tenantId: string) =>
      withTenantTx({ db: dbs.app.db, tenantId }, async (tx) => {
        const result = await tx.execute(
          sql`select tenant_id from scoring_models where tenant_id = ${trees.one.msspId}`,
        );
        return result.rows.length;
      });
    expect(await read(trees.one.clientAId)).toBe(1);
    expect(await read(trees.two.msspId)).toBe(0);
    expect(await read(trees.two.clientAId)).toBe(0);
    const changed = await withTenantTx({ db: dbs.app.db, tenantId: trees.one.clientAId }, async (tx) => {
      const result = await tx.execute(
        sql`update scoring_models set version = version + 1 where tenant_id = ${trees.one.msspId} returning tenant_id`,
      );
      return result.rows.length;
    });
    expect(changed).toBe(0);
  });
});

describe("tenants", () => {
  const visibleTenants = async (tenantId: string | null, scope: TenantScope = "tenant") => {
    const ids = [
      trees.one.platformId,
      trees.one.msspId,
      trees.one.clientAId,
      trees.one.clientBId,
      trees.two.msspId,
      trees.two.clientAId,
    ];
    const outcome = await asApp(
      tenantId,
      sql`select id as k from tenants where id = any(${sql.param(ids)}::text[])`,
      scope,
    );
    if (!outcome.ok) throw new Error(outcome.code);
    return outcome.keys.sort();
  };

  it("shows a client itself and its MSSP (the source of shared intel), never a sibling or another MSSP", async () => {
    expect(await visibleTenants(trees.one.clientAId)).toEqual([trees.one.msspId, trees.one.clientAId].sort());
    expect(await visibleTenants(trees.one.clientAId, "overview")).toEqual(
      [trees.one.msspId, trees.one.clientAId].sort(),
    );
  });

  it("shows an MSSP its own clients' tenant rows only, and nothing without a tenant setting", async () => {
    expect(await visibleTenants(trees.one.msspId)).toEqual(
      [trees.one.platformId, trees.one.msspId, trees.one.clientAId, trees.one.clientBId].sort(),
    );
    expect(await visibleTenants(trees.one.msspId, "overview")).toEqual(
      [trees.one.platformId, trees.one.msspId, trees.one.clientAId, trees.one.clientBId].sort(),
    );
    expect(await visibleTenants(null)).toEqual([]);
  });

  it("lets a client rename neither a sibling nor its MSSP, move itself, delete, or create tenants", async () => {
    for (const target of [trees.one.clientBId, trees.one.msspId, trees.two.clientAId]) {
      const rename = await asApp(
        trees.one.clientAId,
        sql`update tenants set name = 'owned' where id = ${target} returning id as k`,
      );
      expect(rename).toEqual({ ok: true, rowCount: 0, keys: [] });
    }
    const move = await asApp(
      trees.one.clientAId,
      sql`update tenants set parent_id = ${trees.two.msspId} where id = ${trees.one.clientAId} returning id as k`,
    );
    expect(move).toEqual({ ok: false, code: "42501" });
    const remove = await asApp(
      trees.one.clientAId,
      sql`delete from tenants where id = ${trees.one.clientBId} returning id as k`,
    );
    expect(remove).toEqual({ ok: false, code: "42501" });
    const child = await asApp(
      trees.one.clientAId,
      sql`insert into tenants (id, parent_id, kind, name, slug) values (${newId("tenant")}, ${trees.one.clientAId}, 'client', 'nested', 'nested') returning id as k`,
    );
    expect(child).toEqual({ ok: false, code: "23514" });
    const sibling = await asApp(
      trees.one.clientAId,
      sql`insert into tenants (id, parent_id, kind, name, slug) values (${newId("tenant")}, ${trees.one.msspId}, 'client', 'sibling', 'sibling') returning id as k`,
    );
    expect(sibling).toEqual({ ok: false, code: "42501" });
  });

  it("lets an MSSP create and rename its own clients", async () => {
    const id = newId("tenant");
    const created = await asApp(
      trees.one.msspId,
      sql`insert into tenants (id, parent_id, kind, name, slug) values (${id}, ${trees.one.msspId}, 'client', 'new client', ${`new-${id.slice(-8)}`}) returning id as k`,
    );
    expect(created).toEqual({ ok: true, rowCount: 1, keys: [id] });
    const renamed = await asApp(
      trees.one.msspId,
      sql`update tenants set name = 'renamed' where id = ${id} returning id as k`,
    );
    expect(renamed).toEqual({ ok: true, rowCount: 1, keys: [id] });
    await admin.query("delete from tenants where id = $1", [id]);
  });
});

describe("users", () => {
  const visibleUsers = async (tenantId: string | null, scope: TenantScope = "tenant") => {
    const ids = [...Object.values(trees.one.userIds), ...Object.values(trees.two.userIds)];
    const outcome = await asApp(
      tenantId,
      sql`select id as k from users where id = any(${sql.param(ids)}::text[])`,
      scope,
    );
    if (!outcome.ok) throw new Error(outcome.code);
    return outcome.keys.sort();
  };

  it("lists only the members of tenants the actor may read (no listing of other organisations' users)", async () => {
    expect(await visibleUsers(trees.one.clientAId)).toEqual([trees.one.userIds.clientA]);
    expect(await visibleUsers(trees.one.msspId)).toEqual([trees.one.userIds.mssp]);
    expect(await visibleUsers(trees.one.msspId, "overview")).toEqual(Object.values(trees.one.userIds).sort());
    expect(await visibleUsers(null)).toEqual([]);
  });

  it("lets a client update none of another tenant's users and delete none at all", async () => {
    const update = await asApp(
      trees.one.clientAId,
      sql`update users set display_name = 'owned' where id = ${trees.one.userIds.clientB} returning id as k`,
    );
    expect(update).toEqual({ ok: true, rowCount: 0, keys: [] });
    const remove = await asApp(
      trees.one.clientAId,
      sql`delete from users where id = ${trees.one.userIds.clientA} returning id as k`,
    );
    expect(remove).toEqual({ ok: false, code: "42501" });
  });
});

describe("MSSP sharing of private indicators", () => {
  let sharedToAll = "";
  let sharedToA = "";
  let shareId = "";

  beforeAll(async () => {
    sharedToAll = newId("privateIndicator");
    sharedToA = newId("privateIndicator");
    shareId = newId("share");
    await adminInsert("private_indicators", {
      id: sharedToAll,
      tenant_id: trees.one.msspId,
      type: "domain",
      value: `${sharedToAll}.mssp.example`,
      shared_with_all_clients: true,
    });
    await adminInsert("private_indicators", {
      id: sharedToA,
      tenant_id: trees.one.msspId,
      type: "domain",
      value: `${sharedToA}.mssp.example`,
    });
    const share = await asApp(
      trees.one.msspId,
      sql`insert into indicator_shares (id, tenant_id, private_indicator_id, target_tenant_id)
          values (${shareId}, ${trees.one.msspId}, ${sharedToA}, ${trees.one.clientAId}) returning id as k`,
    );
    expect(share).toEqual({ ok: true, rowCount: 1, keys: [shareId] });
  });

  const visibleShared = async (tenantId: string | null) => {
    const outcome = await asApp(
      tenantId,
      sql`select id as k from private_indicators where id = any(${sql.param([sharedToAll, sharedToA])}::text[])`,
    );
    if (!outcome.ok) throw new Error(outcome.code);
    return outcome.keys.sort();
  };

  it("shows shared-with-all intel to every own client, chosen shares only to the chosen client", async () => {
    expect(await visibleShared(trees.one.clientAId)).toEqual([sharedToAll, sharedToA].sort());
    expect(await visibleShared(trees.one.clientBId)).toEqual([sharedToAll]);
  });

  it("shows nothing of it to another MSSP's clients or without a tenant setting", async () => {
    expect(await visibleShared(trees.two.clientAId)).toEqual([]);
    expect(await visibleShared(trees.two.msspId)).toEqual([]);
    expect(await visibleShared(null)).toEqual([]);
  });

  it("keeps the MSSP as the owner: a client can neither change nor delete shared intel", async () => {
    const update = await asApp(
      trees.one.clientAId,
      sql`update private_indicators set score = 0 where id = ${sharedToA} returning id as k`,
    );
    expect(update).toEqual({ ok: true, rowCount: 0, keys: [] });
    const remove = await asApp(
      trees.one.clientAId,
      sql`delete from private_indicators where id = ${sharedToAll} returning id as k`,
    );
    expect(remove).toEqual({ ok: true, rowCount: 0, keys: [] });
  });

  it("shows a share row only to its owner and to its target", async () => {
    const seen = async (tenantId: string | null) => {
      const outcome = await asApp(tenantId, sql`select id as k from indicator_shares where id = ${shareId}`);
      return outcome.ok ? outcome.keys : outcome.code;
    };
    expect(await seen(trees.one.msspId)).toEqual([shareId]);
    expect(await seen(trees.one.clientAId)).toEqual([shareId]);
    expect(await seen(trees.one.clientBId)).toEqual([]);
    expect(await seen(trees.two.msspId)).toEqual([]);
    expect(await seen(null)).toEqual([]);
  });

  it("lets only the owner share or unshare, only its own intel, only with its own clients", async () => {
    const attempts: [string, string, string][] = [
      // [actor, private indicator, target]
      [trees.one.clientAId, sharedToA, trees.one.clientBId], // a client shares its MSSP's intel with a sibling
      [trees.one.msspId, sharedToA, trees.two.clientAId], // an MSSP shares with another MSSP's client
      [trees.two.msspId, sharedToA, trees.two.clientAId], // another MSSP re-shares intel it does not own
    ];
    for (const [actor, indicator, target] of attempts) {
      const outcome = await asApp(
        actor,
        sql`insert into indicator_shares (id, tenant_id, private_indicator_id, target_tenant_id)
            values (${newId("share")}, ${actor}, ${indicator}, ${target}) returning id as k`,
      );
      expect(outcome).toEqual({ ok: false, code: "42501" });
    }
    for (const actor of [trees.one.clientAId, trees.one.clientBId, trees.two.msspId, null]) {
      const remove = await asApp(
        actor,
        sql`delete from indicator_shares where id = ${shareId} returning id as k`,
      );
      expect(remove).toEqual({ ok: true, rowCount: 0, keys: [] });
    }
    const update = await asApp(
      trees.one.clientAId,
      sql`update indicator_shares set target_tenant_id = ${trees.one.clientBId} where id = ${shareId} returning id as k`,
    );
    expect(update).toEqual({ ok: false, code: "42501" });
  });

  it("refuses a sighting that names a private indicator the tenant cannot read", async () => {
    const outcome = await asApp(
      trees.one.clientBId,
      sql`insert into sightings (id, tenant_id, private_indicator_id, seen_at)
          values (${newId("sighting")}, ${trees.one.clientBId}, ${sharedToA}, now()) returning id as k`,
    );
    expect(outcome).toEqual({ ok: false, code: "42501" });
  });
});

describe("the global catalog", () => {
  it("is readable by the application (public OSINT, not tenant data) and read-only for it", async () => {
    const indicatorId = await newGlobalIndicator();
    for (const actor of [trees.one.clientAId, null]) {
      const read = await asApp(actor, sql`select id as k from indicators where id = ${indicatorId}`);
      expect(read).toEqual({ ok: true, rowCount: 1, keys: [indicatorId] });
    }
    const writes = [
      sql`update indicators set base_score = 100 where id = ${indicatorId} returning id as k`,
      sql`delete from indicators where id = ${indicatorId} returning id as k`,
      sql`insert into indicators (id, type, value, first_seen, last_seen) values (${newId("indicator")}, 'domain', 'x.example', now(), now()) returning id as k`,
      sql`insert into observations (id, indicator_id, source_id, first_seen, last_seen) values (${newId("observation")}, ${indicatorId}, ${globalSourceId}, now(), now()) returning id as k`,
    ];
    for (const statement of writes) {
      expect(await asApp(trees.one.clientAId, statement)).toEqual({ ok: false, code: "42501" });
    }
  });

  it("keeps its indexes usable for LIKE prefixes and tag-filtered lists (no RLS condition blocks them)", async () => {
    // Under an RLS condition PostgreSQL may not use an index for a non-LEAKPROOF operator (LIKE, @>);
    // with sequential scans disabled, a plan that still scans the table proves the index was refused.
    const plans = await withTenantTx({ db: dbs.app.db, tenantId: trees.one.clientAId }, async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const out: string[] = [];
      for (const query of [
        sql`select id from indicators where type = 'domain' and value like 'abc%' order by value limit 50`,
        // The list's tag filter runs on the rows its (type, last_seen) index walk yields; the catalog has no
        // tag index since 0051 (the API filters catalog and overlay tags together, which no such index serves).
        sql`select id from indicators where type = 'domain' and tags @> array['c2'] order by last_seen desc, id desc limit 50`,
      ]) {
        const result = await tx.execute<{ "QUERY PLAN": unknown }>(sql`explain (format json) ${query}`);
        out.push(JSON.stringify(result.rows[0]?.["QUERY PLAN"]));
      }
      return out;
    });
    for (const plan of plans) expect(plan).not.toContain("Seq Scan");
  });

  it("is out of reach of tenant data for the ingestion role", async () => {
    for (const table of [
      "private_indicators",
      "tenant_indicators",
      "sightings",
      "memberships",
      "audit_log",
      "users",
    ]) {
      const outcome = await dbs.ingest.db
        .execute(sql`select count(*) from ${sql.identifier(table)}`)
        .then(() => "readable")
        .catch((error: unknown) => pgCode(error));
      expect(outcome, table).toBe("42501");
    }
  });
});
