import { indicatorTypes } from "@threatfusion/ioc";
import type { ColumnRef, ValueType } from "./options.ts";
import type { IndicatorContext, ParsedIndicator, ParseEvent } from "./types.ts";
import {
  canonicalValue,
  cleanCell,
  normalizeTags,
  splitTags,
  toConfidence,
  toIsoDate,
  truncateRaw,
} from "./values.ts";

/** The part of the CSV/JSON options that says where things are in a record (after zod defaults). */
export interface FieldMapping {
  value: ColumnRef;
  type: ValueType;
  typeField?: ColumnRef | undefined;
  typeMap?: Record<string, ValueType | "skip"> | undefined;
  alsoValues?: Array<{ field: ColumnRef; type: ValueType }> | undefined;
  firstSeen?: ColumnRef | undefined;
  lastSeen?: ColumnRef | undefined;
  confidence?: ColumnRef | undefined;
  tags?: ColumnRef | undefined;
  tagSeparator?: string | undefined;
  staticTags: string[];
  context: Partial<Record<string, ColumnRef>>;
  extra: ColumnRef[];
}

/** Reads one field of the current record; undefined when absent. */
export type FieldReader = (ref: ColumnRef) => unknown;

const knownTypes = new Set<string>(indicatorTypes);

function asText(value: unknown): string | undefined {
  if (typeof value === "string") {
    const text = cleanCell(value);
    return text.length > 0 ? text : undefined;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function resolveType(mapping: FieldMapping, read: FieldReader): ValueType | "skip" {
  if (mapping.typeField === undefined) return mapping.type;
  const name = asText(read(mapping.typeField));
  if (name === undefined) return mapping.type;
  const mapped = mapping.typeMap?.[name] ?? mapping.typeMap?.[name.toLowerCase()];
  if (mapped) return mapped;
  if (knownTypes.has(name.toLowerCase())) return name.toLowerCase() as ValueType;
  return mapping.type;
}

function readContext(mapping: FieldMapping, read: FieldReader): IndicatorContext {
  const context: IndicatorContext = {};
  for (const [key, ref] of Object.entries(mapping.context)) {
    if (ref === undefined) continue;
    const text = asText(read(ref));
    if (text === undefined) continue;
    if (key === "port") {
      const port = Number(text);
      if (Number.isInteger(port) && port >= 0 && port <= 65535) context.port = port;
    } else {
      (context as Record<string, unknown>)[key] = text.slice(0, 2000);
    }
  }
  if (mapping.extra.length > 0) {
    const extra: Record<string, string> = {};
    for (const ref of mapping.extra) {
      const text = asText(read(ref));
      if (text !== undefined) extra[String(ref)] = text.slice(0, 2000);
    }
    if (Object.keys(extra).length > 0) context.extra = extra;
  }
  return context;
}

function readTags(mapping: FieldMapping, read: FieldReader): string[] {
  const fromRecord = mapping.tags === undefined ? undefined : read(mapping.tags);
  const tags = Array.isArray(fromRecord)
    ? normalizeTags(fromRecord)
    : typeof fromRecord === "string"
      ? splitTags(fromRecord, mapping.tagSeparator)
      : [];
  return mapping.staticTags.length > 0 ? normalizeTags([...mapping.staticTags, ...tags]) : tags;
}

/**
 * Turns one record (CSV row, JSON object) into events using a field mapping: one indicator for the value
 * and one per `alsoValues` field, or a rejection saying why.
 */
export function mapRecord(
  mapping: FieldMapping,
  read: FieldReader,
  unit: number,
  raw: () => string,
): ParseEvent[] {
  const type = resolveType(mapping, read);
  if (type === "skip")
    return [{ kind: "skipped", line: unit, reason: "indicator type not imported by this feed" }];
  const rawValue = asText(read(mapping.value));
  if (rawValue === undefined) {
    return [
      {
        kind: "rejected",
        row: { line: unit, reason: "no value in the value field", raw: truncateRaw(raw()) },
      },
    ];
  }
  const context = readContext(mapping, read);
  const base: Omit<ParsedIndicator, "type" | "value"> = {
    tags: readTags(mapping, read),
    context,
    line: unit,
  };
  const firstSeen = mapping.firstSeen === undefined ? undefined : toIsoDate(read(mapping.firstSeen));
  const lastSeen = mapping.lastSeen === undefined ? undefined : toIsoDate(read(mapping.lastSeen));
  const confidence = mapping.confidence === undefined ? undefined : toConfidence(read(mapping.confidence));
  if (firstSeen) base.firstSeen = firstSeen;
  if (lastSeen) base.lastSeen = lastSeen;
  if (confidence !== undefined) base.confidence = confidence;

  const events: ParseEvent[] = [];
  const emit = (valueType: ValueType, value: string, required: boolean) => {
    const result = canonicalValue(valueType, value);
    if (!result.ok) {
      if (required || value.length > 0) {
        events.push({
          kind: "rejected",
          row: { line: unit, reason: result.reason, raw: truncateRaw(raw()) },
        });
      }
      return;
    }
    const indicatorContext = result.port === undefined ? context : { ...context, port: result.port };
    events.push({
      kind: "indicator",
      indicator: { ...base, context: indicatorContext, type: result.type, value: result.value },
    });
  };
  emit(type, rawValue, true);
  for (const also of mapping.alsoValues ?? []) {
    const value = asText(read(also.field));
    if (value !== undefined) emit(also.type, value, false);
  }
  return events;
}
