import { md5 } from "@noble/hashes/legacy.js";
import type { IndicatorType } from "@threatfusion/ioc";
import { applyOverlay } from "./overlay.ts";
import { textToByteStream } from "./stream.ts";
import type { ExportIndicator, ExportSource, OverlayOptions, Tlp } from "./types.ts";
import { uuidv5 } from "./uuid.ts";

export interface MispTag {
  name: string;
  colour?: string;
}

/** Header of a MISP event: what `manifest.json` repeats for each event of a feed. */
export interface MispEventHeader {
  uuid: string;
  info: string;
  /** `YYYY-MM-DD`. */
  date: string;
  /** Unix seconds of the last change. */
  timestamp: number;
  /** 1 high, 2 medium, 3 low, 4 undefined. */
  threatLevelId: 1 | 2 | 3 | 4;
  /** 0 initial, 1 ongoing, 2 completed. */
  analysis: 0 | 1 | 2;
  /** 0 organisation only … 3 all communities (a public feed uses 3). */
  distribution: 0 | 1 | 2 | 3 | 4;
  /** The producing MSSP brand. */
  orgc: { name: string; uuid: string };
  tags?: MispTag[];
  published?: boolean;
}

interface MispTypeMapping {
  type: string;
  category: string;
  toIds: boolean;
}

/** Our indicator types to MISP attribute types, with the category MISP expects for each. */
export const mispTypeMapping: Record<IndicatorType, MispTypeMapping> = {
  ipv4: { type: "ip-dst", category: "Network activity", toIds: true },
  ipv6: { type: "ip-dst", category: "Network activity", toIds: true },
  cidr: { type: "ip-dst", category: "Network activity", toIds: true },
  domain: { type: "domain", category: "Network activity", toIds: true },
  url: { type: "url", category: "Network activity", toIds: true },
  email: { type: "email-src", category: "Payload delivery", toIds: true },
  md5: { type: "md5", category: "Payload delivery", toIds: true },
  sha1: { type: "sha1", category: "Payload delivery", toIds: true },
  sha256: { type: "sha256", category: "Payload delivery", toIds: true },
  sha512: { type: "sha512", category: "Payload delivery", toIds: true },
  cve: { type: "vulnerability", category: "External analysis", toIds: false },
  asn: { type: "AS", category: "Network activity", toIds: false },
};

const tlpColours: Record<Tlp, string> = {
  clear: "#ffffff",
  green: "#339900",
  amber: "#ffc000",
  "amber+strict": "#ffc000",
  red: "#cc0033",
};

function unixSeconds(timestamp: string): string {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${timestamp}`);
  return String(Math.floor(ms / 1000));
}

function eventHeaderJson(header: MispEventHeader): Record<string, unknown> {
  return {
    uuid: header.uuid,
    info: header.info,
    date: header.date,
    timestamp: String(header.timestamp),
    threat_level_id: String(header.threatLevelId),
    analysis: String(header.analysis),
    distribution: String(header.distribution),
    ...(header.published === undefined ? {} : { published: header.published }),
    Orgc: { name: header.orgc.name, uuid: header.orgc.uuid },
    Tag: header.tags ?? [],
  };
}

/**
 * One MISP attribute for a record. Its uuid is UUIDv5(event uuid, "type|value"), so republishing an
 * event keeps attribute uuids and MISP updates instead of duplicating.
 */
export function mispAttribute(record: ExportIndicator, eventUuid: string): Record<string, unknown> {
  const mapping = mispTypeMapping[record.type];
  const tags: MispTag[] = [{ name: `tlp:${record.tlp}`, colour: tlpColours[record.tlp] }];
  for (const tag of record.tags) tags.push({ name: tag });
  if (record.context.malwareFamily !== undefined)
    tags.push({ name: `malware:${record.context.malwareFamily}` });
  const comment = [record.context.description, record.context.reference].filter((part) => part !== undefined);
  return {
    uuid: uuidv5(eventUuid, `${mapping.type}|${record.value}`),
    type: mapping.type,
    category: mapping.category,
    to_ids: mapping.toIds && record.suppressedReason === undefined,
    value: record.type === "asn" ? record.value.replace(/^AS/i, "") : record.value,
    timestamp: unixSeconds(record.modifiedAt),
    first_seen: record.firstSeen,
    last_seen: record.lastSeen,
    comment: comment.join(" "),
    distribution: "5",
    Tag: tags,
    ...(record.suppressedReason === undefined
      ? {}
      : { x_threatfusion_suppressed_reason: record.suppressedReason }),
  };
}

async function* eventPieces(
  records: ExportSource,
  header: MispEventHeader,
  options: OverlayOptions,
): AsyncGenerator<string> {
  const head = JSON.stringify({ Event: eventHeaderJson(header) });
  // Open the Event object again just before its closing braces to append the attribute array.
  yield `${head.slice(0, -2)},"Attribute":[`;
  let first = true;
  for await (const record of applyOverlay(records, options)) {
    yield `${first ? "" : ","}${JSON.stringify(mispAttribute(record, header.uuid))}`;
    first = false;
  }
  yield "]}}";
}

/**
 * Streams a MISP event `{"Event":{…,"Attribute":[…]}}`, attribute by attribute. Serve it as
 * `<uuid>.json` of a feed, or POST it to `/events/add` of a MISP instance.
 */
export function mispEventStream(
  records: ExportSource,
  header: MispEventHeader,
  options: OverlayOptions = {},
): ReadableStream<Uint8Array> {
  return textToByteStream(eventPieces(records, header, options));
}

/**
 * `manifest.json` of a MISP feed: `{ "<event uuid>": { info, date, timestamp, threat_level_id,
 * analysis, distribution, Orgc, Tag } }` for each event, as a MISP instance expects when it
 * subscribes to the feed.
 */
export function mispManifest(headers: Iterable<MispEventHeader>): string {
  const manifest: Record<string, unknown> = {};
  for (const header of headers) {
    const { uuid, ...rest } = eventHeaderJson(header);
    manifest[String(uuid)] = rest;
  }
  return JSON.stringify(manifest);
}

const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const encoder = new TextEncoder();

/** MD5 of an attribute value as hex, the key MISP uses in `hashes.csv` for correlation caching. */
export function mispValueHash(value: string): string {
  let out = "";
  for (const byte of md5(encoder.encode(value))) out += hex[byte];
  return out;
}

/** One `hashes.csv` line (`md5(value),event_uuid\n`) for a record, using MISP's value form. */
export function mispHashesLine(record: ExportIndicator, eventUuid: string): string {
  const value = record.type === "asn" ? record.value.replace(/^AS/i, "") : record.value;
  return `${mispValueHash(value)},${eventUuid}\n`;
}

async function* hashLines(
  events: AsyncIterable<{ eventUuid: string; record: ExportIndicator }>,
  options: OverlayOptions,
): AsyncGenerator<string> {
  for await (const { eventUuid, record } of events) {
    if (record.suppressedReason !== undefined && options.includeSuppressed !== true) continue;
    yield mispHashesLine(record, eventUuid);
  }
}

/** Streams a feed's `hashes.csv` from (event uuid, record) pairs. */
export function mispHashesCsvStream(
  events: AsyncIterable<{ eventUuid: string; record: ExportIndicator }>,
  options: OverlayOptions = {},
): ReadableStream<Uint8Array> {
  return textToByteStream(hashLines(events, options));
}
