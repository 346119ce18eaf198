import type { ValueType } from "./options.ts";
import type { IndicatorContext, ParsedIndicator, ParseEvent } from "./types.ts";
import { canonicalValue, normalizeTags, previewJson, toIsoDate } from "./values.ts";

type Json = Record<string, unknown>;

/** How a MISP attribute type becomes ours. Composite types name the part that is the indicator. */
interface MispTypeRule {
  type: ValueType;
  /** For `a|b` types: which part is the value; the other part is a port or a filename. */
  part?: "first" | "second";
  other?: "port" | "filename";
  /** `domain|ip` yields both parts. */
  both?: ValueType;
}

const mispTypes: Record<string, MispTypeRule> = {
  "ip-dst": { type: "auto" },
  "ip-src": { type: "auto" },
  domain: { type: "domain" },
  hostname: { type: "domain" },
  url: { type: "url" },
  md5: { type: "md5" },
  sha1: { type: "sha1" },
  sha256: { type: "sha256" },
  sha512: { type: "sha512" },
  "email-src": { type: "email" },
  "email-dst": { type: "email" },
  email: { type: "email" },
  "email-reply-to": { type: "email" },
  "whois-registrant-email": { type: "email" },
  AS: { type: "asn" },
  vulnerability: { type: "cve" },
  "ip-dst|port": { type: "auto", part: "first", other: "port" },
  "ip-src|port": { type: "auto", part: "first", other: "port" },
  "hostname|port": { type: "domain", part: "first", other: "port" },
  "domain|ip": { type: "domain", part: "first", both: "auto" },
  "filename|md5": { type: "md5", part: "second", other: "filename" },
  "filename|sha1": { type: "sha1", part: "second", other: "filename" },
  "filename|sha256": { type: "sha256", part: "second", other: "filename" },
  "filename|sha512": { type: "sha512", part: "second", other: "filename" },
};

