import { type Cursor, decodeCursor, encodeCursor } from "./cursor.ts";

/** TAXII 2.1 media type of every TAXII resource (section 1.6.8). */
export const taxiiMediaType = "application/taxii+json;version=2.1";
/** STIX 2.1 media type, for manifest `media_type` and bundle downloads. */
export const stixMediaType = "application/stix+json;version=2.1";

export const taxiiDateAddedFirstHeader = "X-TAXII-Date-Added-First";
export const taxiiDateAddedLastHeader = "X-TAXII-Date-Added-Last";

/** A page of objects (TAXII 2.1 envelope resource, section 3.7). */
export interface TaxiiEnvelope<T> {
  more: boolean;
  next?: string;
  objects: T[];
}

/** Builds an envelope; `next` is set only when there are more objects, as the spec asks. */
export function taxiiEnvelope<T>(objects: T[], page: { more: boolean; next?: Cursor }): TaxiiEnvelope<T> {
  return {
    more: page.more,
    ...(page.more && page.next !== undefined ? { next: encodeCursor(page.next) } : {}),
    objects,
  };
}

/** The `X-TAXII-Date-Added-First/Last` headers for a page, from the `date_added` of its first and last objects. */
export function taxiiDateAddedHeaders(dateAdded: string[]): Record<string, string> {
  const first = dateAdded[0];
  const last = dateAdded[dateAdded.length - 1];
  if (first === undefined || last === undefined) return {};
  return { [taxiiDateAddedFirstHeader]: first, [taxiiDateAddedLastHeader]: last };
}

/** A manifest record (section 5.6.1): what a client needs to decide whether to fetch an object. */
export interface TaxiiManifestRecord {
  id: string;
  date_added: string;
  version: string;
  media_type: string;
}

export function taxiiManifestRecord(object: {
  id: string;
  dateAdded: string;
  modified: string;
}): TaxiiManifestRecord {
  return { id: object.id, date_added: object.dateAdded, version: object.modified, media_type: stixMediaType };
}

export interface TaxiiStatusDetail {
  id: string;
  version: string;
  message?: string;
}

/** The status resource returned by Add Objects (section 4.3.1). */
export interface TaxiiStatus {
  id: string;
  status: "complete" | "pending";
  request_timestamp?: string;
  total_count: number;
  success_count: number;
  successes?: TaxiiStatusDetail[];
  failure_count: number;
  failures?: TaxiiStatusDetail[];
  pending_count: number;
  pendings?: TaxiiStatusDetail[];
}

/** Builds a status resource; the counts and `status` follow from the lists, so they cannot disagree. */
export function taxiiStatus(input: {
  id: string;
  requestTimestamp?: string;
  successes?: TaxiiStatusDetail[];
  failures?: TaxiiStatusDetail[];
  pendings?: TaxiiStatusDetail[];
}): TaxiiStatus {
  const successes = input.successes ?? [];
  const failures = input.failures ?? [];
  const pendings = input.pendings ?? [];
  return {
    id: input.id,
    status: pendings.length > 0 ? "pending" : "complete",
    ...(input.requestTimestamp === undefined ? {} : { request_timestamp: input.requestTimestamp }),
    total_count: successes.length + failures.length + pendings.length,
    success_count: successes.length,
    ...(successes.length > 0 ? { successes } : {}),
    failure_count: failures.length,
    ...(failures.length > 0 ? { failures } : {}),
    pending_count: pendings.length,
    ...(pendings.length > 0 ? { pendings } : {}),
  };
}

export type TaxiiVersionSelector =
  | { kind: "last" }
  | { kind: "first" }
  | { kind: "all" }
  | { kind: "at"; timestamp: string };

/** A validated Get Objects / Get Manifest / Get Object Versions query. */
export interface TaxiiFilter {
  addedAfter?: string;
  limit: number;
  next?: Cursor;
  ids?: string[];
  types?: string[];
  /** Default `last`, as the spec prescribes when `match[version]` is absent. */
  versions: TaxiiVersionSelector[];
  /** Default: only the newest spec version (2.1). */
  specVersions?: string[];
}

export interface TaxiiParamError {
  parameter: string;
  message: string;
}

export type TaxiiFilterResult = { ok: true; filter: TaxiiFilter } | { ok: false; errors: TaxiiParamError[] };

