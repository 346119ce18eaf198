import { AppError } from "@threatfusion/core";
import {
  type DbTransaction,
  type IndicatorStatus,
  type PrivateIndicatorStatus,
  readInTenant,
  type TenantContext,
} from "@threatfusion/db";
import {
  type ExportIndicator,
  type IndicatorContext,
  type SuppressionReason,
  type Tlp,
  threatfusionNamespace,
} from "@threatfusion/exports";
import { type IndicatorType, indicatorTypes } from "@threatfusion/ioc";
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { KeysetCursor } from "./cursor.ts";
import { utcTextToIso } from "./utc-text.ts";

/**
 * THE tenant-scoped "active indicators" query. Every channel — REST list and lookups, each export, TAXII,
 * blocklists and search results — is a view over `selectActiveIndicators`, so segregation cannot differ
 * between channels. One row is either:
 * - a global catalog indicator with the tenant's overlay (status, effective score, notes, tags, sightings)
 *   and the names of the global sources that reported it (`origin: "catalog"`);
 * - a private indicator of the tenant itself (`origin: "private"`);
 * - a private indicator of the tenant's MSSP shared with it (`origin: "shared"`): its source is the MSSP,
 *   never another client.
 * Every branch names the tenant explicitly, and runs inside the tenant's transaction, so row-level
 * security is the floor under the query's own filters. Scores and suppression are read from stored
 * columns (the scoring stage materializes them), never computed here.
 */

/**
 * A catalog row's own status (`i` = indicators) when the tenant has no overlay row for it: the catalog's
 * suppression (warninglists) and expiry. Part of `catalogRowStatus`; alone only where the reader knows the
 * row has no overlay (the full EDL reads overlaid rows in a branch of their own).
 */
export const catalogOwnStatus = sql`case when i.suppressed then 'allowlisted' when i.score_expired then 'expired' else 'new' end`;

/**
 * A catalog row's status in a tenant's view (`i` = indicators, `ti` = the tenant's overlay): the overlay's,
 * else the catalog's own suppression (warninglists) and expiry. Every reader of the view uses this one.
 */
export const catalogRowStatus = sql`coalesce(ti.status, ${catalogOwnStatus})`;

export type IndicatorOrigin = "catalog" | "private" | "shared";

/** Statuses that take an indicator out of exports, blocklists and TAXII by default (with this reason). */
const suppressingStatuses: Record<string, SuppressionReason> = {
  false_positive: "false_positive",
  allowlisted: "allowlisted",
};
/** Statuses that take an indicator out of the active set altogether. */
const inactiveStatuses = ["expired", "revoked"];

export interface ActiveIndicatorFilter {
  types?: readonly IndicatorType[];
  /** Prefix of the canonical value (byte order, case-sensitive as stored). */
  valuePrefix?: string;
  /** Only catalog indicators observed by these global sources. */
  sourceIds?: readonly string[];
  /** Only catalog indicators observed by the sources of these feeds (feeds the tenant can read). */
  feedIds?: readonly string[];
  /** Only indicators carrying every one of these tags (catalog, overlay or private tags). */
  tags?: readonly string[];
  /** When given, exactly these statuses (overrides `includeSuppressed` / `includeInactive`). */
  statuses?: readonly PrivateIndicatorStatus[];
  scoreMin?: number;
  scoreMax?: number;
  confidenceMin?: number;
  confidenceMax?: number;
  firstSeenFrom?: string;
  firstSeenTo?: string;
  lastSeenFrom?: string;
  lastSeenTo?: string;
  tlp?: readonly Tlp[];
  ids?: readonly string[];
  /** Exact (type, canonical value) pairs: lookups. */
  keys?: readonly { type: string; value: string }[];
  origins?: readonly IndicatorOrigin[];
  /** Only rows whose version (last change) is later than this cursor: TAXII `added_after`, `since`. */
  versionAfter?: KeysetCursor;
  /** Also false positives and allowlisted indicators (each carries its reason). Default false. */
  includeSuppressed?: boolean;
  /** Also expired and revoked indicators. Default false. */
  includeInactive?: boolean;
}

/**
 * `recent`: last seen, newest first (lists, blocklists: the freshest entries survive a vendor cap).
 * `version`: last change, oldest first (TAXII, `since`, full exports: a stable walk that never skips a row).
 */
export type ActiveIndicatorOrder = "recent" | "version";

/** One row of the active-indicators query. */
export interface ActiveIndicator {
  id: string;
  origin: IndicatorOrigin;
  type: IndicatorType;
  value: string;
  firstSeen: string;
  lastSeen: string;
  /** When the row entered the catalog (or was created privately). */
  createdAt: string;
  /** The row's version: its last change (catalog row or private row). TAXII `date_added`. */
  versionAt: string;
  /** The newest change including the tenant's overlay: STIX `modified`. */
  modifiedAt: string;
  confidence: number | null;
  /** The tenant's effective score when the scoring stage stored one, else the global score. */
  score: number;
  globalScore: number;
  tlp: Tlp;
  /** Catalog or private tags united with the tenant's overlay tags. */
  tags: string[];
  status: PrivateIndicatorStatus;
  suppressedReason?: SuppressionReason;
  notes: string | null;
  sightingsCount: number;
  lastSightedAt: string | null;
  /** Display names of the sources: global source names, or the owning tenant (own tenant or its MSSP). */
  sources: string[];
  malwareFamily: string | null;
  threatType: string | null;
  reference: string | null;
  description: string | null;
  /** The STIX indicator id, when read with `stixIdentityId` (not for a CVE). */
  stixIndicatorId?: string;
  /** Keyset position of this row in the order it was read with. */
  cursor: KeysetCursor;
}

