import { newId } from "@threatfusion/core";
import { createDatabase, createPool, withIngestTx } from "@threatfusion/db";
import { migrate } from "@threatfusion/db/migrate";
import { matchWarninglists } from "@threatfusion/services";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { seedDemo } from "./seed.ts";

const shared = inject("database");
// A database of this suite's own: the seed imports warninglists, which would suppress other suites'
// catalog rows in the shared test database.
const databaseName = `tf_seed_${newId("job").slice(-12).toLowerCase()}`;
const adminUrl = (() => {
  const url = new URL(shared.adminUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();
const database = { adminUrl, wsProxy: shared.wsProxy };
let pool: ReturnType<typeof createPool>;

beforeAll(async () => {
  const server = createPool({ url: shared.adminUrl, wsProxy: shared.wsProxy }, { max: 1 });
  await server.query(`create database ${databaseName}`);
  await server.end();
  await migrate({ url: adminUrl, wsProxy: shared.wsProxy });
  pool = createPool({ url: adminUrl, wsProxy: shared.wsProxy }, { max: 1 });
}, 60_000);
afterAll(async () => {
  await pool.end();
  const server = createPool({ url: shared.adminUrl, wsProxy: shared.wsProxy }, { max: 1 });
  server.on("error", () => undefined);
  await server.query(`drop database if exists ${databaseName} with (force)`);
  await server.end();
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

describe("the demo seed's warninglists", () => {
  it("imports the fixture lists once, and they suppress the ThreatFox sample's benign rows with a reason", async () => {
    const options = { adminUrl: database.adminUrl, wsProxy: database.wsProxy, log: () => undefined };
    const first = await seedDemo(options);
    // The first describe may have seeded already; either way every fixture list is stored, none rejected.
    expect([...first.warninglists.imported, ...first.warninglists.unchanged].sort()).toEqual([
      "amazon-aws",
      "automated-malware-analysis",
      "cloudflare",
      "common-contact-emails",
      "empty-hashes",
      "public-dns-v6",
      "rfc1918",
      "tranco10k",
      "url-shortener",
    ]);
    expect(first.warninglists.rejected).toEqual([]);
    const second = await seedDemo(options);
    expect(second.warninglists.imported).toEqual([]);
    expect(second.warninglists.sweepId).toBeNull();

    const handle = createDatabase({ url: database.adminUrl, wsProxy: database.wsProxy }, { max: 1 });
    try {
      const matches = await withIngestTx({ db: handle.db }, (tx) =>
        matchWarninglists(tx, [
          { type: "ipv4", value: "34.219.208.40" },
          { type: "url", value: "http://github.com/auxconbetancursas-svg" },
          { type: "url", value: "http://ifconfig.me/System" },
          { type: "ipv4", value: "84.247.187.67" },
        ]),
      );
      expect(matches.map((match) => match.suppressed)).toEqual([true, true, true, false]);
      expect(matches.map((match) => match.reasons.map((reason) => reason.listId))).toEqual([
        ["amazon-aws"],
        ["tranco10k"],
        ["tranco10k"],
        [],
      ]);
    } finally {
      await handle.end();
    }
  }, 60_000);
});
