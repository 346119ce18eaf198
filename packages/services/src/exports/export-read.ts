import type { ExportIndicator, Tlp } from "@threatfusion/exports";
import { isSuppressionReason, suppressionReasons, threatfusionNamespace } from "@threatfusion/exports";
import type { IndicatorType } from "@threatfusion/ioc";
import { type SQL, sql } from "drizzle-orm";
import { inTenantTx, type ServiceContext } from "../context.ts";
import {
  type ActiveIndicatorFilter,
  catalogRowStatus,
  selectActiveIndicators,
  toExportIndicator,
} from "../indicators/active-indicators.ts";
import type { KeysetCursor } from "../indicators/cursor.ts";
import { utcTextToIso } from "../indicators/utc-text.ts";
import { type IdRange, rangeBatches } from "./cursor-read.ts";

/** Filter fields the lean reader honours; any other field sends the export through the page-by-page path. */
const leanFilterFields = new Set(["types", "includeSuppressed"]);

/** True when a full export with this filter can take the lean cursor read (`exportBatches`). */
export function isLeanExportFilter(filter: ActiveIndicatorFilter): boolean {
  return Object.entries(filter).every(
    ([field, value]) =>
      value === undefined || leanFilterFields.has(field) || (field === "valuePrefix" && value === ""),
  );
}

interface CatalogExportRow extends Record<string, unknown> {
  id: string;
  type: IndicatorType;
  value: string;
  first_seen: string;
  last_seen: string;
  created_at: string;
  modified_at: string;
  confidence: number | null;
  score: number;
  tlp: Tlp;
  tags: string[];
  status: string;
  /** The global source ids of the row's observations, comma-separated (one text field, not an array to parse). */
  source_ids: string | null;
  malware_family: string | null;
  threat_type: string | null;
  reference: string | null;
  indicator_stix_id: string | null;
  observable_stix_id: string | null;
  relationship_stix_id: string | null;
}

/**
 * The statuses a lean read leaves out: expired and revoked always (they are not active), false positives and
 * allowlisted ones unless suppressed rows were asked for. As in the active-indicators query.
 */
export function excludedStatuses(includeSuppressed: boolean): string[] {
  return [...(includeSuppressed ? [] : suppressionReasons), "expired", "revoked"];
}

/**
 * Connections a full export reads the catalog with at once (`rangeBatches`): PostgreSQL's share of a big
 * export then runs on two cores. The streaming routes size their pool to this.
 */
export const exportReadConnections = 2;
/** Catalog ids per range of a full export: one statement each, a few ranges in memory at most. */
const exportRangeRows = 10_000;

export interface ExportBatchesOptions {
  types?: readonly IndicatorType[] | undefined;
  includeSuppressed: boolean;
  /** The producer's STIX identity id: the database then derives the three STIX ids of each catalog row. */
  stixIdentityId?: string | undefined;
  /** Catalog ids per range (default `exportRangeRows`); tests make it small to cross many ranges. */
  rangeRows?: number | undefined;
}

/**
 * The tenant's active indicators for a full export, in batches, from ONE snapshot: the catalog part is
 * one statement per range of ids, read by `exportReadConnections` transactions at once (`rangeBatches`) and
 * delivered in id order (merge joins on the primary keys: the overlay, and the
 * observations grouped per indicator, instead of a source look-up per row; timestamps as text; for STIX the
 * deterministic ids from PostgreSQL's SHA-1), then the tenant's private and shared rows through the
 * active-indicators query page by page. The rows and their overlay are those of the active-indicators
 * query (a test compares both readers); catalog rows come in id order, then private ones.
 */
