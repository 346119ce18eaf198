import { newId } from "@threatfusion/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "./testing.ts";

// Migration 0010: roles match tenant kinds, and the pre-tenant lookups are narrow and reserved to tf_app.
const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "identity-db");
});
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

describe("membership roles", () => {
  it("accept a role only in the matching tenant kind", async () => {
    const attempts: [string, string, boolean][] = [
      [tree.msspId, "mssp_admin", true],
      [tree.msspId, "mssp_analyst", true],
      [tree.msspId, "tenant_admin", false],
      [tree.msspId, "viewer", false],
      [tree.clientAId, "analyst", true],
      [tree.clientAId, "mssp_admin", false],
      [tree.clientAId, "platform_admin", false],
      [tree.platformId, "platform_admin", true],
      [tree.platformId, "mssp_admin", false],
    ];
    for (const [tenantId, role, allowed] of attempts) {
      const userId = newId("user");
      await dbs.admin.pool.query("insert into users (id, email) values ($1, $2)", [
        userId,
        `${userId}@example.test`,
      ]);
      const insert = dbs.admin.pool.query(
        "insert into memberships (id, tenant_id, user_id, role) values ($1, $2, $3, $4)",
        [newId("membership"), tenantId, userId, role],
      );
      if (allowed) await expect(insert, role).resolves.toBeDefined();
      else await expect(insert, role).rejects.toThrow(/not valid/);
      await dbs.admin.pool.query("delete from users where id = $1", [userId]);
    }
  });

  it("refuse the old role names", async () => {
    await expect(
      dbs.admin.pool.query(
        "insert into memberships (id, tenant_id, user_id, role) values ($1, $2, $3, 'owner')",
        [newId("membership"), tree.clientAId, tree.userIds.clientA],
      ),
    ).rejects.toThrow(/memberships_role_check|not valid/);
  });
});

describe("authentication lookups", () => {
  it("are executable by the application role only", async () => {
    for (const fn of [
      "tf_auth_session(text)",
      "tf_auth_api_token(text)",
      "tf_auth_sign_in_candidate(text)",
      "tf_auth_invitation(text)",
      "tf_branding_for_host(text,text)",
    ]) {
      const { rows } = await dbs.admin.pool.query<{ app: boolean; ingest: boolean; owner: string }>(
        `select has_function_privilege('tf_app', $1, 'execute') as app,
                has_function_privilege('tf_ingest', $1, 'execute') as ingest,
                (select r.rolname from pg_proc p join pg_roles r on r.oid = p.proowner where p.oid = $1::regprocedure) as owner`,
        [fn],
      );
      expect([fn, rows[0]]).toEqual([fn, { app: true, ingest: false, owner: "tf_resolver" }]);
    }
  });

  it("find nothing for ids that do not exist, without a tenant set", async () => {
    for (const statement of [
      "select * from tf_auth_session('nope')",
      "select * from tf_auth_api_token('tok_00000000000000000000000000')",
      "select * from tf_auth_invitation('inv_00000000000000000000000000')",
    ]) {
      const { rows } = await dbs.app.pool.query(statement);
      expect(rows).toEqual([]);
    }
  });

  it("leave the credential tables unreadable to the app without a tenant", async () => {
    const { rows } = await dbs.app.pool.query("select count(*)::int as n from user_credentials");
    expect(rows[0]).toEqual({ n: 0 });
  });
});
