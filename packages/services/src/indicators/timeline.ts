import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { findIndicator } from "./find.ts";
import { type IndicatorView, toIndicatorView } from "./view.ts";

export type TimelineEvent =
  | {
      kind: "observation";
      at: string;
      /** first or last report by this source. */
      edge: "first_seen" | "last_seen";
      source: string;
      reportCount: number;
      malwareFamily: string | null;
      threatType: string | null;
    }
  | {
      kind: "sighting";
      at: string;
      count: number;
      sensor: string | null;
      asset: string | null;
      sightingId: string;
    };

export interface IndicatorTimeline {
  indicator: IndicatorView;
  /** Oldest first. */
  events: TimelineEvent[];
}

/**
 * The history of one indicator in the tenant's view: when each global source first and last reported it,
 * and the tenant's own sightings (never another tenant's). Limited to the newest 1,000 of each kind.
 */
export async function getIndicatorTimeline({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string };
}): Promise<IndicatorTimeline> {
  authorizeAction(ctx, "indicator.read");
  const tenantId = ctx.tenant.tenantId;
  return inTenantTx(ctx, async (tx) => {
    const indicator = await findIndicator(tx, tenantId, { id: input.id });
    const events: TimelineEvent[] = [];
    if (indicator.origin === "catalog") {
      const { rows } = await tx.execute<{
        source: string;
        first_seen: Date;
        last_seen: Date;
        report_count: number;
        malware_family: string | null;
        threat_type: string | null;
      }>(sql`
        select s.name as source, o.first_seen, o.last_seen, o.report_count, o.malware_family, o.threat_type
        from observations o join sources s on s.id = o.source_id
        where o.indicator_id = ${indicator.id}
        order by o.last_seen desc limit 1000`);
      for (const row of rows) {
        const base = {
          kind: "observation" as const,
          source: row.source,
          reportCount: row.report_count,
          malwareFamily: row.malware_family,
          threatType: row.threat_type,
        };
        events.push({ ...base, at: new Date(row.first_seen).toISOString(), edge: "first_seen" });
        if (new Date(row.last_seen).getTime() !== new Date(row.first_seen).getTime()) {
          events.push({ ...base, at: new Date(row.last_seen).toISOString(), edge: "last_seen" });
        }
      }
    }
    const column = indicator.origin === "catalog" ? sql`indicator_id` : sql`private_indicator_id`;
    const { rows: sightings } = await tx.execute<{
      id: string;
      seen_at: Date;
      sighting_count: number;
      sensor: string | null;
      asset: string | null;
    }>(sql`
      select id, seen_at, sighting_count, sensor, asset from sightings
      where tenant_id = ${tenantId} and ${column} = ${indicator.id}
      order by seen_at desc limit 1000`);
    for (const row of sightings) {
      events.push({
        kind: "sighting",
        at: new Date(row.seen_at).toISOString(),
        count: row.sighting_count,
        sensor: row.sensor,
        asset: row.asset,
        sightingId: row.id,
      });
    }
    events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    return { indicator: toIndicatorView(indicator), events };
  });
}
