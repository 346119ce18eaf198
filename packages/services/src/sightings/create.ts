import { AppError, newId } from "@threatfusion/core";
import { detectIndicator, type IndicatorType } from "@threatfusion/ioc";
import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { loadProducer } from "../exports/producer.ts";
import { resolveStixIndicatorIds } from "../exports/stix-ids.ts";
import { selectActiveIndicators } from "../indicators/active-indicators.ts";

/** Most sightings one request records. */
export const maxSightingsPerRequest = 1_000;

/** The simple JSON form a SIEM alert action sends. */
export interface SimpleSighting {
  /** The indicator value (defanged accepted). */
  value: string;
  type?: IndicatorType | undefined;
  /** When it was seen (RFC 3339). */
  seenAt: string;
  count?: number | undefined;
  /** Where: the sensor or tool that saw it (e.g. "splunk-prod"). */
  sensor?: string | undefined;
  /** Where: the asset involved (host name, IP). */
  asset?: string | undefined;
  context?: Record<string, unknown> | undefined;
}

/** A STIX 2.1 Sighting (section 5.2) naming one of our indicators by its STIX id. */
export interface StixSighting {
  type: "sighting";
  sighting_of_ref: string;
  first_seen?: string | undefined;
  last_seen?: string | undefined;
  count?: number | undefined;
  where_sighted_refs?: string[] | undefined;
  description?: string | undefined;
  /** Extension: the value itself, when the SIEM knows it but not our STIX id. */
  x_threatfusion_value?: string | undefined;
}

export interface RecordedSighting {
  index: number;
  sightingId: string;
  indicatorId: string;
}

export interface UnmatchedSighting {
  index: number;
  reason: string;
}

export interface RecordSightingsResult {
  recorded: RecordedSighting[];
  unmatched: UnmatchedSighting[];
}

interface Normalized {
  index: number;
  seenAt: string;
  count: number;
  sensor: string | null;
  asset: string | null;
  context: Record<string, unknown>;
  key?: { type: IndicatorType; value: string };
  stixId?: string;
}

function normalize(index: number, item: SimpleSighting | StixSighting): Normalized | UnmatchedSighting {
  if ("type" in item && item.type === "sighting") {
    const stix = item as StixSighting;
    const seenAt = stix.last_seen ?? stix.first_seen;
    if (seenAt === undefined || Number.isNaN(Date.parse(seenAt))) {
      return { index, reason: "a STIX sighting needs first_seen or last_seen" };
    }
    const base: Normalized = {
      index,
      seenAt,
      count: stix.count ?? 1,
      sensor: stix.where_sighted_refs?.[0] ?? null,
      asset: null,
      context: { stix: { sighting_of_ref: stix.sighting_of_ref, description: stix.description ?? null } },
    };
    if (stix.x_threatfusion_value !== undefined) {
      const detected = detectIndicator(stix.x_threatfusion_value);
      if (!detected.ok) return { index, reason: `x_threatfusion_value: ${detected.reason}` };
      return { ...base, key: { type: detected.type, value: detected.value } };
    }
    return { ...base, stixId: stix.sighting_of_ref };
  }
  const simple = item as SimpleSighting;
  if (Number.isNaN(Date.parse(simple.seenAt))) return { index, reason: "seenAt is not a timestamp" };
  const detected = detectIndicator(simple.value);
  if (!detected.ok) return { index, reason: detected.reason };
  if (simple.type !== undefined && simple.type !== detected.type) {
    return { index, reason: `the value is a ${detected.type}, not a ${simple.type}` };
  }
  return {
    index,
    seenAt: simple.seenAt,
    count: simple.count ?? 1,
    sensor: simple.sensor ?? null,
    asset: simple.asset ?? null,
    context: simple.context ?? {},
    key: { type: detected.type, value: detected.value },
  };
}