export interface ActiveIndicatorPage {
  rows: ActiveIndicator[];
  /** The producer's STIX identity id, when read with `stixIdentityId` as SQL and the page has rows. */
  stixIdentityId?: string;
  /** Position after the last row when more rows may follow. */
  next?: KeysetCursor;
}

export interface TenantScopeFacts {
  /** The acting tenant: the same one the transaction was opened for. */
  tenantId: string;
}

const microIso = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function statusCondition(status: SQL, filter: ActiveIndicatorFilter): SQL | undefined {
  if (filter.statuses !== undefined) {
    return sql`${status} = any(${sql.param([...filter.statuses])}::text[])`;
  }
  const excluded = [
    ...(filter.includeSuppressed === true ? [] : Object.keys(suppressingStatuses)),
    ...(filter.includeInactive === true ? [] : inactiveStatuses),
  ];
  return excluded.length === 0 ? undefined : sql`${status} <> all(${sql.param(excluded)}::text[])`;
}

interface BranchColumns {
  type: SQL;
  value: SQL;
  score: SQL;
  confidence: SQL;
  firstSeen: SQL;
  lastSeen: SQL;
  tlp: SQL;
  tags: SQL;
  status: SQL;
  id: SQL;
  version: SQL;
}

function commonConditions(columns: BranchColumns, filter: ActiveIndicatorFilter): SQL[] {
  const conditions: SQL[] = [];
  // One type as plain equality: PostgreSQL 18 reads `type = any('{x}')` as an array condition, and an index
  // walk under one does not count as ordered, so a per-type branch would scan and sort every row of its type
  // (measured: 58 ms instead of 0.2 ms for a first page at 150k rows).
  const [onlyType, ...otherTypes] = filter.types ?? [];
  if (onlyType !== undefined && otherTypes.length === 0) conditions.push(sql`${columns.type} = ${onlyType}`);
  else if (filter.types !== undefined)
    conditions.push(sql`${columns.type} = any(${sql.param([...filter.types])}::text[])`);
  if (filter.valuePrefix !== undefined && filter.valuePrefix !== "") {
    // Byte-order range instead of LIKE: no escaping of % and _, and it uses the (type, value) index.
    conditions.push(
      sql`${columns.value} >= ${filter.valuePrefix} and ${columns.value} < ${`${filter.valuePrefix}\u{10ffff}`}`,
    );
  }
  if (filter.tags !== undefined && filter.tags.length > 0) {
    conditions.push(sql`${columns.tags} @> ${sql.param([...filter.tags])}::text[]`);
  }
  const status = statusCondition(columns.status, filter);
  if (status !== undefined) conditions.push(status);
  if (filter.scoreMin !== undefined) conditions.push(sql`${columns.score} >= ${filter.scoreMin}`);
  if (filter.scoreMax !== undefined) conditions.push(sql`${columns.score} <= ${filter.scoreMax}`);
  if (filter.confidenceMin !== undefined)
    conditions.push(sql`${columns.confidence} >= ${filter.confidenceMin}`);
  if (filter.confidenceMax !== undefined)
    conditions.push(sql`${columns.confidence} <= ${filter.confidenceMax}`);
  if (filter.firstSeenFrom !== undefined)
    conditions.push(sql`${columns.firstSeen} >= ${filter.firstSeenFrom}::timestamptz`);
  if (filter.firstSeenTo !== undefined)
    conditions.push(sql`${columns.firstSeen} <= ${filter.firstSeenTo}::timestamptz`);
  if (filter.lastSeenFrom !== undefined)
    conditions.push(sql`${columns.lastSeen} >= ${filter.lastSeenFrom}::timestamptz`);
  if (filter.lastSeenTo !== undefined)
    conditions.push(sql`${columns.lastSeen} <= ${filter.lastSeenTo}::timestamptz`);
  if (filter.tlp !== undefined)
    conditions.push(sql`${columns.tlp} = any(${sql.param([...filter.tlp])}::text[])`);
  if (filter.ids !== undefined)
    conditions.push(sql`${columns.id} = any(${sql.param([...filter.ids])}::text[])`);
  if (filter.keys !== undefined) {
    conditions.push(
      sql`(${columns.type}, ${columns.value}) in (select k.type, k.value collate "C" from unnest(${sql.param(
        filter.keys.map((key) => key.type),
      )}::text[], ${sql.param(filter.keys.map((key) => key.value))}::text[]) as k(type, value))`,
    );
  }
  if (filter.versionAfter !== undefined) {
    conditions.push(
      sql`(${columns.version}, ${columns.id}) > (${filter.versionAfter.at}::timestamptz, ${filter.versionAfter.id})`,
    );
  }
  return conditions;
}

