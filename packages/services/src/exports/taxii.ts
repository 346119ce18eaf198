import { AppError } from "@threatfusion/core";
import type { Tlp } from "@threatfusion/db";
import {
  type ExportIndicator,
  stixMediaType,
  stixModified,
  stixObjectsFor,
  stixObjectsWriter,
  type TaxiiFilter,
  type TaxiiManifestRecord,
  type TaxiiStatus,
  type TaxiiStatusDetail,
  taxiiStatus,
  uuidv4,
  uuidv5,
} from "@threatfusion/exports";
import { stixObjectEvents } from "@threatfusion/feeds";
import { type IndicatorType, indicatorTypes } from "@threatfusion/ioc";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/append.ts";
import { authorizeAction, inTenantTx, type ServiceContext, tenantReadContext } from "../context.ts";
import { type ActiveIndicatorFilter, selectActiveIndicatorRecords } from "../indicators/active-indicators.ts";
import type { KeysetCursor } from "../indicators/cursor.ts";
import { upsertPrivateIndicators } from "../ingestion/private-upsert.ts";
import type { PrivateIndicatorRow } from "../ingestion/rows.ts";
import { savedSearchFilter } from "../search/saved-searches.ts";
import { loadProducer, producerIdentityIdSql, threatfusionNamespace } from "./producer.ts";
import { resolveStixIndicatorIds } from "./stix-ids.ts";

/** A TAXII 2.1 collection resource (section 5.2.1) with the filter it is a view of. */
export interface TaxiiCollection {
  id: string;
  title: string;
  description?: string;
  can_read: boolean;
  can_write: boolean;
  media_types: string[];
}

interface CollectionDefinition {
  resource: TaxiiCollection;
  filter: ActiveIndicatorFilter;
}

function taxiiCollectionId(tenantId: string, name: string): string {
  return uuidv5(threatfusionNamespace, `taxii/${tenantId}/${name}`);
}

/** The collection of all the tenant's active indicators: known without a query (the polled one). */
function allIndicatorsCollection(tenantId: string): CollectionDefinition {
  return {
    resource: {
      id: taxiiCollectionId(tenantId, "all"),
      title: "All active indicators",
      description: "Every active indicator of this tenant; accepts Add Objects into its private indicators.",
      can_read: true,
      can_write: true,
      media_types: [stixMediaType],
    },
    filter: {},
  };
}

/** The tenant's collections: all active indicators, one per subscribed global feed, and saved searches. */
async function collectionDefinitions(ctx: ServiceContext): Promise<CollectionDefinition[]> {
  const tenantId = ctx.tenant.tenantId;
  const collectionId = (name: string) => taxiiCollectionId(tenantId, name);
  return inTenantTx(ctx, async (tx) => {
    const { rows: feeds } = await tx.execute<{ id: string; name: string; source_id: string }>(sql`
      select f.id, f.name, f.source_id from feeds f
      join feed_subscriptions s on s.feed_id = f.id and s.tenant_id = ${tenantId} and s.enabled
      where f.tenant_id is null order by f.name`);
    const { rows: saved } = await tx.execute<{
      id: string;
      name: string;
      description: string | null;
      filter: unknown;
    }>(sql`
      select id, name, description, filter from saved_searches
      where tenant_id = ${tenantId} and taxii_collection order by name`);
    const definitions: CollectionDefinition[] = [allIndicatorsCollection(tenantId)];
    for (const feed of feeds) {
      definitions.push({
        resource: {
          id: collectionId(`feed/${feed.id}`),
          title: `Feed: ${feed.name}`,
          can_read: true,
          can_write: false,
          media_types: [stixMediaType],
        },
        filter: { sourceIds: [feed.source_id], origins: ["catalog"] },
      });
    }
    for (const search of saved) {
      definitions.push({
        resource: {
          id: collectionId(`saved/${search.id}`),
          title: `Saved search: ${search.name}`,
          ...(search.description === null ? {} : { description: search.description }),
          can_read: true,
          can_write: false,
          media_types: [stixMediaType],
        },
        filter: savedSearchFilter(search.filter),
      });
    }
    return definitions;
  });
}

