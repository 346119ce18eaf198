import { neon, neonConfig } from "@neondatabase/serverless";
import { bridgeHttpEndpoint, createClient } from "@threatfusion/db";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type BridgeTraffic, startWsBridge } from "./ws-bridge.ts";

// The bridge of the test run's global setup, spoken to as Neon's HTTP query endpoint by the real driver.
describe("the bridge's Neon HTTP endpoint (POST /sql)", () => {
  const database = inject("database");
  neonConfig.fetchEndpoint = bridgeHttpEndpoint(database.wsProxy ?? "");
  const sql = neon(database.adminUrl, { fullResults: true });
  const table = `bridge_http_${Math.random().toString(36).slice(2, 8)}`;
  afterAll(() => sql.query(`drop table if exists ${table}`));

  it("answers one query with the rows parsed by the driver from raw text", async () => {
    const result = await sql.query(
      "select $1::int + 1 as sum, array['a','b'] as tags, '{\"k\":1}'::jsonb as doc, null::text as nothing",
      [41],
    );
    expect(result.rows).toEqual([{ sum: 42, tags: ["a", "b"], doc: { k: 1 }, nothing: null }]);
    expect(result.command).toBe("SELECT");
    expect(result.fields.map((field) => field.name)).toEqual(["sum", "tags", "doc", "nothing"]);
  });

  it("runs a batch as one transaction: settings are local to it, and a failure rolls every statement back", async () => {
    const [, setting] = await sql.transaction([
      sql.query("select set_config('app.tenant_id', 'ten_x', true)"),
      sql.query("select current_setting('app.tenant_id', true) as tenant"),
    ]);
    expect(setting?.rows).toEqual([{ tenant: "ten_x" }]);
    await sql.query(`create table ${table} (id int primary key)`);
    await expect(
      sql.transaction([
        sql.query(`insert into ${table} values (1)`),
        sql.query(`insert into ${table} values (1)`),
      ]),
    ).rejects.toMatchObject({ code: "23505", constraint: `${table}_pkey` });
    const rows = await sql.query(`select count(*)::int as n from ${table}`);
    expect(rows.rows).toEqual([{ n: 0 }]);
  });

  it("honours a read-only batch", async () => {
    await expect(
      sql.transaction([sql.query(`insert into ${table} values (2)`)], { readOnly: true }),
    ).rejects.toMatchObject({ code: "25006" });
  });

  it("refuses a connection string for another database address (never an open proxy)", async () => {
    const elsewhere = new URL(database.adminUrl);
    elsewhere.hostname = "10.255.255.1";
    await expect(neon(elsewhere.toString()).query("select 1")).rejects.toThrow(/not allowed/);
  });
});

// A bridge of its own (the shared one's counts move with every other test file's queries).
describe("the bridge's traffic counts (GET /traffic)", () => {
  const database = inject("database");

  it("counts the bytes and messages of the WebSocket connections both ways", async () => {
    const target = new URL(database.adminUrl);
    const bridge = await startWsBridge({ target: { host: target.hostname, port: Number(target.port) } });
    const client = createClient({ url: database.adminUrl, wsProxy: bridge.proxyAddress });
    try {
      const read = async () =>
        (await (await fetch(`http://127.0.0.1:${bridge.port}/traffic`)).json()) as BridgeTraffic;
      expect(await read()).toEqual(bridge.traffic());
      await client.connect();
      const before = await read();
      const payload = "x".repeat(100_000);
      await client.query("select length($1::text) as n", [payload]);
      const after = await read();
      expect(after.toDatabase.bytes - before.toDatabase.bytes).toBeGreaterThanOrEqual(payload.length);
      expect(after.toDatabase.messages).toBeGreaterThan(before.toDatabase.messages);
      expect(after.fromDatabase.bytes).toBeGreaterThan(before.fromDatabase.bytes);
      expect(after.fromDatabase.bytes - before.fromDatabase.bytes).toBeLessThan(payload.length);
    } finally {
      await client.end();
      await bridge.close();
    }
  });
});
