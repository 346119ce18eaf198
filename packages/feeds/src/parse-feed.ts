import { AppError } from "@threatfusion/core";
import { z } from "zod";
import { parseCsvLines } from "./csv.ts";
import { feedFailure } from "./failure.ts";
import { defaultMaxItemChars, mapJsonRecord, parseJsonChunks, parseNdjsonLines } from "./json.ts";
import { streamJsonItems } from "./json-stream.ts";
import { kevEntryEvents } from "./kev.ts";
import { defaultMaxLineChars, splitLineBatches, splitLines } from "./lines.ts";
import { mispEventEvents } from "./misp.ts";
import {
  type CsvOptions,
  csvOptionsSchema,
  type JsonOptions,
  jsonOptionsSchema,
  type MispOptions,
  mispOptionsSchema,
  type NdjsonOptions,
  ndjsonOptionsSchema,
  type TextOptions,
  textOptionsSchema,
} from "./options.ts";
import { otxPulseEvents } from "./otx.ts";
import * as presets from "./presets.ts";
import { spamhausRecordEvents } from "./spamhaus.ts";
import { parseStixChunks } from "./stix.ts";
import { parseDshieldLines, parseTextLineBatches, parseTorExitLines } from "./text.ts";
import { decodeFeedText } from "./text-stream.ts";
import type { ByteSource, ParseEvent, ParseStats } from "./types.ts";

export const feedFormats = [
  "csv",
  "json",
  "ndjson",
  "text",
  "stix",
  "taxii",
  "misp",
  "otx",
  "kev",
  "kev-csv",
  "urlhaus",
  "threatfox",
  "threatfox-json",
  "threatfox-api",
  "feodo",
  "feodo-json",
  "sslbl",
  "malwarebazaar",
  "spamhaus-drop-json",
  "tor-exit",
  "dshield",
  "zeek-intel",
  "tweetfeed",
  "auto",
] as const;
export type FeedFormat = (typeof feedFormats)[number];

export interface ParseFeedOptions {
  /** Column mapping for `csv` (required there). */
  csv?: CsvOptions;
  /** Field mapping and array path for `json` (required there). */
  json?: JsonOptions;
  /** Field mapping for `ndjson` (required there). */
  ndjson?: NdjsonOptions;
  text?: TextOptions;
  misp?: MispOptions;
  /** Longest line kept (text formats); longer lines become one rejected row. Default 64 K chars. */
  maxLineChars?: number;
  /** Largest array element kept (streamed JSON formats). Default 4 M chars (OTX pulses 16 M). */
  maxItemChars?: number;
  /** Largest whole document for formats read at once (a MISP event). Default 16 M chars: parsed, that is tens of MB of heap. */
  maxDocumentChars?: number;
}

function validated<T extends z.ZodType>(schema: T, value: unknown, format: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError(
      "VALIDATION_FAILED",
      `invalid ${format} parser options: ${z.prettifyError(result.error)}`,
      {
        details: result.error.issues,
      },
    );
  }
  return result.data;
}

function required<T>(value: T | undefined, format: string): T {
  if (value === undefined)
    throw new AppError("VALIDATION_FAILED", `the ${format} format needs a field mapping`);
  return value;
}

/**
 * Guesses the format of a feed from its first few KB: STIX/TAXII, MISP, KEV, OTX, NDJSON, the abuse.ch
 * CSV headers, TorDNSEL, Zeek intel, DShield; anything else is a plain-text list.
 */
