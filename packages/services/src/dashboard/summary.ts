import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { catalogRowStatus } from "../indicators/active-indicators.ts";

export const dashboardSummaryInput = z.object({
  /** How many days the "new indicators per day" series covers (ending today, UTC). */
  days: z.coerce.number().int().min(1).max(180).default(30),
});

export interface CountByKey {
  /** What a search filters on: a type, a source id, a family name. */
  key: string;
  label: string;
  count: number;
}

export type FeedHealthState = "ok" | "failing" | "never" | "disabled";

export interface DashboardFeed {
  id: string;
  name: string;
  sourceId: string;
  sourceName: string;
  health: FeedHealthState;
  lastStatus: string | null;
  lastError: string | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
}

export interface DashboardListedIndicator {
  id: string;
  type: string;
  value: string;
  score: number;
  at: string;
}

export interface DashboardSummary {
  totals: { active: number; highScore: number; confirmed: number; falsePositives: number };
  byType: CountByKey[];
  bySource: CountByKey[];
  /** One entry per day (UTC, `YYYY-MM-DD`) of the window, zeros included, oldest first. */
  newPerDay: { day: string; count: number }[];
  topMalwareFamilies: CountByKey[];
  topThreatTypes: CountByKey[];
  feeds: { total: number; ok: number; failing: number; items: DashboardFeed[] };
  recentSightings: (DashboardListedIndicator & { sightings: number; sensor: string | null })[];
  recentFalsePositives: DashboardListedIndicator[];
  generatedAt: string;
}

/** Scores from this value up count as "high" (the dashboard's second tile links to `scoreMin=70`). */
export const highScoreFrom = 70;
const topLimit = 8;
const listLimit = 8;

/** Statuses outside the default active view (the same set `selectActiveIndicators` leaves out). */
const outsideActive = sql`('false_positive', 'allowlisted', 'expired', 'revoked')`;