function keysetCondition(
  columns: BranchColumns,
  order: ActiveIndicatorOrder,
  after: KeysetCursor | undefined,
): SQL | undefined {
  if (after === undefined) return undefined;
  return order === "recent"
    ? sql`(${columns.lastSeen}, ${columns.id}) < (${after.at}::timestamptz, ${after.id})`
    : sql`(${columns.version}, ${columns.id}) > (${after.at}::timestamptz, ${after.id})`;
}

function orderBy(columns: BranchColumns, order: ActiveIndicatorOrder): SQL {
  return order === "recent"
    ? sql`${columns.lastSeen} desc, ${columns.id} desc`
    : sql`${columns.version} asc, ${columns.id} asc`;
}

function where(conditions: SQL[]): SQL {
  return conditions.length === 0 ? sql`true` : sql.join(conditions, sql` and `);
}

/**
 * Which version a catalog branch walks in `version` order. `catalog`: the catalog row's own change
 * (`indicators.updated_at`). With the tenant overlay counted as a change (`overlayVersions`) the walk is split
 * in two index-ordered halves that together cover every row exactly once: `catalog-only` (no overlay, or one
 * not newer than the catalog row) walks `indicators (updated_at, id)`, `overlay` (an overlay change newer than
 * the catalog row) walks `tenant_indicators (tenant_id, updated_at, indicator_id)`.
 */
type CatalogVersion = "catalog" | "catalog-only" | "overlay";

function catalogBranch(
  scope: TenantScopeFacts,
  filter: ActiveIndicatorFilter,
  order: ActiveIndicatorOrder,
  after: KeysetCursor | undefined,
  limit: number,
  versionKind: CatalogVersion = "catalog",
): SQL {
  const overlayVersion = versionKind === "overlay";
  const columns: BranchColumns = {
    type: sql`i.type`,
    value: sql`i.value`,
    score: sql`coalesce(ti.effective_score, i.base_score)`,
    confidence: sql`i.confidence`,
    firstSeen: sql`i.first_seen`,
    lastSeen: sql`i.last_seen`,
    tlp: sql`i.tlp`,
    tags: sql`(i.tags || coalesce(ti.tags, '{}'))`,
    // Without an overlay row the catalog's own suppression (warninglists) and expiry still apply.
    status: catalogRowStatus,
    // The overlay half keys on the overlay's own columns so that its (tenant_id, updated_at, indicator_id)
    // index serves both the order and the keyset condition.
    id: overlayVersion ? sql`ti.indicator_id` : sql`i.id`,
    version: overlayVersion ? sql`ti.updated_at` : sql`i.updated_at`,
  };
  const conditions = commonConditions(columns, filter);
  if (versionKind === "catalog-only")
    conditions.push(sql`(ti.updated_at is null or ti.updated_at <= i.updated_at)`);
  if (overlayVersion) conditions.push(sql`ti.updated_at > i.updated_at`);
  if (filter.sourceIds !== undefined) {
    conditions.push(
      sql`exists (select 1 from observations ob where ob.indicator_id = i.id and ob.source_id = any(${sql.param(
        [...filter.sourceIds],
      )}::text[]))`,
    );
  }
  if (filter.feedIds !== undefined) {
    conditions.push(
      sql`exists (select 1 from observations ob join feeds f on f.source_id = ob.source_id
                  where ob.indicator_id = i.id and f.id = any(${sql.param([...filter.feedIds])}::text[]))`,
    );
  }
  const keyset = keysetCondition(columns, order, after);
  if (keyset !== undefined) conditions.push(keyset);
  const sortKey = order === "recent" ? columns.lastSeen : columns.version;
  // Most rows carry at most one catalog tag and no overlay tags: those are already distinct and sorted, so the
  // per-row unnest-sort-distinct subquery (~2 µs a row, as the full export also skips it) runs only for the rest.
  const catalogTags = sql`case when coalesce(cardinality(ti.tags), 0) = 0 and cardinality(i.tags) < 2 then i.tags
      else array(select distinct t from unnest(${columns.tags}) as t order by t) end`;
  const from = overlayVersion
    ? sql`tenant_indicators ti join indicators i on i.id = ti.indicator_id
    where ti.tenant_id = ${scope.tenantId} and`
    : sql`indicators i
    left join tenant_indicators ti on ti.tenant_id = ${scope.tenantId} and ti.indicator_id = i.id
    where`;
  return sql`(select i.id, 'catalog' as origin, i.type, i.value::text as value, i.first_seen, i.last_seen,
      i.created_at, ${columns.version} as version_at, greatest(i.updated_at, ti.updated_at) as modified_at,
      i.confidence, ${columns.score}::int as score, i.base_score::int as global_score, i.tlp,
      ${catalogTags} as tags, ${columns.status} as status,
      ti.notes, coalesce(ti.sightings_count, 0) as sightings_count, ti.last_sighted_at,
      null::text as description, null::jsonb as context, null::text as owner_name,
      ${microIso(sortKey)} as cursor_at
    from ${from} ${where(conditions)}
    order by ${orderBy(columns, order)}
    limit ${limit})`;
}

