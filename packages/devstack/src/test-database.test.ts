import { Client, neonConfig, Pool } from "@neondatabase/serverless";
import { afterAll, describe, expect, inject, it } from "vitest";
import { LoopbackWebSocket } from "./ws-bridge.ts";

describe("the test database", () => {
  const database = inject("database");
  neonConfig.wsProxy = (host, port) => `${database.wsProxy}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  const pool = new Pool({ connectionString: database.adminUrl });
  afterAll(() => pool.end());

  it("is a real PostgreSQL reached by the Neon driver through the loopback bridge", async () => {
    const { rows } = await pool.query<{ version: string; sum: number }>(
      "select version(), $1::int + 1 as sum",
      [41],
    );
    expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
    expect(rows[0]?.sum).toBe(42);
  });

  it("carries a statement of several megabytes intact over the zero-mask LoopbackWebSocket", async () => {
    const client = new Client({ connectionString: database.adminUrl });
    client.neonConfig.webSocketConstructor = LoopbackWebSocket;
    await client.connect();
    try {
      const values = Array.from({ length: 100_000 }, (_, i) => `value-${i}-${"x".repeat(i % 50)}`);
      const { rows } = await client.query<{ n: number; digest: string }>(
        "select count(*)::int as n, md5(string_agg(v, ',' order by o)) as digest from unnest($1::text[]) with ordinality as u(v, o)",
        [values],
      );
      const expected = await client.query<{ digest: string }>("select md5($1) as digest", [values.join(",")]);
      expect(rows[0]).toEqual({ n: values.length, digest: expected.rows[0]?.digest });
    } finally {
      await client.end();
    }
  });
});
