import { neonConfig, Pool } from "@neondatabase/serverless";
import { afterAll, describe, expect, inject, it } from "vitest";

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
});