function privateBranch(
  scope: TenantScopeFacts,
  filter: ActiveIndicatorFilter,
  order: ActiveIndicatorOrder,
  after: KeysetCursor | undefined,
  limit: number,
): SQL {
  const columns: BranchColumns = {
    type: sql`p.type`,
    value: sql`p.value`,
    score: sql`p.score`,
    confidence: sql`p.confidence`,
    firstSeen: sql`p.first_seen`,
    lastSeen: sql`p.last_seen`,
    tlp: sql`p.tlp`,
    tags: sql`p.tags`,
    status: sql`p.status`,
    id: sql`p.id`,
    version: sql`p.updated_at`,
  };
  const conditions = [
    // The query's own tenant filter (the tenant and its MSSP, from the database's tenant tree); row-level
    // security further limits the MSSP's rows to those shared with this tenant.
    sql`(p.tenant_id = ${scope.tenantId} or p.tenant_id = (select tf_parent_tenant()))`,
    ...commonConditions(columns, filter),
  ];
  const origins = filter.origins;
  if (origins !== undefined && !origins.includes("private"))
    conditions.push(sql`p.tenant_id <> ${scope.tenantId}`);
  if (origins !== undefined && !origins.includes("shared"))
    conditions.push(sql`p.tenant_id = ${scope.tenantId}`);
  const keyset = keysetCondition(columns, order, after);
  if (keyset !== undefined) conditions.push(keyset);
  const sortKey = order === "recent" ? columns.lastSeen : columns.version;
  return sql`(select p.id, case when p.tenant_id = ${scope.tenantId} then 'private' else 'shared' end as origin,
      p.type, p.value::text as value, p.first_seen, p.last_seen, p.created_at, p.updated_at as version_at,
      p.updated_at as modified_at, p.confidence, p.score::int as score, p.score::int as global_score, p.tlp,
      p.tags, p.status, case when p.tenant_id = ${scope.tenantId} then p.notes end as notes,
      (select coalesce(sum(s.sighting_count), 0)::int from sightings s
        where s.tenant_id = ${scope.tenantId} and s.private_indicator_id = p.id) as sightings_count,
      (select max(s.seen_at) from sightings s
        where s.tenant_id = ${scope.tenantId} and s.private_indicator_id = p.id) as last_sighted_at,
      p.description, p.context, owner.name as owner_name,
      ${microIso(sortKey)} as cursor_at
    from private_indicators p
    left join tenants owner on owner.id = p.tenant_id
    where ${where(conditions)}
    order by ${orderBy(columns, order)}
    limit ${limit})`;
}

interface RawRow extends Record<string, unknown> {
  id: string;
  origin: IndicatorOrigin;
  type: IndicatorType;
  value: string;
  first_seen: Date | string;
  last_seen: Date | string;
  created_at: Date | string;
  version_at: Date | string;
  modified_at: Date | string | null;
  confidence: number | null;
  score: number;
  global_score: number;
  tlp: Tlp;
  tags: string[] | null;
  status: PrivateIndicatorStatus;
  notes: string | null;
  sightings_count: number;
  last_sighted_at: Date | string | null;
  description: string | null;
  context: Record<string, unknown> | null;
  owner_name: string | null;
  cursor_at: string;
  source_names: string[] | null;
  malware_family: string | null;
  threat_type: string | null;
  reference: string | null;
  /** Only when read with `stixIdentityId`. */
  stix_indicator_id?: string | null;
  /** Only when read with `stixIdentityId` as SQL. */
  stix_identity_id?: string;
}

function iso(value: Date | string): string {
  return typeof value === "string" ? utcTextToIso(value) : value.toISOString();
}

function contextText(context: Record<string, unknown> | null, key: string): string | null {
  const value = context?.[key];
  return typeof value === "string" && value !== "" ? value : null;
}

function toActiveIndicator(row: RawRow): ActiveIndicator {
  const reason = suppressingStatuses[row.status];
  const versionAt = iso(row.version_at);
  return {
    id: row.id,
    origin: row.origin,
    type: row.type,
    value: row.value,
    firstSeen: iso(row.first_seen),
    lastSeen: iso(row.last_seen),
    createdAt: iso(row.created_at),
    versionAt,
    modifiedAt: row.modified_at === null ? versionAt : iso(row.modified_at),
    confidence: row.confidence,
    score: row.score,
    globalScore: row.global_score,
    tlp: row.tlp,
    tags: row.tags ?? [],
    status: row.status,
    ...(reason === undefined ? {} : { suppressedReason: reason }),
    notes: row.notes,
    sightingsCount: row.sightings_count,
    lastSightedAt: row.last_sighted_at === null ? null : iso(row.last_sighted_at),
    sources:
      row.origin === "catalog" ? (row.source_names ?? []) : row.owner_name === null ? [] : [row.owner_name],
    malwareFamily:
      row.malware_family ??
      contextText(row.context, "malwareFamily") ??
      contextText(row.context, "malware_family"),
    threatType:
      row.threat_type ?? contextText(row.context, "threatType") ?? contextText(row.context, "threat_type"),
    reference: row.reference ?? contextText(row.context, "reference"),
    description: row.description,
    ...(typeof row.stix_indicator_id === "string" ? { stixIndicatorId: row.stix_indicator_id } : {}),
    cursor: { at: row.cursor_at, id: row.id },
  };
}

