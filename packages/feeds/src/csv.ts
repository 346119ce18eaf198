import { AppError } from "@threatfusion/core";
import { feedFailure } from "./failure.ts";
import type { Line } from "./lines.ts";
import { type FieldMapping, mapRecord } from "./mapping.ts";
import type { ColumnRef, CsvConfig } from "./options.ts";
import type { ParseEvent } from "./types.ts";
import { cleanCell, truncateRaw } from "./values.ts";

/*
 * Why not csv-parse (still a devDependency, as the benchmark's peer): its parser core (lib/api) is built on
 * Node's Buffer, which a pure package may not use in workerd or the browser; it fixes the record delimiter
 * from the first line ending, so real concatenated feeds with mixed CRLF/LF lose records (see
 * docs/BENCHMARKS.md); and our line splitter already bounds every record. Feeds are line-oriented, so a small
 * RFC 4180 splitter per record (with the quirks below) is enough, and it keeps pace with csv-parse.
 */

export interface SplitRecord {
  fields: string[];
  /** A quoted field is still open at the end of the text: the record continues on the next line. */
  open: boolean;
}

/**
 * Splits one CSV record. RFC 4180 quoting (`""` escapes a quote) plus feed quirks: spaces before an opening
 * quote are skipped (ThreatFox's `", "` separator), text after a closing quote is kept rather than failing.
 */
export function splitCsvRecord(text: string, delimiter = ","): SplitRecord {
  const fields: string[] = [];
  const length = text.length;
  let index = 0;
  for (;;) {
    let start = index;
    while (start < length && text[start] === " ") start++;
    if (start < length && text[start] === '"') {
      let value = "";
      let cursor = start + 1;
      for (;;) {
        const quote = text.indexOf('"', cursor);
        if (quote === -1) return { fields, open: true };
        value += text.slice(cursor, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          cursor = quote + 2;
        } else {
          cursor = quote + 1;
          break;
        }
      }
      const next = text.indexOf(delimiter, cursor);
      const trailing = text.slice(cursor, next === -1 ? length : next).trim();
      fields.push(trailing.length > 0 ? value + trailing : value);
      if (next === -1) return { fields, open: false };
      index = next + delimiter.length;
    } else {
      const next = text.indexOf(delimiter, index);
      if (next === -1) {
        fields.push(text.slice(index));
        return { fields, open: false };
      }
      fields.push(text.slice(index, next));
      index = next + delimiter.length;
    }
  }
}

const maxRecordChars = 256 * 1024;

function headerIndex(header: string[]): Map<string, number> {
  const index = new Map<string, number>();
  header.forEach((name, position) => {
    const key = cleanCell(name).toLowerCase();
    if (!index.has(key)) index.set(key, position);
  });
  return index;
}

function mappingRefs(config: CsvConfig): ColumnRef[] {
  return [
    config.value,
    config.typeField,
    config.firstSeen,
    config.lastSeen,
    config.confidence,
    config.tags,
    ...Object.values(config.context),
    ...config.extra,
    ...(config.alsoValues ?? []).map((also) => also.field),
  ].filter((ref): ref is ColumnRef => ref !== undefined);
}

/**
 * Parses CSV lines with a column mapping. Handles `#` banners, a header given as a `#` comment
 * (URLhaus, ThreatFox, Zeek `#fields`) or as the first row (Feodo), `# END` trailers and records that span
 * lines inside quotes. Emits one event per indicator or rejected row.
 */
export async function* parseCsvLines(
  lines: AsyncIterable<Line>,
  config: CsvConfig,
): AsyncGenerator<ParseEvent> {
  const needsHeader = mappingRefs(config).some((ref) => typeof ref === "string");
  if (needsHeader && config.header === "none" && config.columns === undefined) {
    throw new AppError("VALIDATION_FAILED", "a CSV mapping by column name needs a header or `columns`");
  }
  let columns: Map<string, number> | undefined =
    config.columns === undefined ? undefined : headerIndex(config.columns);
  const valueName = typeof config.value === "string" ? config.value.toLowerCase() : undefined;
  let headerCandidate: Map<string, number> | undefined;
  let pending: { text: string; line: number } | undefined;
  let dataRows = 0;
  // Column names resolved to indices once per header, not once per row.
  const resolved = new Map<string, number>();
  let resolvedFor: Map<string, number> | undefined;
  const mapping: FieldMapping = config;

  const isHeader = (fields: string[]): Map<string, number> | undefined => {
    if (valueName === undefined) return undefined;
    const index = headerIndex(fields);
    return index.has(valueName) ? index : undefined;
  };

  for await (const line of lines) {
    if (line.tooLong) {
      pending = undefined;
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
    let text = line.text;
    let number = line.number;
    if (pending) {
      text = `${pending.text}\n${text}`;
      number = pending.line;
      pending = undefined;
    } else {
      if (text.trim().length === 0) continue;
      if (config.commentPrefix && text.startsWith(config.commentPrefix)) {
        if (columns === undefined && needsHeader && dataRows === 0) {
          const stripped = text.slice(config.commentPrefix.length).replace(/^\s*fields\s/, "");
          headerCandidate =
            isHeader(splitCsvRecord(stripped.trim(), config.delimiter).fields) ?? headerCandidate;
        }
        continue;
      }
    }
    const record = splitCsvRecord(text, config.delimiter);
    if (record.open) {
      if (text.length > maxRecordChars) {
        yield {
          kind: "rejected",
          row: { line: number, reason: "unterminated quoted field", raw: truncateRaw(text) },
        };
      } else {
        pending = { text, line: number };
      }
      continue;
    }
    if (columns === undefined && needsHeader) {
      const header = dataRows === 0 ? isHeader(record.fields) : undefined;
      if (header) {
        columns = header;
        continue;
      }
      columns = headerCandidate;
      if (columns === undefined) {
        throw feedFailure(
          "invalid-document",
          `CSV header naming the value column "${String(config.value)}" was not found before the first row`,
        );
      }
    }
    dataRows++;
    const fields = record.fields;
    const known = columns;
    if (known !== resolvedFor) {
      resolvedFor = known;
      resolved.clear();
    }
    const read = (ref: ColumnRef): unknown => {
      if (typeof ref === "number") return fields[ref];
      let index = resolved.get(ref);
      if (index === undefined) {
        index = known?.get(ref.toLowerCase()) ?? -1;
        resolved.set(ref, index);
      }
      return fields[index];
    };
    yield* mapRecord(mapping, read, number, () => text);
  }
  if (pending) {
    yield {
      kind: "rejected",
      row: {
        line: pending.line,
        reason: "unterminated quoted field at end of feed",
        raw: truncateRaw(pending.text),
      },
    };
  }
}