/** Get Collections (section 5.1). */
export async function listTaxiiCollections({ ctx }: { ctx: ServiceContext }): Promise<TaxiiCollection[]> {
  authorizeAction(ctx, "taxii.read");
  return (await collectionDefinitions(ctx)).map((definition) => definition.resource);
}

async function findCollection(ctx: ServiceContext, collectionId: string): Promise<CollectionDefinition> {
  const all = allIndicatorsCollection(ctx.tenant.tenantId);
  if (collectionId === all.resource.id) return all;
  const found = (await collectionDefinitions(ctx)).find(
    (definition) => definition.resource.id === collectionId,
  );
  if (found === undefined) throw new AppError("NOT_FOUND", "No such collection");
  return found;
}

/** Get A Collection (section 5.2). */
export async function getTaxiiCollection({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { collectionId: string };
}): Promise<TaxiiCollection> {
  authorizeAction(ctx, "taxii.read");
  return (await findCollection(ctx, input.collectionId)).resource;
}

export interface TaxiiPageInput {
  collectionId: string;
  filter: TaxiiFilter;
  /** Our own `next` cursor (exact, microseconds), decoded by the route. */
  next?: KeysetCursor | undefined;
  /** Get An Object / Get Object Versions: this object only. */
  objectId?: string | undefined;
}

export interface TaxiiPage<T> {
  items: T[];
  more: boolean;
  next?: KeysetCursor;
  /** `date_added` of the first and last items (the X-TAXII-Date-Added-First/Last headers). */
  dateAdded: string[];
}

const nonCveTypes = indicatorTypes.filter((type) => type !== "cve");

function microIso(at: string): string {
  // `…123456Z` stays; JS `…123Z` gains microseconds so every date_added we send has one shape.
  return /\.\d{6}Z$/.test(at)
    ? at
    : at.replace(/(\.\d{3})?Z$/, (_, ms: string | undefined) => `${ms ?? ".000"}000Z`);
}

async function readRows(
  ctx: ServiceContext,
  input: TaxiiPageInput,
): Promise<{
  entries: { record: ExportIndicator; cursor: KeysetCursor }[];
  identityId: string | undefined;
  more: boolean;
  next?: KeysetCursor;
}> {
  const tenantId = ctx.tenant.tenantId;
  const filter = input.filter;
  // The polled collection (all indicators) needs no query, and the page is ONE statement in one round trip
  // (`readInTenant`: the tenant set transaction-locally, no WebSocket session). PostgreSQL derives the
  // producer's identity id and each row's STIX id itself, so the page does not wait for a read of the producer.
  const collection = await findCollection(ctx, input.collectionId);
  const target = tenantReadContext(ctx);
  const empty = { entries: [], identityId: undefined, more: false };
  if (filter.specVersions !== undefined && !filter.specVersions.includes("2.1")) return empty;
  let types: IndicatorType[] | undefined;
  if (filter.types !== undefined) {
    const wanted = new Set<IndicatorType>();
    if (filter.types.includes("indicator")) for (const type of nonCveTypes) wanted.add(type);
    if (filter.types.includes("vulnerability")) wanted.add("cve");
    if (wanted.size === 0) return empty;
    types = [...wanted];
  }
  const stixIds = [...(filter.ids ?? []), ...(input.objectId === undefined ? [] : [input.objectId])];
  let ids: string[] | undefined;
  if (stixIds.length > 0) {
    // `match[id]` and Get An Object: the ids depend on the producer, so this rare path reads in two steps.
    const producer = await loadProducer(target, tenantId);
    const resolved = await inTenantTx(ctx, (tx) => resolveStixIndicatorIds(tx, tenantId, producer, stixIds));
    ids = [...resolved.values()];
    if (ids.length === 0) return empty;
  }
  const activeFilter: ActiveIndicatorFilter = {
    ...collection.filter,
    // Revoked and expired objects are served (as revoked / with valid_until) so pollers learn of them;
    // false positives and allowlisted ones are not served at all.
    includeInactive: true,
    ...(types === undefined
      ? {}
      : {
          types: collection.filter.types
            ? collection.filter.types.filter((type) => types.includes(type))
            : types,
        }),
    ...(ids === undefined ? {} : { ids }),
    ...(filter.addedAfter === undefined
      ? {}
      : { versionAfter: { at: microIso(filter.addedAfter), id: "zzz_zzzzzzzzzzzzzzzzzzzzzzzzzz" } }),
  };
  // A change of the tenant's overlay (revoked, false positive, re-scored) is a new object version: its
  // date_added and modified move, so a SIEM polling `added_after` picks it up.
  const page = await selectActiveIndicatorRecords(target, { tenantId }, activeFilter, {
    order: "version",
    limit: filter.limit,
    after: input.next,
    overlayVersions: true,
    stixIdentityId: producerIdentityIdSql(tenantId),
  });
  return {
    entries: page.entries,
    identityId: page.stixIdentityId,
    more: page.next !== undefined,
    ...(page.next ? { next: page.next } : {}),
  };
}