export interface SelectOptions {
  order: ActiveIndicatorOrder;
  limit: number;
  after?: KeysetCursor | undefined;
  /**
   * Skip the sources and context of catalog rows (`sources` empty, context fields null): for readers that
   * need only type, value, status and scores, such as firewall blocklists. Saves one lookup per row.
   */
  lean?: boolean | undefined;
  /**
   * In `version` order, count a change of the tenant's overlay (status, effective score, notes, tags) as a
   * new version of a catalog row: `versionAt` and the walk then move with it, so incremental readers (TAXII
   * `added_after`) see a revoked or re-scored indicator again.
   */
  overlayVersions?: boolean | undefined;
  /**
   * The producer's STIX identity id: each row then carries its STIX indicator id (`stixIndicatorId`, none for
   * a CVE) derived by PostgreSQL's `uuid_generate_v5`, as the full export reads it, so the writer hashes nothing.
   * As SQL (`producerIdentityIdSql`), PostgreSQL computes the identity id too and the page returns it
   * (`stixIdentityId`), so the reader need not read the producer first.
   */
  stixIdentityId?: string | SQL | undefined;
}

/**
 * Where the query runs: an open transaction of the tenant (`inTenantTx` / `withTenantTx`), or the tenant's
 * context for a read of its own in one round trip (`readInTenant`: a single hot read, such as one lookup).
 */
export type ActiveIndicatorsTarget = DbTransaction | TenantContext;

/**
 * One page of the active indicators of the tenant: inside its open transaction, or as one round trip of its
 * own (`target` a TenantContext of the same tenant). Each branch is sorted and limited by its own index
 * before the union, so a page costs about `limit` index entries whatever the catalog size.
 */
export async function selectActiveIndicators(
  target: ActiveIndicatorsTarget,
  scope: TenantScopeFacts,
  filter: ActiveIndicatorFilter,
  options: SelectOptions,
): Promise<ActiveIndicatorPage> {
  const limit = pageLimit(options);
  const statement = activeIndicatorsStatement(scope, filter, options);
  if (statement === undefined) return { rows: [] };
  const rows = await readOnTarget<RawRow>(target, scope, statement);
  const more = rows.length > limit;
  const result = (more ? rows.slice(0, limit) : rows).map(toActiveIndicator);
  const last = result[result.length - 1];
  const identityId = rows[0]?.stix_identity_id;
  return {
    rows: result,
    ...(more && last !== undefined ? { next: last.cursor } : {}),
    ...(identityId === undefined ? {} : { stixIdentityId: identityId }),
  };
}

/** One page of the active indicators as export records (TAXII pages), each with its keyset position. */
export interface ActiveIndicatorRecordPage {
  entries: { record: ExportIndicator; cursor: KeysetCursor }[];
  /** The producer's STIX identity id, when read with `stixIdentityId` as SQL and the page has rows. */
  stixIdentityId?: string;
  next?: KeysetCursor;
}

/** One record as PostgreSQL writes it for `selectActiveIndicatorRecords`: positional, in one JSON text per page. */
type RecordTuple = [
  id: string,
  type: IndicatorType,
  value: string,
  firstSeen: string,
  lastSeen: string,
  addedAt: string,
  modifiedAt: string,
  confidence: number | null,
  score: number,
  tlp: Tlp,
  tags: string[],
  status: PrivateIndicatorStatus,
  sources: string[],
  malwareFamily: string | null,
  threatType: string | null,
  reference: string | null,
  description: string | null,
  stixIndicatorId: string | null,
  cursorAt: string,
];

/** RFC 3339 with milliseconds in UTC, truncated, exactly as `utcTextToIso` turns the driver's text. */
const millisIso = (column: SQL) =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A private row's context field `key` when it is a non-empty string (as `contextText`). */
const contextTextSql = (key: string) =>
  sql.raw(
    `case when jsonb_typeof(u.context -> '${key}') = 'string' then nullif(u.context ->> '${key}', '') end`,
  );

