import { getTableColumns, getTableName, is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import * as schema from "./schema.ts";
import { connectTestDatabases } from "./testing.ts";

const dbs = connectTestDatabases(inject("database"));
afterAll(() => dbs.end());

const schemaExports: unknown[] = Object.values(schema);
const drizzleTables = schemaExports.filter((value): value is PgTable => is(value, PgTable));

/** Tables that hold no tenant or catalog data and that neither login role may touch. */
const ownerOnlyTables = ["schema_migrations"];

describe("the drizzle schema", () => {
  it("names exactly the tables the migrations create", async () => {
    const { rows } = await dbs.admin.pool.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
    );
    const inDatabase = rows.map((row) => row.table_name).filter((name) => !ownerOnlyTables.includes(name));
    expect(drizzleTables.map((table) => getTableName(table)).sort()).toEqual(inDatabase.sort());
  });

  it.each(drizzleTables.map((table) => [getTableName(table), table] as const))(
    "agrees with the database on the columns, types and nullability of %s",
    async (name, table) => {
      const { rows } = await dbs.admin.pool.query<{ name: string; type: string; not_null: boolean }>(
        `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null
         from pg_attribute a
         where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped`,
        [name],
      );
      const inDatabase = Object.fromEntries(
        rows.map((row) => [row.name, `${row.type}${row.not_null ? " not null" : ""}`]),
      );
      const inDrizzle = Object.fromEntries(
        Object.values(getTableColumns(table)).map((column) => [
          column.name,
          `${column.getSQLType()}${column.notNull ? " not null" : ""}`,
        ]),
      );
      expect(inDrizzle).toEqual(inDatabase);
    },
  );
});

describe("row-level security coverage", () => {
  it("leaves no table without RLS, FORCE ROW LEVEL SECURITY and at least one policy", async () => {
    const { rows } = await dbs.admin.pool.query<{ table_name: string }>(
      `select c.relname as table_name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p')
         and (not c.relrowsecurity or not c.relforcerowsecurity
              or not exists (select 1 from pg_policy p where p.polrelid = c.oid))`,
    );
    expect(rows.map((row) => row.table_name).filter((name) => !ownerOnlyTables.includes(name))).toEqual([]);
  });

  it("gives the login roles no privilege at all on the owner-only tables", async () => {
    for (const table of ownerOnlyTables) {
      for (const role of ["tf_app", "tf_ingest"]) {
        const { rows } = await dbs.admin.pool.query<{ any_privilege: boolean }>(
          `select has_table_privilege($1, $2, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') as any_privilege`,
          [role, table],
        );
        expect(rows[0]?.any_privilege, `${role} on ${table}`).toBe(false);
      }
    }
  });

  it("keeps every tenant_id table behind a policy that reads the transaction's tenant", async () => {
    const { rows } = await dbs.admin.pool.query<{ table_name: string }>(
      `select distinct c.table_name from information_schema.columns c
       where c.table_schema = 'public' and c.column_name = 'tenant_id'
         and not exists (
           select 1 from pg_policies p
           where p.schemaname = 'public' and p.tablename = c.table_name and 'tf_app' = any (p.roles)
             and p.cmd in ('SELECT', 'ALL') and p.qual like '%tf_readable_tenants()%'
         )`,
    );
    expect(rows.map((row) => row.table_name)).toEqual([]);
  });
});

describe("the database roles", () => {
  it("make the application and ingestion roles owners of nothing and unable to bypass RLS", async () => {
    const { rows } = await dbs.admin.pool.query<{
      rolname: string;
      rolsuper: boolean;
      rolbypassrls: boolean;
      rolcreaterole: boolean;
      owned: number;
      member_of: string[];
    }>(
      `select r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole,
              (select count(*)::int from pg_class c where c.relowner = r.oid)
                + (select count(*)::int from pg_proc p where p.proowner = r.oid) as owned,
              array(select g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
                    where m.member = r.oid) as member_of
       from pg_roles r where r.rolname in ('tf_app', 'tf_ingest') order by r.rolname`,
    );
    expect(rows).toEqual([
      {
        rolname: "tf_app",
        rolsuper: false,
        rolbypassrls: false,
        rolcreaterole: false,
        owned: 0,
        member_of: [],
      },
      {
        rolname: "tf_ingest",
        rolsuper: false,
        rolbypassrls: false,
        rolcreaterole: false,
        owned: 0,
        member_of: [],
      },
    ]);
  });

  it("connect the application and ingestion URLs as those roles", async () => {
    const app = await dbs.app.pool.query<{ user: string }>("select current_user as user");
    const ingest = await dbs.ingest.pool.query<{ user: string }>("select current_user as user");
    expect([app.rows[0]?.user, ingest.rows[0]?.user]).toEqual(["tf_app", "tf_ingest"]);
  });

  it("refuse the ingestion role any write on tenant data and the application any write on the catalog", async () => {
    const check = async (role: string, table: string, privilege: string) => {
      const { rows } = await dbs.admin.pool.query<{ allowed: boolean }>(
        "select has_table_privilege($1, $2, $3) as allowed",
        [role, table, privilege],
      );
      return rows[0]?.allowed;
    };
    for (const table of ["tenant_indicators", "private_indicators", "sightings", "audit_log", "tenants"]) {
      expect(await check("tf_ingest", table, "INSERT, UPDATE, DELETE, SELECT"), table).toBe(false);
    }
    for (const table of ["indicators", "observations", "feed_runs"]) {
      expect(await check("tf_app", table, "INSERT, UPDATE, DELETE, TRUNCATE"), table).toBe(false);
      expect(await check("tf_ingest", table, "INSERT, UPDATE"), table).toBe(true);
      expect(await check("tf_ingest", table, "DELETE, TRUNCATE"), table).toBe(false);
    }
  });

  it("keep the audit log append-only even for the owner", async () => {
    const client = await dbs.admin.pool.connect();
    try {
      await client.query("begin");
      await client.query(
        `insert into audit_log (id, tenant_id, action, seq, previous_hash, hash)
         values ('aud_test_append_only', 'tnt_none', 'test.append', 1, repeat('0', 64), repeat('f', 64))`,
      );
      await expect(client.query("update audit_log set action = 'test.changed'")).rejects.toThrow(
        /append-only/,
      );
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});