function privateScope(tenantId: string): SQL {
  return sql`(p.tenant_id = ${tenantId} or p.tenant_id = (select tf_parent_tenant()))`;
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/**
 * The dashboard's numbers for the whole tenant view (global catalog with the tenant's overlay, its private
 * indicators and those its MSSP shares with it), computed in SQL: counts by type and source, new indicators
 * per day, top malware families and threat types, feed health, recent sightings and false-positive reports.
 * One tenant transaction; row-level security is the floor under every statement.
 */
export async function getDashboardSummary({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof dashboardSummaryInput>;
}): Promise<DashboardSummary> {
  authorizeAction(ctx, "indicator.read");
  const tenantId = ctx.tenant.tenantId;
  const now = ctx.now();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = new Date(today - (input.days - 1) * 86_400_000).toISOString();
  return inTenantTx(ctx, async (tx) => {
    // These aggregates are cheap scans that the planner costs high: JIT compilation would cost more than it
    // saves (measured: packages/services/bench/dashboard-summary.ts).
    await tx.execute(sql`set local jit = off`);
    // One pass over the tenant's view: grouping sets give the totals, the per-type counts and the per-day
    // series from the same scan.
    const grouped = await tx.execute<{
      type: string | null;
      day: string | null;
      by_type: number;
      by_day: number;
      n: number;
      high: number;
      confirmed: number;
    }>(sql`
      select type, day, grouping(type)::int as by_type, grouping(day)::int as by_day,
             count(*)::int as n,
             count(*) filter (where score >= ${highScoreFrom})::int as high,
             count(*) filter (where status = 'confirmed')::int as confirmed
      from (
        select i.type, case when i.first_seen >= ${since}::timestamptz
                            then to_char(i.first_seen at time zone 'UTC', 'YYYY-MM-DD') end as day,
               coalesce(ti.effective_score, i.base_score) as score, ${catalogRowStatus} as status
        from indicators i
        left join tenant_indicators ti on ti.tenant_id = ${tenantId} and ti.indicator_id = i.id
        where ${catalogRowStatus} not in ${outsideActive}
        union all
        select p.type, case when p.first_seen >= ${since}::timestamptz
                            then to_char(p.first_seen at time zone 'UTC', 'YYYY-MM-DD') end,
               p.score, p.status
        from private_indicators p
        where ${privateScope(tenantId)} and p.status not in ${outsideActive}
      ) as v
      group by grouping sets ((), (type), (day))`);

    const bySourceRows = await tx.execute<{ key: string; label: string; n: number }>(sql`
      select * from (
        select s.id as key, s.name as label, count(*)::int as n
        from observations o
        join indicators i on i.id = o.indicator_id
        left join tenant_indicators ti on ti.tenant_id = ${tenantId} and ti.indicator_id = i.id
        join sources s on s.id = o.source_id
        where ${catalogRowStatus} not in ${outsideActive}
        group by s.id, s.name
        union all
        select owner.id, owner.name, count(*)::int
        from private_indicators p join tenants owner on owner.id = p.tenant_id
        where ${privateScope(tenantId)} and p.status not in ${outsideActive}
        group by owner.id, owner.name
      ) as sources
      order by n desc, label limit ${topLimit}`);

    const contextTop = async (column: "malware_family" | "threat_type", contextKey: string) => {
      const found = await tx.execute<{ label: string; n: number }>(sql`
        select label, sum(n)::int as n from (
          select o.${sql.raw(column)} as label, count(distinct o.indicator_id)::int as n
          from observations o
          join indicators i on i.id = o.indicator_id
          left join tenant_indicators ti on ti.tenant_id = ${tenantId} and ti.indicator_id = i.id
          where o.${sql.raw(column)} is not null and o.${sql.raw(column)} <> ''
            and ${catalogRowStatus} not in ${outsideActive}
          group by 1
          union all
          select p.context ->> ${contextKey}, count(*)::int
          from private_indicators p
          where ${privateScope(tenantId)} and p.status not in ${outsideActive}
            and coalesce(p.context ->> ${contextKey}, '') <> ''
          group by 1
        ) as named
        group by label order by n desc, label limit ${topLimit}`);
      return found.rows.map((row) => ({ key: row.label, label: row.label, count: row.n }));
    };
    const topMalwareFamilies = await contextTop("malware_family", "malwareFamily");
    const topThreatTypes = await contextTop("threat_type", "threatType");

    // The feeds behind the tenant's view: the global catalog's (every tenant reads the catalog) and its own
    // private feeds; row-level security shows no other tenant's. Failing first, then subscribed ones.
    const feedRows = await tx.execute<{
      id: string;
      name: string;
      source_id: string;
      source_name: string;
      enabled: boolean;
      last_status: string | null;
      last_error: string | null;
      last_success_at: Date | string | null;
      consecutive_failures: number | null;
    }>(sql`
      select f.id, f.name, s.id as source_id, s.name as source_name, f.enabled as enabled,
             st.last_status, st.last_error, st.last_success_at, st.consecutive_failures
      from feeds f
      join sources s on s.id = f.source_id
      left join feed_subscriptions sub on sub.feed_id = f.id and sub.tenant_id = ${tenantId}
      left join feed_collector_state st on st.feed_id = f.id
      where f.tenant_id is null or f.tenant_id = ${tenantId}
      order by coalesce(st.consecutive_failures, 0) desc, (sub.id is null and f.tenant_id is null), f.name`);
    const feeds = feedRows.rows.map((row): DashboardFeed => {
      const failures = row.consecutive_failures ?? 0;
      const health: FeedHealthState = !row.enabled
        ? "disabled"
        : failures > 0 || row.last_status === "failed"
          ? "failing"
          : row.last_status === null
            ? "never"
            : "ok";
      return {
        id: row.id,
        name: row.name,
        sourceId: row.source_id,
        sourceName: row.source_name,
        health,
        lastStatus: row.last_status,
        lastError: row.last_error,
        lastSuccessAt: iso(row.last_success_at),
        consecutiveFailures: failures,
      };
    });

    const sightings = await tx.execute<{
      id: string;
      type: string;
      value: string;
      score: number;
      seen_at: Date | string;
      sighting_count: number;
      sensor: string | null;
    }>(sql`
      select coalesce(i.id, p.id) as id, coalesce(i.type, p.type) as type, coalesce(i.value, p.value)::text as value,
             coalesce(ti.effective_score, i.base_score, p.score)::int as score, s.seen_at, s.sighting_count, s.sensor
      from sightings s
      left join indicators i on i.id = s.indicator_id
      left join tenant_indicators ti on ti.tenant_id = ${tenantId} and ti.indicator_id = s.indicator_id
      left join private_indicators p on p.id = s.private_indicator_id
      where s.tenant_id = ${tenantId}
      order by s.seen_at desc, s.id desc
      limit ${listLimit}`);

    const falsePositives = await tx.execute<{
      id: string;
      type: string;
      value: string;
      score: number;
      at: Date | string;
      total: number;
    }>(sql`
      select id, type, value, score, at, count(*) over ()::int as total from (
        select i.id, i.type, i.value::text as value, coalesce(ti.effective_score, i.base_score)::int as score,
               ti.updated_at as at
        from tenant_indicators ti join indicators i on i.id = ti.indicator_id
        where ti.tenant_id = ${tenantId} and ti.status = 'false_positive'
        union all
        select p.id, p.type, p.value::text, p.score::int, p.updated_at
        from private_indicators p
        where p.tenant_id = ${tenantId} and p.status = 'false_positive'
      ) as reported
      order by at desc, id desc
      limit ${listLimit}`);

    const total = grouped.rows.find((row) => row.by_type === 1 && row.by_day === 1);
    const byType = grouped.rows
      .filter((row) => row.by_type === 0 && row.type !== null)
      .map((row) => ({ key: row.type ?? "", label: row.type ?? "", count: row.n }))
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
    const perDay = new Map(
      grouped.rows
        .filter((row) => row.by_day === 0 && row.day !== null)
        .map((row) => [row.day ?? "", row.n] as const),
    );
    const newPerDay = Array.from({ length: input.days }, (_, index) => {
      const day = new Date(Date.parse(since) + index * 86_400_000).toISOString().slice(0, 10);
      return { day, count: perDay.get(day) ?? 0 };
    });

    return {
      totals: {
        active: total?.n ?? 0,
        highScore: total?.high ?? 0,
        confirmed: total?.confirmed ?? 0,
        falsePositives: falsePositives.rows[0]?.total ?? 0,
      },
      byType,
      bySource: bySourceRows.rows.map((row) => ({ key: row.key, label: row.label, count: row.n })),
      newPerDay,
      topMalwareFamilies,
      topThreatTypes,
      feeds: {
        total: feeds.length,
        ok: feeds.filter((feed) => feed.health === "ok").length,
        failing: feeds.filter((feed) => feed.health === "failing").length,
        items: feeds.slice(0, 10),
      },
      recentSightings: sightings.rows.map((row) => ({
        id: row.id,
        type: row.type,
        value: row.value,
        score: row.score,
        at: new Date(row.seen_at).toISOString(),
        sightings: row.sighting_count,
        sensor: row.sensor,
      })),
      recentFalsePositives: falsePositives.rows.map((row) => ({
        id: row.id,
        type: row.type,
        value: row.value,
        score: row.score,
        at: new Date(row.at).toISOString(),
      })),
      generatedAt: now.toISOString(),
    };
  });
}
