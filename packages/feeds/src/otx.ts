import type { ValueType } from "./options.ts";
import type { IndicatorContext, ParsedIndicator, ParseEvent } from "./types.ts";
import { canonicalValue, normalizeTags, previewJson, toIsoDate } from "./values.ts";

type Json = Record<string, unknown>;

const otxTypes: Record<string, ValueType> = {
  IPv4: "ipv4",
  IPv6: "ipv6",
  CIDR: "cidr",
  domain: "domain",
  hostname: "domain",
  URL: "url",
  URI: "url",
  "FileHash-MD5": "md5",
  "FileHash-SHA1": "sha1",
  "FileHash-SHA256": "sha256",
  "FileHash-SHA512": "sha512",
  email: "email",
  CVE: "cve",
};

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function names(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((item: unknown) =>
      typeof item === "string"
        ? item
        : item !== null && typeof item === "object"
          ? (str((item as Json).display_name) ?? str((item as Json).name))
          : undefined,
    )
    .filter((name): name is string => name !== undefined);
}

/**
 * Turns one OTX pulse into events: each indicator whose OTX type maps to ours (IPv4, domain, hostname,
 * URL, FileHash-*, email, CVE…) becomes an indicator with the pulse's tags, TLP, malware family and
 * first reference; other types (Mutex, FilePath, YARA…) are skipped, inactive indicators too.
 */
export function otxPulseEvents(pulse: unknown, unit: number): ParseEvent[] {
  if (pulse === null || typeof pulse !== "object" || !Array.isArray((pulse as Json).indicators)) {
    return [
      {
        kind: "rejected",
        row: { line: unit, reason: "not an OTX pulse (no indicators array)", raw: previewJson(pulse) },
      },
    ];
  }
  const record = pulse as Json;
  const tags = normalizeTags(names(record.tags));
  const shared: IndicatorContext = {};
  const id = str(record.id);
  if (id) shared.eventId = id;
  const name = str(record.name);
  if (name) shared.eventInfo = name.slice(0, 500);
  const reference = names(record.references)[0];
  if (reference) shared.reference = reference;
  const family = names(record.malware_families)[0];
  if (family) shared.malwareFamily = family;
  const tlp = str(record.tlp);
  if (tlp) shared.tlp = tlp.toLowerCase();
  const extra: Record<string, string> = {};
  const adversary = str(record.adversary);
  if (adversary) extra.adversary = adversary;
  const author = str(record.author_name);
  if (author) extra.author = author;

  const events: ParseEvent[] = [];
  for (const item of record.indicators as unknown[]) {
    if (item === null || typeof item !== "object") continue;
    const indicator = item as Json;
    const otxType = str(indicator.type) ?? "";
    const type = otxTypes[otxType];
    if (!type) {
      events.push({ kind: "skipped", line: unit, reason: `OTX type ${otxType || "(none)"} is not imported` });
      continue;
    }
    if (indicator.is_active === 0 || indicator.is_active === false) {
      events.push({ kind: "skipped", line: unit, reason: "OTX indicator is inactive" });
      continue;
    }
    const result = canonicalValue(type, str(indicator.indicator) ?? "");
    if (!result.ok) {
      events.push({
        kind: "rejected",
        row: { line: unit, reason: `OTX ${otxType}: ${result.reason}`, raw: previewJson(indicator) },
      });
      continue;
    }
    const context: IndicatorContext = { ...shared };
    const description = str(indicator.description) ?? str(indicator.title);
    if (description) context.description = description.slice(0, 2000);
    const indicatorId = indicator._id ?? indicator.id;
    if (typeof indicatorId === "string" || typeof indicatorId === "number")
      context.sourceId = String(indicatorId);
    const expiration = toIsoDate(indicator.expiration);
    const indicatorExtra = expiration ? { ...extra, expiration } : extra;
    if (Object.keys(indicatorExtra).length > 0) context.extra = indicatorExtra;
    const parsed: ParsedIndicator = { type: result.type, value: result.value, tags, context, line: unit };
    const firstSeen = toIsoDate(indicator.created) ?? toIsoDate(record.created);
    if (firstSeen) parsed.firstSeen = firstSeen;
    events.push({ kind: "indicator", indicator: parsed });
  }
  return events;
}