/** The statement `selectActiveIndicatorRecords` runs; exported so that tests and benchmarks can read its plan. */
export function activeIndicatorRecordsStatement(
  scope: TenantScopeFacts,
  filter: ActiveIndicatorFilter,
  options: SelectOptions,
): SQL | undefined {
  const parts = activeIndicatorsPage(scope, filter, options);
  if (parts === undefined) return undefined;
  const identity = options.stixIdentityId;
  const sources = options.lean === true ? sql`null::text[]` : sql`src.source_names`;
  const observed = (column: string) => (options.lean === true ? sql`null::text` : sql.raw(`src.${column}`));
  return sql`
    select json_agg(json_build_array(
        u.id, u.type, u.value, ${millisIso(sql`u.first_seen`)}, ${millisIso(sql`u.last_seen`)},
        ${millisIso(sql`u.created_at`)}, ${millisIso(sql`coalesce(u.modified_at, u.version_at)`)},
        u.confidence, u.score, u.tlp, coalesce(u.tags, '{}'), u.status,
        case when u.origin = 'catalog' then coalesce(${sources}, '{}')
             when u.owner_name is null then '{}'::text[] else array[u.owner_name] end,
        coalesce(${observed("malware_family")}, ${contextTextSql("malwareFamily")}, ${contextTextSql("malware_family")}),
        coalesce(${observed("threat_type")}, ${contextTextSql("threatType")}, ${contextTextSql("threat_type")}),
        coalesce(${observed("reference")}, ${contextTextSql("reference")}),
        u.description, ${parts.stixIndicatorId}, u.cursor_at
      ) order by ${parts.outerOrder})::text as records${
        identity === undefined || typeof identity === "string"
          ? sql``
          : sql`, ${identity} as stix_identity_id`
      }
    from (${parts.page}) as u
    ${options.lean === true ? sql`` : sql`left join lateral ${catalogSourcesLateral} as src on u.origin = 'catalog'`}`;
}

/**
 * The same page as `selectActiveIndicators` (same branches, order, limit and tenant scope), but as the export
 * records the writers take, built by PostgreSQL as ONE JSON text for the whole page: the driver then maps one
 * field instead of ~28 per row, and no intermediate row objects are made. Timestamps come formatted, and only
 * what an export record holds is read. For the hot paged readers (a 1,000-object TAXII page).
 */
export async function selectActiveIndicatorRecords(
  target: ActiveIndicatorsTarget,
  scope: TenantScopeFacts,
  filter: ActiveIndicatorFilter,
  options: SelectOptions,
): Promise<ActiveIndicatorRecordPage> {
  const limit = pageLimit(options);
  const statement = activeIndicatorRecordsStatement(scope, filter, options);
  if (statement === undefined) return { entries: [] };
  type PageRow = { records: string | null; stix_identity_id?: string };
  const rows = await readOnTarget<PageRow>(target, scope, statement);
  const row = rows[0];
  const tuples: RecordTuple[] = row?.records ? JSON.parse(row.records) : [];
  const more = tuples.length > limit;
  if (more) tuples.length = limit;
  const entries = tuples.map((tuple) => ({
    record: recordOf(tuple),
    cursor: { at: tuple[18], id: tuple[0] },
  }));
  const last = entries[entries.length - 1];
  return {
    entries,
    ...(more && last !== undefined ? { next: last.cursor } : {}),
    ...(row?.stix_identity_id === undefined || tuples.length === 0
      ? {}
      : { stixIdentityId: row.stix_identity_id }),
  };
}

/** The export record of one tuple: what `toExportIndicator(toActiveIndicator(row))` gives for the same row. */
function recordOf(tuple: RecordTuple): ExportIndicator {
  const [id, type, value, firstSeen, lastSeen, addedAt, modifiedAt, confidence, score, tlp, tags, status] =
    tuple;
  const context: IndicatorContext = {};
  if (tuple[13] !== null) context.malwareFamily = tuple[13];
  if (tuple[14] !== null) context.threatType = tuple[14];
  if (tuple[15] !== null) context.reference = tuple[15];
  if (tuple[16] !== null) context.description = tuple[16];
  const record: ExportIndicator = {
    id,
    type,
    value,
    firstSeen,
    lastSeen,
    addedAt,
    modifiedAt,
    confidence: confidence ?? 50,
    score,
    tlp,
    tags,
    context,
    sources: tuple[12],
    status: status === "revoked" ? "revoked" : status === "expired" ? "expired" : "active",
  };
  const reason = suppressingStatuses[status];
  if (reason !== undefined) record.suppressedReason = reason;
  if (tuple[17] !== null) record.stixIds = { indicator: tuple[17] };
  return record;
}

/** What a lookup reads: every status (see `findIndicator`). */
const lookupFilter = { includeSuppressed: true, includeInactive: true } as const;

/**
 * The rows of one (type, canonical value) in the tenant's view, through `tf_find_indicator_by_key` (migration
 * 0075): the lookup statement of `activeIndicatorsStatement` as a PL/pgSQL function, whose plan PostgreSQL
 * caches per backend. Parse, policy rewrite and planning of the 2.8 KB union were ~4 of the ~5 ms of
 * PostgreSQL CPU per lookup, and Neon's HTTP endpoint has no prepared statements; its backends, like the
 * dev bridge's, live across requests. The function runs as the caller (row-level security applies, with
 * `app.tenant_id` read at execution), and a test keeps its body equal to `keyLookupFunctionBody()`.
 */