function str(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

function list(value: unknown): Json[] {
  return Array.isArray(value)
    ? value.filter((item): item is Json => item !== null && typeof item === "object")
    : [];
}

function tagNames(holder: Json): string[] {
  return list(holder.Tag)
    .map((tag) => str(tag.name))
    .filter((name): name is string => name !== undefined);
}

/** Galaxy clusters as `galaxy: cluster` strings (`Threat Actor: APT28`). */
function galaxyClusters(holder: Json): string[] {
  return list(holder.Galaxy).flatMap((galaxy) => {
    const galaxyName = str(galaxy.name) ?? str(galaxy.type) ?? "galaxy";
    return list(galaxy.GalaxyCluster)
      .map((cluster) => str(cluster.value))
      .filter((value): value is string => value !== undefined)
      .map((value) => `${galaxyName}: ${value}`);
  });
}

function tlpOf(tags: string[]): string | undefined {
  const tag = tags.find((name) => name.toLowerCase().startsWith("tlp:"));
  return tag?.slice(4).toLowerCase();
}

/** Finds the event object whatever the wrapper: `{Event}`, `{response: [{Event}]}`, `[{Event}]` or bare. */
export function findMispEvents(document: unknown): Json[] {
  if (Array.isArray(document)) return document.flatMap(findMispEvents);
  if (document === null || typeof document !== "object") return [];
  const record = document as Json;
  if (record.Event && typeof record.Event === "object") return [record.Event as Json];
  if (Array.isArray(record.response)) return record.response.flatMap(findMispEvents);
  if (Array.isArray(record.Attribute) || Array.isArray(record.Object)) return [record];
  return [];
}

interface EventScope {
  event: Json;
  tags: string[];
  galaxies: string[];
  includeNonIds: boolean;
}

function attributeEvents(
  attribute: Json,
  scope: EventScope,
  unit: number,
  objectName?: string,
): ParseEvent[] {
  const mispType = str(attribute.type) ?? "";
  const rawValue = str(attribute.value) ?? "";
  if (attribute.deleted === true || attribute.deleted === "1")
    return [{ kind: "skipped", line: unit, reason: "attribute deleted" }];
  const toIds = attribute.to_ids === true || attribute.to_ids === "1" || attribute.to_ids === 1;
  if (!toIds && !scope.includeNonIds) {
    return [{ kind: "skipped", line: unit, reason: `MISP ${mispType} attribute has to_ids false` }];
  }
  const rule = mispTypes[mispType];
  if (!rule)
    return [
      { kind: "skipped", line: unit, reason: `MISP type ${mispType || "(none)"} is not an indicator type` },
    ];

  const attributeTags = tagNames(attribute);
  const tags = normalizeTags([...scope.tags, ...attributeTags]);
  const context: IndicatorContext = {};
  const eventId = str(scope.event.uuid);
  if (eventId) context.eventId = eventId;
  const info = str(scope.event.info);
  if (info) context.eventInfo = info.slice(0, 500);
  const uuid = str(attribute.uuid);
  if (uuid) context.sourceId = uuid;
  const comment = str(attribute.comment);
  if (comment) context.description = comment.slice(0, 2000);
  const tlp = tlpOf([...attributeTags, ...scope.tags]);
  if (tlp) context.tlp = tlp;
  const galaxies = [...scope.galaxies, ...galaxyClusters(attribute)];
  if (galaxies.length > 0) context.galaxies = galaxies.slice(0, 50);
  const extra: Record<string, string> = {};
  const category = str(attribute.category);
  if (category) extra.category = category;
  if (objectName) extra.object = objectName;
  extra.mispType = mispType;
  context.extra = extra;

  const base: Omit<ParsedIndicator, "type" | "value"> = { tags, context, line: unit };
  const firstSeen = toIsoDate(attribute.first_seen) ?? toIsoDate(attribute.timestamp);
  if (firstSeen) base.firstSeen = firstSeen;
  const lastSeen = toIsoDate(attribute.last_seen);
  if (lastSeen) base.lastSeen = lastSeen;

  let values: Array<{ type: ValueType; value: string }> = [{ type: rule.type, value: rawValue }];
  if (rule.part) {
    // MISP joins composite values with `|`; a filename may hold `|`, a hash or port never does.
    const cut = rule.other === "filename" ? rawValue.lastIndexOf("|") : rawValue.indexOf("|");
    if (cut === -1) {
      return [
        {
          kind: "rejected",
          row: {
            line: unit,
            reason: `MISP ${mispType} value has no "|" separator`,
            raw: previewJson(attribute),
          },
        },
      ];
    }
    const first = rawValue.slice(0, cut);
    const second = rawValue.slice(cut + 1);
    const [main, other] = rule.part === "first" ? [first, second] : [second, first];
    values = [{ type: rule.type, value: main }];
    if (rule.both) values.push({ type: rule.both, value: second });
    if (rule.other === "port" && /^\d{1,5}$/.test(other)) context.port = Number(other);
    if (rule.other === "filename" && other) context.filename = other.slice(0, 500);
  }
  return values.map(({ type, value }): ParseEvent => {
    const result = canonicalValue(type, type === "asn" && /^\d+$/.test(value) ? `AS${value}` : value);
    return result.ok
      ? { kind: "indicator", indicator: { ...base, type: result.type, value: result.value } }
      : {
          kind: "rejected",
          row: { line: unit, reason: `MISP ${mispType}: ${result.reason}`, raw: previewJson(attribute) },
        };
  });
}

/**
 * Turns a parsed MISP event document into events: each `Attribute` and `Object.Attribute` with `to_ids`
 * whose type maps to ours becomes an indicator carrying event and attribute tags, galaxy clusters and TLP.
 * `unit` numbers attributes in document order.
 */
export function mispEventEvents(document: unknown, options: { includeNonIds: boolean }): ParseEvent[] {
  const events = findMispEvents(document);
  if (events.length === 0) {
    return [
      {
        kind: "rejected",
        row: { line: 0, reason: "no MISP Event in the document", raw: previewJson(document) },
      },
    ];
  }
  const out: ParseEvent[] = [];
  let unit = 0;
  for (const event of events) {
    const scope: EventScope = {
      event,
      tags: tagNames(event),
      galaxies: galaxyClusters(event),
      includeNonIds: options.includeNonIds,
    };
    for (const attribute of list(event.Attribute)) out.push(...attributeEvents(attribute, scope, ++unit));
    for (const object of list(event.Object)) {
      const name = str(object.name);
      for (const attribute of list(object.Attribute))
        out.push(...attributeEvents(attribute, scope, ++unit, name));
    }
  }
  return out;
}

/** One event listed in a MISP feed's `manifest.json`. */
export interface MispEventRef {
  uuid: string;
  info: string;
  date?: string;
  /** Unix seconds of the event's last change: fetch the event again when it grows. */
  timestamp: number;
  threatLevelId?: number;
  orgName?: string;
  tags: string[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses a MISP feed `manifest.json` (`{ "<uuid>": { info, date, timestamp, Orgc, Tag } }`) into event
 * references, oldest first. Keys that are not UUIDs are ignored (they would become unsafe URLs).
 */
export function parseMispManifest(manifest: unknown): MispEventRef[] {
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) return [];
  const refs: MispEventRef[] = [];
  for (const [uuid, header] of Object.entries(manifest as Json)) {
    if (!uuidPattern.test(uuid) || header === null || typeof header !== "object") continue;
    const entry = header as Json;
    const ref: MispEventRef = {
      uuid: uuid.toLowerCase(),
      info: str(entry.info) ?? "",
      timestamp: Number(entry.timestamp) || 0,
      tags: tagNames(entry),
    };
    const date = str(entry.date);
    if (date) ref.date = date;
    const threatLevel = Number(entry.threat_level_id);
    if (Number.isInteger(threatLevel) && threatLevel > 0) ref.threatLevelId = threatLevel;
    const org = entry.Orgc && typeof entry.Orgc === "object" ? str((entry.Orgc as Json).name) : undefined;
    if (org) ref.orgName = org;
    refs.push(ref);
  }
  return refs.sort((a, b) => a.timestamp - b.timestamp);
}

/** The events of a manifest changed after `sinceTimestamp` (unix seconds): what an incremental run fetches. */
export function mispEventsChangedSince(refs: MispEventRef[], sinceTimestamp: number): MispEventRef[] {
  return refs.filter((ref) => ref.timestamp > sinceTimestamp);
}

/** URL of one event file in a MISP feed directory. */
export function mispEventUrl(feedUrl: string, uuid: string): string {
  const base = feedUrl.endsWith("/") ? feedUrl : `${feedUrl}/`;
  return new URL(`${uuid}.json`, base.replace(/manifest\.json\/$/, "")).toString();
}