export interface TaxiiFilterOptions {
  /** Largest page the server sends; larger `limit` values are lowered to it, which the spec allows. */
  maxLimit?: number;
  defaultLimit?: number;
  /** Which `match[...]` fields this endpoint supports (Get Object Versions supports only `spec_version`). */
  allowedMatch?: ("id" | "type" | "version" | "spec_version")[];
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses an RFC 3339 timestamp strictly; returns it as UTC `…Z` with milliseconds, or undefined. */
export function parseRfc3339(value: string): string | undefined {
  const match = rfc3339.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  if (
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined ||
    year === undefined
  ) {
    return undefined;
  }
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const stixIdPattern =
  /^[a-z][a-z0-9-]{1,248}--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const stixTypePattern = /^[a-z][a-z0-9-]{1,248}[a-z0-9]$/;
const specVersions = new Set(["2.0", "2.1"]);

function splitList(value: string): string[] {
  return value.split(",").map((item) => item.trim());
}

/**
 * Parses and validates the query of a TAXII 2.1 objects/manifest endpoint. Never throws: bad input
 * yields a list of errors (one per problem) that the route turns into a 400 error message.
 * `limit` above the server maximum is lowered, not refused; unknown `match[...]` fields are refused.
 *
 * @example parseTaxiiFilter(new URL(request.url).searchParams, { maxLimit: 1000 })
 */
export function parseTaxiiFilter(
  params: URLSearchParams,
  options: TaxiiFilterOptions = {},
): TaxiiFilterResult {
  const maxLimit = options.maxLimit ?? 1000;
  const defaultLimit = Math.min(options.defaultLimit ?? 100, maxLimit);
  const allowed = new Set(options.allowedMatch ?? ["id", "type", "version", "spec_version"]);
  const errors: TaxiiParamError[] = [];
  const filter: TaxiiFilter = { limit: defaultLimit, versions: [{ kind: "last" }] };
  const seen = new Set<string>();

  for (const [key, raw] of params) {
    if (seen.has(key)) {
      errors.push({ parameter: key, message: "given more than once; use a comma-separated list" });
      continue;
    }
    seen.add(key);
    const matchField = /^match\[([a-z_]+)\]$/.exec(key)?.[1];
    if (key === "added_after") {
      const timestamp = parseRfc3339(raw);
      if (timestamp === undefined) errors.push({ parameter: key, message: "must be an RFC 3339 timestamp" });
      else filter.addedAfter = timestamp;
    } else if (key === "limit") {
      if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
        errors.push({ parameter: key, message: "must be a positive integer" });
      } else {
        filter.limit = Math.min(Number(raw), maxLimit);
      }
    } else if (key === "next") {
      const cursor = decodeCursor(raw);
      if (cursor === undefined)
        errors.push({ parameter: key, message: "is not a cursor this server issued" });
      else filter.next = cursor;
    } else if (matchField !== undefined) {
      if (!allowed.has(matchField as "id")) {
        errors.push({ parameter: key, message: "is not a supported match field here" });
        continue;
      }
      const values = splitList(raw);
      if (values.some((value) => value.length === 0)) {
        errors.push({ parameter: key, message: "holds an empty value" });
        continue;
      }
      if (matchField === "id") {
        const bad = values.filter((value) => !stixIdPattern.test(value));
        if (bad.length > 0)
          errors.push({ parameter: key, message: `not STIX identifiers: ${bad.join(", ")}` });
        else filter.ids = values;
      } else if (matchField === "type") {
        const bad = values.filter((value) => !stixTypePattern.test(value));
        if (bad.length > 0)
          errors.push({ parameter: key, message: `not STIX object types: ${bad.join(", ")}` });
        else filter.types = values;
      } else if (matchField === "version") {
        const versions: TaxiiVersionSelector[] = [];
        for (const value of values) {
          if (value === "last" || value === "first" || value === "all") versions.push({ kind: value });
          else {
            const timestamp = parseRfc3339(value);
            if (timestamp === undefined) {
              errors.push({ parameter: key, message: `"${value}" is not last, first, all or a timestamp` });
            } else {
              versions.push({ kind: "at", timestamp });
            }
          }
        }
        filter.versions = versions;
      } else {
        const bad = values.filter((value) => !specVersions.has(value));
        if (bad.length > 0)
          errors.push({ parameter: key, message: `unsupported spec versions: ${bad.join(", ")}` });
        else filter.specVersions = values;
      }
    } else {
      errors.push({ parameter: key, message: "is not a TAXII 2.1 query parameter" });
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, filter };
}