export async function selectActiveIndicatorsByKey(
  target: ActiveIndicatorsTarget,
  scope: TenantScopeFacts,
  key: { type: IndicatorType; value: string },
): Promise<ActiveIndicator[]> {
  return readThroughFunction(
    target,
    scope,
    sql`select tf_find_indicator_by_key(${scope.tenantId}, ${key.type}, ${key.value}) as row`,
  );
}

/** The row of one indicator id (`ind_…`, `pin_…`) in the tenant's view, through `tf_find_indicator_by_id` (0076). */
export async function selectActiveIndicatorsById(
  target: ActiveIndicatorsTarget,
  scope: TenantScopeFacts,
  id: string,
): Promise<ActiveIndicator[]> {
  return readThroughFunction(
    target,
    scope,
    sql`select tf_find_indicator_by_id(${scope.tenantId}, ${id}) as row`,
  );
}

async function readThroughFunction(
  target: ActiveIndicatorsTarget,
  scope: TenantScopeFacts,
  statement: SQL,
): Promise<ActiveIndicator[]> {
  type FunctionRow = { row: RawRow };
  const rows = await readOnTarget<FunctionRow>(target, scope, statement);
  return rows.map((row) => toActiveIndicator(row.row));
}

/**
 * Runs one statement of the tenant's active-indicator reads where `target` says: in its open transaction, or
 * as one round trip of its own (`readInTenant`), refusing a target of another tenant than the query's.
 */
async function readOnTarget<Row extends Record<string, unknown>>(
  target: ActiveIndicatorsTarget,
  scope: TenantScopeFacts,
  statement: SQL,
): Promise<Row[]> {
  if ("tenantId" in target && target.tenantId !== scope.tenantId) {
    throw new AppError("INTERNAL", "the read target belongs to another tenant than the query");
  }
  if ("tenantId" in target) return readInTenant<Row>(target, statement);
  // drizzle types the rows as `Assume<Row, QueryResultRow>`, which is `Row` for every row type used here.
  return (await target.execute<Row>(statement)).rows as Row[];
}

/** The body of `tf_find_indicator_by_key(p_tenant_id, p_type, p_value)` (migration 0075). */
export function keyLookupFunctionBody(): string {
  return lookupFunctionBody("key");
}

/** The body of `tf_find_indicator_by_id(p_tenant_id, p_id)` (migration 0076). */
export function idLookupFunctionBody(): string {
  return lookupFunctionBody("id");
}

/**
 * A lookup function's body: the lookup statement the builder writes, with its parameters bound to the
 * function's arguments. The migrations hold this text; a change of the builder that changes it needs a new
 * migration (the test says so).
 */
function lookupFunctionBody(by: "key" | "id"): string {
  const tenant = "\u0000tenant";
  const statement =
    by === "key"
      ? activeIndicatorsStatement(
          { tenantId: tenant },
          { ...lookupFilter, keys: [{ type: "\u0000type", value: "\u0000value" }] },
          { order: "recent", limit: 3 },
        )
      : activeIndicatorsStatement(
          { tenantId: tenant },
          { ...lookupFilter, ids: ["\u0000id"] },
          { order: "recent", limit: 1 },
        );
  if (statement === undefined) throw new AppError("INTERNAL", "no lookup statement");
  const query = new PgDialect().sqlToQuery(statement);
  const argument: Record<string, string> = {
    "\u0000type": "array[p_type]",
    "\u0000value": "array[p_value]",
    "\u0000id": "array[p_id]",
  };
  const bound = query.sql.replace(/\$(\d+)/g, (_, position: string) => {
    const param: unknown = query.params[Number(position) - 1];
    if (param === tenant) return "p_tenant_id";
    if (typeof param === "number") return String(param);
    const bound = Array.isArray(param) && param.length === 1 ? argument[String(param[0])] : undefined;
    if (bound === undefined)
      throw new AppError("INTERNAL", `unexpected lookup parameter ${JSON.stringify(param)}`);
    return bound;
  });
  return `select to_json(r) from (${bound.trim()}) as r`;
}

function pageLimit(options: SelectOptions): number {
  return Math.max(1, Math.min(options.limit, 10_000));
}

/**
 * The statement `selectActiveIndicators` runs (one row more than the page, to tell whether another follows),
 * or undefined when no branch applies. Exported so that tests can read its plan.
 */
export function activeIndicatorsStatement(
  scope: TenantScopeFacts,
  filter: ActiveIndicatorFilter,
  options: SelectOptions,
): SQL | undefined {
  const parts = activeIndicatorsPage(scope, filter, options);
  if (parts === undefined) return undefined;
  const { page, outerOrder, stixIdColumn } = parts;
  return options.lean === true
    ? sql`select u.*, null::text[] as source_names, null::text as malware_family, null::text as threat_type,
                   null::text as reference${stixIdColumn}
            from (${page}) as u order by ${outerOrder}`
    : sql`
    select u.*, src.source_names, src.malware_family, src.threat_type, src.reference${stixIdColumn}
    from (${page}) as u
    left join lateral ${catalogSourcesLateral} as src on u.origin = 'catalog'
    order by ${outerOrder}`;
}

