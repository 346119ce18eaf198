import { streamJsonItems } from "./json-stream.ts";
import type { Line } from "./lines.ts";
import { type FieldMapping, mapRecord } from "./mapping.ts";
import type { ColumnRef } from "./options.ts";
import type { ParseEvent } from "./types.ts";
import { previewJson, truncateRaw } from "./values.ts";

/** Default cap on one JSON record (an element of the streamed array, or one NDJSON line). */
export const defaultMaxItemChars = 4 * 1024 * 1024;

/** Reads a dotted path (`a.b.0.c`) from a parsed JSON value. */
export function readPath(value: unknown, path: ColumnRef): unknown {
  if (typeof path === "number") return Array.isArray(value) ? value[path] : undefined;
  let current: unknown = value;
  for (const segment of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Splits a dotted array path option into segments (`""` is the top-level array). */
export function pathSegments(path: string): string[] {
  return path === "" ? [] : path.split(".");
}

/** Maps one parsed JSON record with a field mapping; non-objects are rejected. */
export function mapJsonRecord(mapping: FieldMapping, record: unknown, unit: number): ParseEvent[] {
  if (record === null || typeof record !== "object") {
    // A bare string array (`["192.0.2.1", …]`) is a list of values.
    if (
      typeof record === "string" &&
      (mapping.value === "" || mapping.value === 0 || mapping.value === ".")
    ) {
      return mapRecord(
        mapping,
        (ref) => (ref === mapping.value ? record : undefined),
        unit,
        () => record,
      );
    }
    return [
      { kind: "rejected", row: { line: unit, reason: "record is not an object", raw: previewJson(record) } },
    ];
  }
  return mapRecord(
    mapping,
    (ref) => readPath(record, ref),
    unit,
    () => previewJson(record),
  );
}

/**
 * Parses a JSON document holding an array of records at `path`, streaming element by element.
 * Root-object primitives (`count`, `next`…) are reported as `meta` events.
 */
export async function* parseJsonChunks(
  chunks: AsyncIterable<string>,
  mapping: FieldMapping,
  path: string,
  maxItemChars = defaultMaxItemChars,
): AsyncGenerator<ParseEvent> {
  for await (const event of streamJsonItems(chunks, { paths: [pathSegments(path)], maxItemChars })) {
    if (event.kind === "item") yield* mapJsonRecord(mapping, event.value, event.index);
    else if (event.kind === "scalar") {
      if (event.value !== null) yield { kind: "meta", key: event.key, value: event.value };
    } else yield { kind: "rejected", row: { line: event.index, reason: event.reason, raw: event.raw } };
  }
}

/** Parses each NDJSON line as one JSON value and hands it to `handle`; bad lines are rejected. */
export async function* parseNdjsonLines(
  lines: AsyncIterable<Line>,
  handle: (record: unknown, line: number) => ParseEvent[],
): AsyncGenerator<ParseEvent> {
  for await (const line of lines) {
    if (line.tooLong) {
      yield {
        kind: "rejected",
        row: {
          line: line.number,
          reason: `line longer than the limit (${line.length} chars)`,
          raw: line.head,
        },
      };
      continue;
    }
    const text = line.text.trim();
    if (text.length === 0) continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      yield {
        kind: "rejected",
        row: { line: line.number, reason: "line is not valid JSON", raw: truncateRaw(text) },
      };
      continue;
    }
    yield* handle(record, line.number);
  }
}
