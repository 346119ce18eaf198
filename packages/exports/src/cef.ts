import { applyOverlay } from "./overlay.ts";
import { textToByteStream } from "./stream.ts";
import type { ExportIndicator, ExportSource, OverlayOptions } from "./types.ts";

/** Escapes a CEF header field: `\` and `|` are escaped; a header cannot span lines, so CR/LF become spaces. */
export function cefHeaderField(value: string): string {
  return value
    .replaceAll("\\", "\\\\")
    .replaceAll("|", "\\|")
    .replace(/\r\n|[\r\n]/g, " ");
}

/** Escapes a CEF extension value: `\` and `=` are escaped, and line breaks are written as `\n` / `\r`. */
export function cefExtensionValue(value: string): string {
  return value
    .replaceAll("\\", "\\\\")
    .replaceAll("=", "\\=")
    .replaceAll("\r", "\\r")
    .replaceAll("\n", "\\n");
}

export interface CefOptions extends OverlayOptions {
  deviceVendor: string;
  deviceProduct: string;
  deviceVersion: string;
}

/** The standard CEF key that carries an indicator's value, when there is one. */
function valueKeys(record: ExportIndicator): [string, string][] {
  switch (record.type) {
    case "ipv4":
      return [["dst", record.value]];
    case "ipv6":
      return [
        ["c6a3", record.value],
        ["c6a3Label", "Destination IPv6 Address"],
      ];
    case "domain":
      return [["dhost", record.value]];
    case "url":
      return [["request", record.value]];
    case "email":
      return [["duser", record.value]];
    case "md5":
    case "sha1":
    case "sha256":
    case "sha512":
      return [["fileHash", record.value]];
    default:
      return [];
  }
}

/** CEF severity 0–10 from our 0–100 score. */
export function cefSeverity(score: number): number {
  return Math.min(10, Math.max(0, Math.round(score / 10)));
}

/** One CEF:0 line (without line terminator) for a record. */
export function cefLine(record: ExportIndicator, options: CefOptions): string {
  const header = [
    "CEF:0",
    cefHeaderField(options.deviceVendor),
    cefHeaderField(options.deviceProduct),
    cefHeaderField(options.deviceVersion),
    cefHeaderField(`indicator:${record.type}`),
    cefHeaderField(`Threat indicator ${record.type}`),
    String(cefSeverity(record.score)),
  ].join("|");
  const pairs: [string, string][] = [
    ...valueKeys(record),
    ["cs1Label", "indicatorValue"],
    ["cs1", record.value],
    ["cs2Label", "tlp"],
    ["cs2", record.tlp],
    ["cs3Label", "tags"],
    ["cs3", record.tags.join(",")],
    ["cs4Label", "sources"],
    ["cs4", record.sources.join(",")],
    ["cn1Label", "confidence"],
    ["cn1", String(Math.round(record.confidence))],
    ["cn2Label", "score"],
    ["cn2", String(Math.round(record.score))],
    ["start", String(Date.parse(record.firstSeen))],
    ["end", String(Date.parse(record.lastSeen))],
    ["externalId", record.id],
  ];
  if (record.context.malwareFamily !== undefined)
    pairs.push(["cs5Label", "malwareFamily"], ["cs5", record.context.malwareFamily]);
  if (record.context.reference !== undefined)
    pairs.push(["cs6Label", "reference"], ["cs6", record.context.reference]);
  if (record.context.description !== undefined) pairs.push(["msg", record.context.description]);
  if (record.suppressedReason !== undefined) pairs.push(["reason", record.suppressedReason]);
  return `${header}|${pairs.map(([key, value]) => `${key}=${cefExtensionValue(value)}`).join(" ")}`;
}

async function* cefLines(records: ExportSource, options: CefOptions): AsyncGenerator<string> {
  for await (const record of applyOverlay(records, options)) yield `${cefLine(record, options)}\n`;
}

/** Streams CEF:0 lines, one per indicator, newline-terminated (syslog framing is the sender's job). */
export function cefStream(records: ExportSource, options: CefOptions): ReadableStream<Uint8Array> {
  return textToByteStream(cefLines(records, options));
}
