import { indicatorTypes } from "@threatfusion/ioc";
import { z } from "zod";

/**
 * Parser options as zod schemas, so a tenant-private feed defined in the portal is validated by the
 * same rules as the built-in catalog. The TypeScript types are inferred from them.
 */

/** How a cell or field is typed: a concrete type, `auto` (sniff the value), `ip:port`, or `skip`. */
export const valueTypeSchema = z.union([z.enum(indicatorTypes), z.literal("auto"), z.literal("ip:port")]);
export type ValueType = z.infer<typeof valueTypeSchema>;

const typeMapSchema = z.record(z.string(), z.union([valueTypeSchema, z.literal("skip")]));

const contextKeys = [
  "malwareFamily",
  "threatType",
  "reference",
  "description",
  "port",
  "eventId",
  "sourceId",
  "status",
  "reporter",
  "filename",
  "vendor",
  "product",
  "vulnerabilityName",
  "dueDate",
  "requiredAction",
  "knownRansomwareCampaignUse",
] as const;
export const contextKeySchema = z.enum(contextKeys);
export type ContextKey = z.infer<typeof contextKeySchema>;

/** A CSV column by header name or 0-based index; a JSON field by dotted path. */
const columnSchema = z.union([z.string().min(1).max(200), z.number().int().min(0).max(1000)]);
export type ColumnRef = z.infer<typeof columnSchema>;

/** Fields shared by the CSV and JSON mappings: where the value, its type, dates, tags and context are. */
const fieldMappingShape = {
  value: columnSchema,
  /** Fixed type for every value. Ignored when `typeField` is set and the row has a mapped type. */
  type: valueTypeSchema.default("auto"),
  typeField: columnSchema.optional(),
  /** Feed type names to ours, e.g. ThreatFox `{ "md5_hash": "md5", "ip:port": "ip:port" }`. Unmapped names fall back to `type`. */
  typeMap: typeMapSchema.optional(),
  /** More values on the same row that are indicators too (MalwareBazaar gives sha256, md5 and sha1). */
  alsoValues: z
    .array(z.object({ field: columnSchema, type: valueTypeSchema }))
    .max(10)
    .optional(),
  firstSeen: columnSchema.optional(),
  lastSeen: columnSchema.optional(),
  confidence: columnSchema.optional(),
  tags: columnSchema.optional(),
  /** Splits a tag cell; default: comma, semicolon or whitespace. */
  tagSeparator: z.string().min(1).max(5).optional(),
  /** Tags added to every indicator of the feed. */
  staticTags: z.array(z.string().max(100)).max(20).default([]),
  context: z.partialRecord(contextKeySchema, columnSchema).default({}),
  /** Other columns kept as `context.extra[name]`. */
  extra: z.array(columnSchema).max(20).default([]),
};

export const csvOptionsSchema = z.object({
  ...fieldMappingShape,
  delimiter: z.string().min(1).max(1).default(","),
  /**
   * `auto`: the header is the last `#` comment line or the first row that names the value column;
   * `none`: no header, columns are indices (or `columns`).
   */
  header: z.enum(["auto", "none"]).default("auto"),
  columns: z.array(z.string()).max(200).optional(),
  commentPrefix: z.string().max(3).default("#"),
});
export type CsvOptions = z.input<typeof csvOptionsSchema>;
export type CsvConfig = z.output<typeof csvOptionsSchema>;

export const jsonOptionsSchema = z.object({
  ...fieldMappingShape,
  /** Dotted path to the array of records; `""` for a top-level array; `*` matches any key (abuse.ch `{ "id": [ … ] }` exports). */
  path: z.string().max(200).default(""),
});
export type JsonOptions = z.input<typeof jsonOptionsSchema>;
export type JsonConfig = z.output<typeof jsonOptionsSchema>;

export const ndjsonOptionsSchema = z.object({ ...fieldMappingShape });
export type NdjsonOptions = z.input<typeof ndjsonOptionsSchema>;

export const textOptionsSchema = z.object({
  type: valueTypeSchema.default("auto"),
  /** Lines starting with one of these are comments. */
  commentPrefixes: z.array(z.string().min(1).max(3)).max(5).default(["#", ";", "//"]),
  /** 0-based whitespace- or tab-separated column holding the value (DShield, Zeek). */
  column: z.number().int().min(0).max(50).default(0),
  staticTags: z.array(z.string().max(100)).max(20).default([]),
});
export type TextOptions = z.input<typeof textOptionsSchema>;
export type TextConfig = z.output<typeof textOptionsSchema>;

export const mispOptionsSchema = z.object({
  /** MISP marks attributes fit for detection with `to_ids`; the rest are skipped unless this is set. */
  includeNonIds: z.boolean().default(false),
});
export type MispOptions = z.input<typeof mispOptionsSchema>;