/**
 * Records sightings from the tenant's own tools (SIEM alert actions, EDR): the simple JSON form or STIX 2.1
 * Sightings of the indicators we exported. Each sighting is stored for the tenant and feeds its overlay
 * (sighting count, last sighted), which the scoring stage reads. Values the tenant cannot see are reported
 * as unmatched; nothing is created in the catalog.
 */
export async function recordSightings({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { sightings: (SimpleSighting | StixSighting)[] };
}): Promise<RecordSightingsResult> {
  authorizeAction(ctx, "sighting.write");
  if (input.sightings.length > maxSightingsPerRequest) {
    throw new AppError("PAYLOAD_TOO_LARGE", `At most ${maxSightingsPerRequest} sightings per request`);
  }
  const tenantId = ctx.tenant.tenantId;
  const userId = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  const unmatched: UnmatchedSighting[] = [];
  const items: Normalized[] = [];
  input.sightings.forEach((item, index) => {
    const normalized = normalize(index, item);
    if ("reason" in normalized) unmatched.push(normalized);
    else items.push(normalized);
  });
  const recorded: RecordedSighting[] = [];
  await inTenantTx(ctx, async (tx) => {
    const byKey = new Map<string, { id: string; origin: string }>();
    const keys = items.flatMap((item) => (item.key ? [item.key] : []));
    if (keys.length > 0) {
      const { rows } = await selectActiveIndicators(
        tx,
        { tenantId },
        { keys, includeSuppressed: true, includeInactive: true },
        { order: "recent", limit: keys.length * 3 },
      );
      // Prefer the tenant's own private row, then shared, then catalog (as getIndicator does).
      const rank = { private: 0, shared: 1, catalog: 2 } as const;
      rows.sort((a, b) => rank[a.origin] - rank[b.origin]);
      for (const row of rows) {
        const key = `${row.type}\u0000${row.value}`;
        if (!byKey.has(key)) byKey.set(key, { id: row.id, origin: row.origin });
      }
    }
    const stixIds = items.flatMap((item) => (item.stixId ? [item.stixId] : []));
    const byStixId = new Map<string, string>();
    if (stixIds.length > 0) {
      const producer = await loadProducer(tx, tenantId);
      for (const [stixId, indicatorId] of await resolveStixIndicatorIds(tx, tenantId, producer, stixIds)) {
        byStixId.set(stixId, indicatorId);
      }
    }
    for (const item of items) {
      const target = item.key
        ? byKey.get(`${item.key.type}\u0000${item.key.value}`)?.id
        : item.stixId
          ? byStixId.get(item.stixId)
          : undefined;
      if (target === undefined) {
        unmatched.push({ index: item.index, reason: "no such indicator in this tenant's view" });
        continue;
      }
      const sightingId = newId("sighting");
      const isCatalog = target.startsWith("ind_");
      await tx.execute(sql`
        insert into sightings (id, tenant_id, indicator_id, private_indicator_id, seen_at, sighting_count, sensor,
                               asset, context, created_by)
        values (${sightingId}, ${tenantId}, ${isCatalog ? target : null}, ${isCatalog ? null : target},
                ${item.seenAt}::timestamptz, ${item.count}, ${item.sensor}, ${item.asset},
                ${JSON.stringify(item.context)}::jsonb, ${userId})`);
      if (isCatalog) {
        await tx.execute(sql`
          insert into tenant_indicators (tenant_id, indicator_id, sightings_count, last_sighted_at)
          values (${tenantId}, ${target}, ${item.count}, ${item.seenAt}::timestamptz)
          on conflict (tenant_id, indicator_id) do update set
            sightings_count = tenant_indicators.sightings_count + excluded.sightings_count,
            last_sighted_at = greatest(tenant_indicators.last_sighted_at, excluded.last_sighted_at)`);
      }
      recorded.push({ index: item.index, sightingId, indicatorId: target });
    }
  });
  unmatched.sort((a, b) => a.index - b.index);
  return { recorded, unmatched };
}