export async function* exportBatches(
  ctx: ServiceContext,
  options: ExportBatchesOptions,
): AsyncGenerator<ExportIndicator[]> {
  const tenantId = ctx.tenant.tenantId;
  const sourceRank = await inTenantTx(ctx, async (tx) => {
    // Global source names in the database's own order, so a row's names sort as `array_agg(… order by)` would.
    const { rows } = await tx.execute<{ id: string; name: string }>(
      sql`select id, name from sources where tenant_id is null order by name`,
    );
    return new Map(rows.map((row, rank) => [row.id, { name: row.name, rank }]));
  });
  const excluded = excludedStatuses(options.includeSuppressed);
  const typeCondition =
    options.types === undefined ? sql`true` : sql`i.type = any(${sql.param([...options.types])}::text[])`;
  const identity = options.stixIdentityId;
  const stixIds =
    identity === undefined
      ? sql`null::text as indicator_stix_id, null::text as observable_stix_id, null::text as relationship_stix_id`
      : sql`ids.indicator_stix_id, ids.observable_stix_id,
          'relationship--' || uuid_generate_v5(${threatfusionNamespace}::uuid,
            'based-on/' || ids.indicator_stix_id || '/' || ids.observable_stix_id) as relationship_stix_id`;
  const idsJoin =
    identity === undefined
      ? sql``
      : sql`cross join lateral (
          select case when i.type = 'cve' then null
                 else 'indicator--' || uuid_generate_v5(${threatfusionNamespace}::uuid, ${identity} || '/' || i.id) end
                 as indicator_stix_id,
                 tf_stix_observable_id(i.type, i.value) as observable_stix_id) as ids`;
  const idRange = (column: SQL, range: IdRange) =>
    sql`${range.lower === undefined ? sql`true` : sql`${column} >= ${range.lower}`} and ${
      range.upper === undefined ? sql`true` : sql`${column} < ${range.upper}`
    }`;
  const statement = (
    range: IdRange,
  ) => sql`select i.id, i.type, i.value::text as value, i.first_seen::text as first_seen,
      i.last_seen::text as last_seen, i.created_at::text as created_at,
      greatest(i.updated_at, ti.updated_at)::text as modified_at, i.confidence,
      coalesce(ti.effective_score, i.base_score)::int as score, i.tlp,
      case when coalesce(cardinality(ti.tags), 0) = 0 and cardinality(i.tags) < 2 then i.tags
           else array(select distinct t from unnest(i.tags || coalesce(ti.tags, '{}')) as t order by t) end as tags,
      ${catalogRowStatus} as status, src.source_ids, src.malware_family, src.threat_type, src.reference, ${stixIds}
    from indicators i
    left join tenant_indicators ti on ti.tenant_id = ${tenantId} and ti.indicator_id = i.id
    left join (
      select ob.indicator_id, string_agg(distinct ob.source_id, ',') as source_ids,
             max(ob.malware_family) as malware_family, max(ob.threat_type) as threat_type,
             max(ob.reference) as reference
      from observations ob where ${idRange(sql`ob.indicator_id`, range)} group by ob.indicator_id
    ) as src on src.indicator_id = i.id
    ${idsJoin}
    where ${idRange(sql`i.id`, range)} and ${typeCondition}
      and ${catalogRowStatus} <> all(${sql.param(excluded)}::text[])
    order by i.id`;
  // Most rows share a handful of source sets: each set's names are worked out once (and shared by the
  // records, which every writer only reads).
  const namesBySet = new Map<string, string[]>();
  const sourceNames = (ids: string | null): string[] => {
    if (ids === null || ids === "") return [];
    const cached = namesBySet.get(ids);
    if (cached !== undefined) return cached;
    const known = ids.split(",").flatMap((id) => {
      const source = sourceRank.get(id);
      return source === undefined ? [] : [source];
    });
    if (known.length > 1) known.sort((a, b) => a.rank - b.rank);
    const names = [...new Set(known.map((source) => source.name))];
    if (namesBySet.size >= 10_000) namesBySet.clear();
    namesBySet.set(ids, names);
    return names;
  };
  const privateFilter: ActiveIndicatorFilter = {
    origins: ["private", "shared"],
    includeSuppressed: options.includeSuppressed,
    ...(options.types === undefined ? {} : { types: options.types }),
  };
  yield* rangeBatches<CatalogExportRow, ExportIndicator>(ctx, {
    connections: exportReadConnections,
    statement,
    // Ranges of `exportRangeRows` catalog ids (of any type), cut by a walk of the primary key.
    nextCut: (lower) =>
      sql`select id as cut from indicators ${lower === undefined ? sql`` : sql`where id >= ${lower}`}
          order by id offset ${options.rangeRows ?? exportRangeRows} limit 1`,
    map: (row) => {
      const context: ExportIndicator["context"] = {};
      if (row.malware_family !== null) context.malwareFamily = row.malware_family;
      if (row.threat_type !== null) context.threatType = row.threat_type;
      if (row.reference !== null) context.reference = row.reference;
      const record: ExportIndicator = {
        id: row.id,
        type: row.type,
        value: row.value,
        firstSeen: utcTextToIso(row.first_seen),
        lastSeen: utcTextToIso(row.last_seen),
        addedAt: utcTextToIso(row.created_at),
        modifiedAt: utcTextToIso(row.modified_at),
        confidence: row.confidence ?? 50,
        score: row.score,
        tlp: row.tlp,
        tags: row.tags,
        context,
        sources: sourceNames(row.source_ids),
        status: row.status === "revoked" ? "revoked" : row.status === "expired" ? "expired" : "active",
      };
      if (isSuppressionReason(row.status)) record.suppressedReason = row.status;
      if (row.indicator_stix_id !== null) {
        // Without an observable id the relationship id is NULL too; the writer then derives both.
        record.stixIds =
          row.observable_stix_id === null || row.relationship_stix_id === null
            ? { indicator: row.indicator_stix_id }
            : {
                indicator: row.indicator_stix_id,
                observable: row.observable_stix_id,
                relationship: row.relationship_stix_id,
              };
      }
      return record;
    },
    after: async (tx, emit) => {
      let after: KeysetCursor | undefined;
      for (;;) {
        const page = await selectActiveIndicators(tx, { tenantId }, privateFilter, {
          order: "version",
          limit: 5_000,
          after,
        });
        if (page.rows.length > 0 && !(await emit(page.rows.map(toExportIndicator)))) return;
        if (page.next === undefined) return;
        after = page.next;
      }
    },
  });
}
