import { applyOverlay } from "./overlay.ts";
import { textToByteStream } from "./stream.ts";
import type { ExportIndicator, ExportSource, OverlayOptions } from "./types.ts";

/** Columns a CSV export may choose, in the order the caller lists them. */
export const csvColumns = {
  id: (r: ExportIndicator) => r.id,
  type: (r: ExportIndicator) => r.type,
  value: (r: ExportIndicator) => r.value,
  first_seen: (r: ExportIndicator) => r.firstSeen,
  last_seen: (r: ExportIndicator) => r.lastSeen,
  added_at: (r: ExportIndicator) => r.addedAt,
  modified_at: (r: ExportIndicator) => r.modifiedAt,
  confidence: (r: ExportIndicator) => String(r.confidence),
  score: (r: ExportIndicator) => String(r.score),
  tlp: (r: ExportIndicator) => r.tlp,
  tags: (r: ExportIndicator) => r.tags.join(";"),
  sources: (r: ExportIndicator) => r.sources.join(";"),
  malware_family: (r: ExportIndicator) => r.context.malwareFamily ?? "",
  threat_type: (r: ExportIndicator) => r.context.threatType ?? "",
  reference: (r: ExportIndicator) => r.context.reference ?? "",
  description: (r: ExportIndicator) => r.context.description ?? "",
  status: (r: ExportIndicator) => r.status ?? "",
  suppressed_reason: (r: ExportIndicator) => r.suppressedReason ?? "",
} as const;

export type CsvColumn = keyof typeof csvColumns;

export const defaultCsvColumns: CsvColumn[] = [
  "type",
  "value",
  "first_seen",
  "last_seen",
  "confidence",
  "score",
  "tlp",
  "tags",
  "malware_family",
  "sources",
];

/** True when a column name is one `csvStream` knows (for validating a `columns=` query parameter). */
export function isCsvColumn(name: string): name is CsvColumn {
  return Object.hasOwn(csvColumns, name);
}

/**
 * One CSV cell. Quoted per RFC 4180 when it holds a comma, quote, CR or LF (quotes doubled). With the
 * formula guard (OWASP "CSV injection"), a cell starting with = + - @ TAB or CR gets a leading `'` so
 * that spreadsheet software shows it as text instead of evaluating it.
 */
export function csvCell(value: string, formulaGuard = true): string {
  let cell = value;
  if (formulaGuard && /^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`;
  if (/[",\r\n]/.test(cell)) return `"${cell.replaceAll('"', '""')}"`;
  return cell;
}

export interface CsvOptions extends OverlayOptions {
  columns?: CsvColumn[];
  /** Write the header row (default true). */
  header?: boolean;
  /** Guard against spreadsheet formula injection (default true). */
  formulaGuard?: boolean;
}

async function* csvLines(records: ExportSource, options: CsvOptions): AsyncGenerator<string> {
  const columns = options.columns ?? defaultCsvColumns;
  const guard = options.formulaGuard !== false;
  if (options.header !== false) yield `${columns.join(",")}\r\n`;
  const getters = columns.map((column) => csvColumns[column]);
  for await (const record of applyOverlay(records, options)) {
    yield `${getters.map((get) => csvCell(get(record), guard)).join(",")}\r\n`;
  }
}

/** Streams an RFC 4180 CSV (CRLF line ends) with the chosen columns, with no row cap. */
export function csvStream(records: ExportSource, options: CsvOptions = {}): ReadableStream<Uint8Array> {
  return textToByteStream(csvLines(records, options));
}