/** `match[version]`: `last`, `first` and `all` keep our single version; a timestamp must equal `modified`. */
function versionSelected(filter: TaxiiFilter, record: ExportIndicator): boolean {
  return filter.versions.some(
    (selector) =>
      selector.kind !== "at" || Date.parse(stixModified(record)) === Date.parse(selector.timestamp),
  );
}

/**
 * Get Objects (section 5.3) and Get An Object (5.5): one STIX object per indicator, oldest change first. Each
 * item is the object's JSON text, written by the exports string writer (byte for byte `JSON.stringify` of
 * the object `stixObjectsFor` builds), so a 1,000-object page builds no object trees to serialize.
 */
export async function getTaxiiObjects({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TaxiiPageInput;
}): Promise<TaxiiPage<string>> {
  authorizeAction(ctx, "taxii.read");
  const { entries, identityId, more, next } = await readRows(ctx, input);
  // The identity id comes with the rows; without rows nothing is written.
  const write = stixObjectsWriter(identityId ?? "", { observables: false });
  const items: string[] = [];
  const dateAdded: string[] = [];
  for (const { record, cursor } of entries) {
    if (!versionSelected(input.filter, record)) continue;
    // The writer puts a comma before each object.
    items.push(write(record).slice(1));
    dateAdded.push(microIso(cursor.at));
  }
  return { items, more, ...(next ? { next } : {}), dateAdded };
}

/** Get Object Manifests (section 5.4). */
export async function getTaxiiManifest({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TaxiiPageInput;
}): Promise<TaxiiPage<TaxiiManifestRecord>> {
  authorizeAction(ctx, "taxii.read");
  const { entries, identityId, more, next } = await readRows(ctx, input);
  const items: TaxiiManifestRecord[] = [];
  const dateAdded: string[] = [];
  for (const { record, cursor } of entries) {
    // Each record carries its STIX id from PostgreSQL; the identity id comes with the rows.
    const object = stixObjectsFor(record, identityId ?? "", { observables: false })[0];
    if (object === undefined || !versionSelected(input.filter, record)) continue;
    const added = microIso(cursor.at);
    items.push({
      id: object.id,
      date_added: added,
      version: String(object.modified),
      media_type: stixMediaType,
    });
    dateAdded.push(added);
  }
  return { items, more, ...(next ? { next } : {}), dateAdded };
}

/** Get Object Versions (section 5.6): we keep the current version of each object. */
export async function getTaxiiObjectVersions({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: TaxiiPageInput & { objectId: string };
}): Promise<TaxiiPage<string>> {
  authorizeAction(ctx, "taxii.read");
  const { entries, more, next } = await readRows(ctx, input);
  const items: string[] = [];
  const dateAdded: string[] = [];
  for (const { record, cursor } of entries) {
    items.push(stixModified(record));
    dateAdded.push(microIso(cursor.at));
  }
  return { items, more, ...(next ? { next } : {}), dateAdded };
}