export function sniffFormat(head: string): Exclude<FeedFormat, "auto"> {
  const text = head.replace(/^\uFEFF/, "").trimStart();
  if (text.startsWith("{") || text.startsWith("[")) {
    if (/"type"\s*:\s*"bundle"|"spec_version"\s*:|"objects"\s*:\s*\[/.test(text)) return "stix";
    if (/"Event"\s*:|"Attribute"\s*:\s*\[/.test(text)) return "misp";
    if (/"catalogVersion"\s*:|"vulnerabilities"\s*:\s*\[/.test(text)) return "kev";
    if (/"indicators"\s*:\s*\[/.test(text) && /"author_name"|"pulse_source"|"references"/.test(text))
      return "otx";
    const firstLine = text.split("\n", 1)[0] ?? "";
    if (/"sblid"\s*:|"cidr"\s*:|"asn"\s*:\s*\d/.test(firstLine)) return "spamhaus-drop-json";
    if (/"ioc_type"\s*:/.test(text)) return /"data"\s*:/.test(text) ? "threatfox-api" : "threatfox-json";
    if (/"ip_address"\s*:/.test(text) && /"malware"\s*:/.test(text)) return "feodo-json";
    return "json";
  }
  if (/^ExitNode [0-9A-F]{40}/m.test(text)) return "tor-exit";
  if (/^#fields\tindicator\tindicator_type/m.test(text)) return "zeek-intel";
  if (/^#\s*"?first_seen_utc"?,\s*"?ioc_id"?/m.test(text)) return "threatfox";
  if (/^#\s*"?first_seen_utc"?,\s*"?sha256_hash"?/m.test(text)) return "malwarebazaar";
  if (/^#\s*id,dateadded,url,/m.test(text)) return "urlhaus";
  if (/^"?first_seen_utc"?,"?dst_ip"?/m.test(text) || /^#\s*"?first_seen_utc"?,"?dst_ip"?/m.test(text))
    return "feodo";
  if (/^#\s*Listingdate,SHA1,Listingreason/m.test(text)) return "sslbl";
  if (/^"?cveID"?,"?vendorProject"?/m.test(text)) return "kev-csv";
  if (/^Start\tEnd\tNetblock/m.test(text)) return "dshield";
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},[^,\n]*,(url|domain|ip|md5|sha256),/m.test(text))
    return "tweetfeed";
  return "text";
}

async function readWhole(chunks: AsyncIterable<string>, maxChars: number): Promise<string> {
  const parts: string[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > maxChars)
      throw feedFailure("too-large", `document larger than the limit of ${maxChars} characters`);
    parts.push(chunk);
  }
  return parts.join("");
}

async function* mispDocument(
  chunks: AsyncIterable<string>,
  options: ParseFeedOptions,
): AsyncGenerator<ParseEvent> {
  const config = validated(mispOptionsSchema, options.misp ?? {}, "misp");
  const text = await readWhole(chunks, options.maxDocumentChars ?? 16 * 1024 * 1024);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    yield {
      kind: "rejected",
      row: {
        line: 0,
        reason: `MISP event is not valid JSON: ${String(error)}`.slice(0, 300),
        raw: text.slice(0, 200),
      },
    };
    return;
  }
  yield* mispEventEvents(document, config);
}

async function* streamed(
  chunks: AsyncIterable<string>,
  paths: string[][],
  maxItemChars: number,
  handle: (item: unknown, unit: number) => Iterable<ParseEvent>,
): AsyncGenerator<ParseEvent> {
  for await (const event of streamJsonItems(chunks, { paths, maxItemChars })) {
    if (event.kind === "item") yield* handle(event.value, event.index);
    else if (event.kind === "scalar") {
      if (event.value !== null) yield { kind: "meta", key: event.key, value: event.value };
    } else yield { kind: "rejected", row: { line: event.index, reason: event.reason, raw: event.raw } };
  }
}

/**
 * abuse.ch APIs answer errors as JSON (`{"query_status": "unknown_auth_key"}`), sometimes with HTTP 200:
 * turn any status but `ok`/`no_result` into a failed run instead of an empty one.
 */
async function* failOnApiError(events: AsyncIterable<ParseEvent>, api: string): AsyncGenerator<ParseEvent> {
  let noResult = false;
  for await (const event of events) {
    if (event.kind === "meta" && event.key === "query_status" && event.value === "no_result") noResult = true;
    // With no_result, `data` is a sentence, not an array: that is an empty answer, not a bad row.
    if (noResult && event.kind === "rejected" && event.row.reason.startsWith("no array at")) continue;
    if (
      event.kind === "meta" &&
      event.key === "query_status" &&
      event.value !== "ok" &&
      event.value !== "no_result"
    ) {
      const status = String(event.value);
      const reason = /auth|key/i.test(status) ? "auth" : "invalid-document";
      throw feedFailure(reason, `${api} answered query_status "${status.slice(0, 100)}"`);
    }
    yield event;
  }
}

function dispatch(
  format: Exclude<FeedFormat, "auto" | "text">,
  chunks: AsyncIterable<string>,
  options: ParseFeedOptions,
): AsyncIterable<ParseEvent> {
  const maxLineChars = options.maxLineChars ?? defaultMaxLineChars;
  const maxItemChars = options.maxItemChars ?? defaultMaxItemChars;
  const lines = () => splitLines(chunks, maxLineChars);
  const csv = (preset: CsvOptions) => parseCsvLines(lines(), validated(csvOptionsSchema, preset, format));
  const json = (preset: JsonOptions) => {
    const config = validated(jsonOptionsSchema, preset, format);
    return parseJsonChunks(chunks, config, config.path, maxItemChars);
  };
  switch (format) {
    case "csv":
      return csv(required(options.csv, format));
    case "json":
      return json(required(options.json, format));
    case "ndjson": {
      const config = validated(ndjsonOptionsSchema, required(options.ndjson, format), format);
      return parseNdjsonLines(lines(), (record, line) => mapJsonRecord(config, record, line));
    }
    case "stix":
    case "taxii":
      return parseStixChunks(chunks, maxItemChars);
    case "misp":
      return mispDocument(chunks, options);
    case "otx":
      return streamed(chunks, [[], ["results"]], options.maxItemChars ?? 16 * 1024 * 1024, otxPulseEvents);
    case "kev":
      return streamed(chunks, [["vulnerabilities"]], maxItemChars, kevEntryEvents);
    case "kev-csv":
      return csv(presets.kevCsv);
    case "urlhaus":
      return csv(presets.urlhausCsv);
    case "threatfox":
      return csv(presets.threatfoxCsv);
    case "threatfox-json":
      return json(presets.threatfoxJsonExport);
    case "threatfox-api":
      return failOnApiError(json(presets.threatfoxApi), "ThreatFox API");
    case "feodo":
      return csv(presets.feodoCsv);
    case "feodo-json":
      return json(presets.feodoJson);
    case "sslbl":
      return csv(presets.sslblCsv);
    case "malwarebazaar":
      return csv(presets.malwarebazaarCsv);
    case "zeek-intel":
      return csv(presets.zeekIntel);
    case "tweetfeed":
      return csv(presets.tweetfeedCsv);
    case "spamhaus-drop-json":
      return parseNdjsonLines(lines(), spamhausRecordEvents);
    case "tor-exit":
      return parseTorExitLines(lines());
    case "dshield":
      return parseDshieldLines(lines());
  }
}

/**
 * A format's events in arrays: a text list's one array per decoded chunk (its parser reads lines in batches),
 * every other format's one event per array.
 */
function dispatchBatches(
  format: Exclude<FeedFormat, "auto">,
  chunks: AsyncIterable<string>,
  options: ParseFeedOptions,
): AsyncIterable<readonly ParseEvent[]> {
  if (format === "text") {
    const config = validated(textOptionsSchema, options.text ?? {}, format);
    return parseTextLineBatches(
      splitLineBatches(chunks, options.maxLineChars ?? defaultMaxLineChars),
      config,
    );
  }
  return oneByOne(dispatch(format, chunks, options));
}

async function* oneByOne(events: AsyncIterable<ParseEvent>): AsyncGenerator<readonly ParseEvent[]> {
  for await (const event of events) yield [event];
}

/**
 * Parses a feed body as it streams in and yields one event per indicator, rejected row, skipped entry or
 * feed-level fact, then an `end` event with counts. Memory stays bounded: text formats hold one decoded chunk's
 * lines, JSON formats one array element (MISP events are read whole, up to `maxDocumentChars`).
 *
 * Throws an AppError `UPSTREAM_FAILED` (reason in `details.reason`, see `feedFailureReason`) when the body is
 * an HTML page, binary data or a zip archive; `VALIDATION_FAILED` for bad parser options.
 *
 * @example
 * for await (const event of parseFeed("urlhaus", response.body)) if (event.kind === "indicator") …
 */
export async function* parseFeed(
  format: FeedFormat,
  source: ByteSource,
  options: ParseFeedOptions = {},
): AsyncGenerator<ParseEvent> {
  for await (const events of parseFeedBatches(format, source, options))
    for (const event of events) yield event;
}

/**
 * `parseFeed`'s events in arrays (the same events in the same order): a text list's events come one array per
 * decoded chunk, so a reader pays the async iteration (a promise and a turn per step, ~0.15 µs) per chunk
 * instead of per line; other formats' events come one per array. The collector reads these (`batchParsed`
 * takes either).
 */
export async function* parseFeedBatches(
  format: FeedFormat,
  source: ByteSource,
  options: ParseFeedOptions = {},
): AsyncGenerator<readonly ParseEvent[]> {
  const decoded = await decodeFeedText(source, format);
  const resolved = format === "auto" ? sniffFormat(decoded.head) : format;
  if (format === "auto") yield [{ kind: "meta", key: "format", value: resolved }];
  const counter = new EventCounter();
  for await (const events of dispatchBatches(resolved, decoded.chunks, options)) {
    for (const event of events) counter.count(event);
    yield events;
  }
  yield [counter.end()];
}

/** The counts of a parse (`end` event): events by kind, and the highest line or element that made one. */
class EventCounter {
  private readonly stats: ParseStats = { units: 0, indicators: 0, rejected: 0, skipped: 0 };
  private lastUnit = 0;

  count(event: ParseEvent): void {
    if (event.kind === "indicator") {
      this.stats.indicators++;
      this.lastUnit = Math.max(this.lastUnit, event.indicator.line ?? 0);
    } else if (event.kind === "rejected") {
      this.stats.rejected++;
      this.lastUnit = Math.max(this.lastUnit, event.row.line);
    } else if (event.kind === "skipped") {
      this.stats.skipped++;
      this.lastUnit = Math.max(this.lastUnit, event.line);
    }
  }

  end(): ParseEvent {
    this.stats.units = this.lastUnit;
    return { kind: "end", stats: this.stats };
  }
}