/** Source names (sorted, distinct) and observation context of one catalog row `u` of a page. */
const catalogSourcesLateral = sql`(
      select array_agg(distinct s.name order by s.name) as source_names,
             max(ob.malware_family) as malware_family, max(ob.threat_type) as threat_type,
             max(ob.reference) as reference
      from observations ob join sources s on s.id = ob.source_id
      where ob.indicator_id = u.id
    )`;

/** The page (`limit + 1` rows of the branches, merged) and what the outer select around it needs. */
function activeIndicatorsPage(
  scope: TenantScopeFacts,
  filter: ActiveIndicatorFilter,
  options: SelectOptions,
): { page: SQL; outerOrder: SQL; stixIdColumn: SQL; stixIndicatorId: SQL } | undefined {
  const limit = pageLimit(options);
  const origins = filter.origins;
  const branches: SQL[] = [];
  if ((origins === undefined || origins.includes("catalog")) && !isPrivateOnly(filter)) {
    // No type filter in `recent` order reads every type the same way: the catalog has no (last_seen) index
    // of its own since 0060 (one index fewer per written row), and its check keeps `type` to the engine's
    // types. Lookups by id or key stay one branch: their own index finds the rows whatever the type.
    const everyType = filter.types === undefined && filter.ids === undefined && filter.keys === undefined;
    const types = everyType && options.order === "recent" ? indicatorTypes : (filter.types ?? []);
    if (options.order === "recent" && types.length > 1) {
      // One branch per type: each walks the (type, last_seen desc, id desc) index in order and stops after
      // `limit` rows; `type = any(…)` over several types would sort every row of those types per page.
      for (const type of types) {
        branches.push(
          catalogBranch(scope, { ...filter, types: [type] }, options.order, options.after, limit + 1),
        );
      }
    } else if (options.order === "version" && options.overlayVersions === true) {
      for (const versionKind of ["catalog-only", "overlay"] as const) {
        branches.push(catalogBranch(scope, filter, options.order, options.after, limit + 1, versionKind));
      }
    } else {
      branches.push(catalogBranch(scope, filter, options.order, options.after, limit + 1));
    }
  }
  const catalogOnly = filter.sourceIds !== undefined || filter.feedIds !== undefined;
  if ((origins === undefined || origins.some((origin) => origin !== "catalog")) && !catalogOnly) {
    branches.push(privateBranch(scope, filter, options.order, options.after, limit + 1));
  }
  if (branches.length === 0) return undefined;
  const orderOf = (alias: string) =>
    options.order === "recent"
      ? sql.raw(`${alias}.last_seen desc, ${alias}.id desc`)
      : sql.raw(`${alias}.version_at asc, ${alias}.id asc`);
  const outerOrder = orderOf("u");
  const identity = options.stixIdentityId;
  const stixIndicatorId =
    identity === undefined
      ? sql`null::text`
      : sql`case when u.type = 'cve' then null
                else 'indicator--' || uuid_generate_v5(${threatfusionNamespace}::uuid, ${identity} || '/' || u.id)
                end`;
  const stixIdColumn =
    identity === undefined
      ? sql``
      : sql`, ${stixIndicatorId} as stix_indicator_id${typeof identity === "string" ? sql`` : sql`, ${identity} as stix_identity_id`}`;
  const page = sql`select * from (${sql.join(branches, sql` union all `)}) as b order by ${orderOf("b")} limit ${limit + 1}`;
  return { page, outerOrder, stixIdColumn, stixIndicatorId };
}

function isPrivateOnly(filter: ActiveIndicatorFilter): boolean {
  return filter.ids?.every((id) => id.startsWith("pin_")) === true;
}

/** The record every export writer takes, from one active-indicators row. */
export function toExportIndicator(row: ActiveIndicator): ExportIndicator {
  const context: ExportIndicator["context"] = {
    ...(row.malwareFamily === null ? {} : { malwareFamily: row.malwareFamily }),
    ...(row.threatType === null ? {} : { threatType: row.threatType }),
    ...(row.reference === null ? {} : { reference: row.reference }),
    ...(row.description === null ? {} : { description: row.description }),
  };
  return {
    id: row.id,
    type: row.type,
    value: row.value,
    firstSeen: row.firstSeen,
    lastSeen: row.lastSeen,
    addedAt: row.createdAt,
    modifiedAt: row.modifiedAt,
    confidence: row.confidence ?? 50,
    score: row.score,
    tlp: row.tlp,
    tags: row.tags,
    context,
    sources: row.sources,
    status: row.status === "revoked" ? "revoked" : row.status === "expired" ? "expired" : "active",
    ...(row.suppressedReason === undefined ? {} : { suppressedReason: row.suppressedReason }),
    ...(row.stixIndicatorId === undefined ? {} : { stixIds: { indicator: row.stixIndicatorId } }),
  };
}

export type { IndicatorStatus };