/** Largest Add Objects request body (bytes): the API root's `max_content_length`. */
export const taxiiMaxContentLength = 10 * 1024 * 1024;

/**
 * Add Objects (section 5.4 of the spec's Collections; status in 4.3): STIX indicators (with patterns) and
 * observables of an envelope or bundle become private indicators of the tenant. Each object is a success
 * or a failure with a reason; the status resource is stored so Get Status can answer later.
 */
export async function addTaxiiObjects({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { collectionId: string; envelope: unknown };
}): Promise<TaxiiStatus> {
  authorizeAction(ctx, "taxii.write");
  const collection = await findCollection(ctx, input.collectionId);
  if (!collection.resource.can_write)
    throw new AppError("FORBIDDEN", "This collection does not accept objects");
  const objects = (input.envelope as { objects?: unknown } | null)?.objects;
  if (!Array.isArray(objects)) {
    throw new AppError(
      "VALIDATION_FAILED",
      "The body must be a TAXII envelope or STIX bundle with an `objects` array",
    );
  }
  const requestTimestamp = ctx.now().toISOString();
  const successes: TaxiiStatusDetail[] = [];
  const failures: TaxiiStatusDetail[] = [];
  const rows: PrivateIndicatorRow[] = [];
  objects.forEach((object, index) => {
    const record = (object ?? {}) as Record<string, unknown>;
    const id = typeof record.id === "string" ? record.id : `unknown-${index}`;
    const version =
      typeof record.modified === "string"
        ? record.modified
        : typeof record.created === "string"
          ? record.created
          : requestTimestamp;
    const events = stixObjectEvents(object, index + 1);
    const found = events.flatMap((event) => (event.kind === "indicator" ? [event.indicator] : []));
    if (found.length === 0) {
      const reason = events.find((event) => event.kind === "rejected" || event.kind === "skipped");
      failures.push({
        id,
        version,
        message:
          reason?.kind === "rejected"
            ? reason.row.reason
            : reason?.kind === "skipped"
              ? reason.reason
              : "not an indicator or observable we store",
      });
      return;
    }
    for (const indicator of found) {
      rows.push({
        type: indicator.type,
        value: indicator.value,
        firstSeen: indicator.firstSeen ?? requestTimestamp,
        lastSeen: indicator.lastSeen ?? indicator.firstSeen ?? requestTimestamp,
        confidence: indicator.confidence ?? null,
        score: 50,
        tlp: "amber" as Tlp,
        tags: indicator.tags,
        description: indicator.context.description ?? null,
        context: { ...indicator.context, taxii: { objectId: id } },
      });
    }
    successes.push({ id, version });
  });
  const status = taxiiStatus({ id: uuidv4(), requestTimestamp, successes, failures });
  await inTenantTx(ctx, async (tx) => {
    if (rows.length > 0) await upsertPrivateIndicators(tx, ctx.tenant.tenantId, rows);
    await tx.execute(sql`
      insert into taxii_statuses (id, tenant_id, collection_id, status, request_timestamp)
      values (${status.id}, ${ctx.tenant.tenantId}, ${input.collectionId}, ${JSON.stringify(status)}::jsonb,
              ${requestTimestamp}::timestamptz)`);
    await appendAudit(tx, {
      tenantId: ctx.tenant.tenantId,
      action: "taxii.objects_added",
      actor: ctx.actor,
      targetKind: "taxii_status",
      targetId: status.id,
      details: {
        collectionId: input.collectionId,
        successes: status.success_count,
        failures: status.failure_count,
      },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: ctx.now(),
    });
  });
  return status;
}

/** Get Status (section 4.3). */
export async function getTaxiiStatus({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { statusId: string };
}): Promise<TaxiiStatus> {
  authorizeAction(ctx, "taxii.read");
  const row = await inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{ status: TaxiiStatus }>(
      sql`select status from taxii_statuses where id = ${input.statusId} and tenant_id = ${ctx.tenant.tenantId}`,
    );
    return rows[0];
  });
  if (row === undefined) throw new AppError("NOT_FOUND", "No such status");
  return row.status;
}
