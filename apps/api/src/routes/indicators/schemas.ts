import { z } from "@hono/zod-openapi";
import { AppError } from "@threatfusion/core";
import { privateIndicatorStatuses, tlpLevels } from "@threatfusion/db";
import { indicatorTypes } from "@threatfusion/ioc";
import type { ActiveIndicatorFilter } from "@threatfusion/services";
import { errorEnvelopeSchema } from "../auth/schemas.ts";

/** Error responses of the API routes of this area, for the OpenAPI document. */
export function apiErrors(...statuses: (400 | 401 | 403 | 404 | 406 | 409 | 413 | 415 | 429)[]) {
  const descriptions: Record<number, string> = {
    400: "The input is not valid (malformed filter, cursor or body)",
    401: "Not signed in, or the credentials are not valid",
    403: "Not allowed (missing role or token scope)",
    404: "Not found (also for anything outside the caller's tenant)",
    406: "Cannot answer in an accepted media type",
    409: "Conflicts with existing data",
    413: "The body or the number of values is too large",
    415: "Unsupported media type",
    429: "Too many requests; see Retry-After",
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? "Error",
        content: { "application/json": { schema: errorEnvelopeSchema } },
      },
    ]),
  );
}

export const indicatorTypeSchema = z.enum(indicatorTypes).openapi("IndicatorType");
export const indicatorStatusSchema = z.enum(privateIndicatorStatuses).openapi("IndicatorStatus");
export const tlpSchema = z.enum(tlpLevels).openapi("Tlp");

export const indicatorSchema = z
  .object({
    id: z.string().openapi({ example: "ind_01jd6m3v2c8k4q9x7t5r0b1n2p" }),
    origin: z.enum(["catalog", "private", "shared"]),
    type: indicatorTypeSchema,
    value: z.string().openapi({ example: "evil.example.com" }),
    firstSeen: z.string(),
    lastSeen: z.string(),
    createdAt: z.string(),
    versionAt: z.string(),
    modifiedAt: z.string(),
    confidence: z.number().int().nullable(),
    score: z.number().int(),
    globalScore: z.number().int(),
    tlp: tlpSchema,
    tags: z.array(z.string()),
    status: indicatorStatusSchema,
    suppressedReason: z.enum(["false_positive", "allowlisted"]).optional(),
    notes: z.string().nullable(),
    sightingsCount: z.number().int(),
    lastSightedAt: z.string().nullable(),
    sources: z.array(z.string()),
    malwareFamily: z.string().nullable(),
    threatType: z.string().nullable(),
    reference: z.string().nullable(),
    description: z.string().nullable(),
  })
  .openapi("Indicator");

/** The list filters as query parameters (comma-separated lists). */
export const indicatorFilterQuery = z.object({
  type: z
    .string()
    .optional()
    .openapi({ description: "Comma-separated types, e.g. `ipv4,domain`", example: "ipv4,domain" }),
  valuePrefix: z.string().max(2048).optional().openapi({ description: "Canonical value prefix" }),
  source: z.string().optional().openapi({ description: "Comma-separated global source ids (`src_…`)" }),
  feed: z.string().optional().openapi({ description: "Comma-separated feed ids (`fed_…`)" }),
  tag: z.string().optional().openapi({ description: "Comma-separated tags; every one must be present" }),
  status: z
    .string()
    .optional()
    .openapi({ description: "Comma-separated statuses (default: every status but expired/revoked)" }),
  scoreMin: z.string().optional(),
  scoreMax: z.string().optional(),
  confidenceMin: z.string().optional(),
  confidenceMax: z.string().optional(),
  firstSeenFrom: z.string().optional(),
  firstSeenTo: z.string().optional(),
  lastSeenFrom: z.string().optional(),
  lastSeenTo: z.string().optional(),
  tlp: z.string().optional().openapi({ description: "Comma-separated TLP levels" }),
  origin: z.string().optional().openapi({ description: "Comma-separated: catalog, private, shared" }),
  includeSuppressed: z.enum(["true", "false"]).optional(),
  includeInactive: z.enum(["true", "false"]).optional(),
});

export type IndicatorFilterQuery = z.infer<typeof indicatorFilterQuery>;

function invalid(parameter: string, message: string): AppError {
  return new AppError("VALIDATION_FAILED", `${parameter}: ${message}`, {
    details: [{ path: parameter, message }],
  });
}

function list<T extends string>(
  parameter: string,
  raw: string | undefined,
  allowed?: readonly T[],
  pattern?: RegExp,
): T[] | undefined {
  if (raw === undefined) return undefined;
  const values = raw.split(",").map((value) => value.trim());
  if (values.length > 50 || values.some((value) => value === ""))
    throw invalid(parameter, "a comma-separated list of at most 50 non-empty values");
  for (const value of values) {
    if (allowed !== undefined && !(allowed as readonly string[]).includes(value)) {
      throw invalid(parameter, `"${value}" is not one of ${allowed.join(", ")}`);
    }
    if (pattern !== undefined && !pattern.test(value))
      throw invalid(parameter, `"${value}" is not a valid id`);
  }
  return values as T[];
}

function percent(parameter: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > 100) throw invalid(parameter, "an integer from 0 to 100");
  return Number(raw);
}

function time(parameter: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (
    !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(raw) ||
    Number.isNaN(Date.parse(raw))
  ) {
    throw invalid(parameter, "an RFC 3339 timestamp or a date");
  }
  return raw;
}

/** Query parameters -> the active-indicators filter; every malformed value is a 400, never a 500. */
export function filterFromQuery(query: IndicatorFilterQuery): ActiveIndicatorFilter {
  const filter: ActiveIndicatorFilter = {};
  const types = list("type", query.type, indicatorTypes);
  if (types) filter.types = types;
  if (query.valuePrefix !== undefined) filter.valuePrefix = query.valuePrefix;
  const sources = list("source", query.source, undefined, /^src_[0-9a-z]{26}$/);
  if (sources) filter.sourceIds = sources;
  const feeds = list("feed", query.feed, undefined, /^fed_[0-9a-z]{26}$/);
  if (feeds) filter.feedIds = feeds;
  const tags = list("tag", query.tag);
  if (tags) filter.tags = tags;
  const statuses = list("status", query.status, privateIndicatorStatuses);
  if (statuses) filter.statuses = statuses;
  const tlp = list("tlp", query.tlp, tlpLevels);
  if (tlp) filter.tlp = tlp;
  const origins = list("origin", query.origin, ["catalog", "private", "shared"] as const);
  if (origins) filter.origins = origins;
  const numbers = {
    scoreMin: percent("scoreMin", query.scoreMin),
    scoreMax: percent("scoreMax", query.scoreMax),
    confidenceMin: percent("confidenceMin", query.confidenceMin),
    confidenceMax: percent("confidenceMax", query.confidenceMax),
  };
  for (const [key, value] of Object.entries(numbers))
    if (value !== undefined) filter[key as keyof typeof numbers] = value;
  const times = {
    firstSeenFrom: time("firstSeenFrom", query.firstSeenFrom),
    firstSeenTo: time("firstSeenTo", query.firstSeenTo),
    lastSeenFrom: time("lastSeenFrom", query.lastSeenFrom),
    lastSeenTo: time("lastSeenTo", query.lastSeenTo),
  };
  for (const [key, value] of Object.entries(times))
    if (value !== undefined) filter[key as keyof typeof times] = value;
  if (query.includeSuppressed !== undefined) filter.includeSuppressed = query.includeSuppressed === "true";
  if (query.includeInactive !== undefined) filter.includeInactive = query.includeInactive === "true";
  return filter;
}
