import { createPool } from "@threatfusion/db";
import { afterAll, describe, expect, inject, it } from "vitest";
import { seedDemo } from "./seed.ts";

const database = inject("database");
const pool = createPool({ url: database.adminUrl, wsProxy: database.wsProxy }, { max: 1 });
afterAll(async () => {
  // The test database is shared by every suite of the run: remove the demo tree again.
  await pool.query(
    `delete from tenants where parent_id in (select id from tenants where slug = 'northwind' and kind = 'mssp')`,
  );
  await pool.query("delete from tenants where slug = 'northwind' and kind = 'mssp'");
  await pool.query(
    `delete from users where email in ('platform@threatfusion.localhost') or email like '%@northwind.example'
       or email like '%@contoso.example' or email like '%@fabrikam.example'`,
  );
  await pool.end();
});

describe("the demo seed", () => {
  it("creates the MSSP, its branded clients, a user per role and a read-only token per client, once", async () => {
    const first = await seedDemo({
      adminUrl: database.adminUrl,
      wsProxy: database.wsProxy,
      log: () => undefined,
    });
    const tokens = first.credentials.filter((line) => /tf_[0-9a-z]{26}_/.test(line));
    expect(tokens).toHaveLength(2);
    const second = await seedDemo({
      adminUrl: database.adminUrl,
      wsProxy: database.wsProxy,
      log: () => undefined,
    });
    expect(second.credentials.filter((line) => /tf_[0-9a-z]{26}_/.test(line))).toEqual([]);
    expect(second.credentials.filter((line) => line.includes("@"))).toEqual(
      first.credentials.filter((line) => line.includes("@")),
    );

    const { rows: tenants } = await pool.query<{ slug: string; kind: string; product: string | null }>(
      `select t.slug, t.kind, t.settings -> 'branding' ->> 'productName' as product from tenants t
       where t.slug in ('northwind', 'contoso', 'fabrikam') order by t.slug`,
    );
    expect(tenants).toEqual([
      { slug: "contoso", kind: "client", product: "Contoso Threat Desk" },
      { slug: "fabrikam", kind: "client", product: "Fabrikam SOC Intel" },
      { slug: "northwind", kind: "mssp", product: "Northwind Intel" },
    ]);
    const { rows: roles } = await pool.query<{ role: string }>(
      `select m.role from memberships m join users u on u.id = m.user_id
       where u.email like '%@northwind.example' or u.email like '%@contoso.example' or u.email like '%@fabrikam.example'
       order by m.role`,
    );
    expect(roles.map((row) => row.role)).toEqual([
      "analyst",
      "analyst",
      "mssp_admin",
      "mssp_analyst",
      "tenant_admin",
      "tenant_admin",
    ]);
    // Nothing secret is stored in plain text.
    const { rows: stored } = await pool.query<{ token_hash: string; scopes: string[] }>(
      "select token_hash, scopes from api_tokens where name = 'Demo SIEM (read-only)'",
    );
    expect(stored).toHaveLength(2);
    for (const row of stored) {
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.scopes).toEqual(["indicators:read", "exports:read"]);
    }
    const { rows: hashes } = await pool.query<{ password_hash: string }>(
      "select password_hash from user_credentials",
    );
    expect(hashes.every((row) => row.password_hash.startsWith("$argon2id$"))).toBe(true);
  }, 60_000);
});
