import type { IndicatorType } from "@threatfusion/ioc";
import { streamJsonItems } from "./json-stream.ts";
import type { ValueType } from "./options.ts";
import type { IndicatorContext, ParsedIndicator, ParseEvent } from "./types.ts";
import { canonicalValue, normalizeTags, previewJson, toConfidence, toIsoDate } from "./values.ts";

/** One observable value found in a STIX pattern or SCO, before canonicalization. */
export interface StixObservable {
  type: ValueType;
  value: string;
  /** `object-type:property.path` it came from, e.g. `file:hashes.'SHA-256'`. */
  path: string;
}

export interface PatternObservables {
  observables: StixObservable[];
  /** Comparisons that were recognised but cannot become an indicator (`MATCHES`, `!=`, `file:name`…). */
  unsupported: string[];
}

const comparison =
  /([a-z0-9-]+):((?:[a-z0-9_]+|'[^']*')(?:\.(?:[a-z0-9_]+|'[^']*')|\[(?:\d+|\*)\])*)\s*(NOT\s+)?(=|!=|<>|>=|<=|>|<|MATCHES|LIKE|IN|ISSUBSET|ISSUPERSET)\s*('(?:[^'\\]|\\.)*'|\((?:[^)'\\]|'(?:[^'\\]|\\.)*')*\)|-?\d+(?:\.\d+)?|true|false|[a-z]'(?:[^'\\]|\\.)*')/gi;
const quotedLiteral = /'((?:[^'\\]|\\.)*)'/g;

const hashTypes: Record<string, IndicatorType> = {
  md5: "md5",
  "sha-1": "sha1",
  sha1: "sha1",
  "sha-256": "sha256",
  sha256: "sha256",
  "sha-512": "sha512",
  sha512: "sha512",
};

/** Which of our types a STIX object path holds; undefined when it is not an indicator value. */
export function stixPathType(objectType: string, property: string, value: string): ValueType | undefined {
  const prop = property.toLowerCase().replaceAll("'", "");
  switch (objectType.toLowerCase()) {
    case "ipv4-addr":
      return prop === "value" ? (value.includes("/") ? "cidr" : "ipv4") : undefined;
    case "ipv6-addr":
      return prop === "value" ? (value.includes("/") ? "cidr" : "ipv6") : undefined;
    case "domain-name":
      return prop === "value" ? "domain" : undefined;
    case "url":
      return prop === "value" ? "url" : undefined;
    case "email-addr":
      return prop === "value" ? "email" : undefined;
    case "email-message":
      return /^(from_ref|sender_ref|to_refs\[[^\]]*\]|cc_refs\[[^\]]*\])\.value$/.test(prop)
        ? "email"
        : undefined;
    case "file":
    case "artifact":
      return prop.startsWith("hashes.") ? hashTypes[prop.slice("hashes.".length)] : undefined;
    case "network-traffic":
      return /^(src|dst)_ref\.value$/.test(prop) ? "auto" : undefined;
    case "autonomous-system":
      return prop === "number" ? "asn" : undefined;
    default:
      return undefined;
  }
}

function unquote(literal: string): string {
  return literal.replace(/\\(.)/g, "$1");
}

/**
 * Extracts the observable values of a STIX 2.x pattern of the common forms: equality comparisons
 * (`[ipv4-addr:value = '198.51.100.1']`, `[file:hashes.'SHA-256' = '…']`), OR/AND combinations of them,
 * several observation expressions, and `IN ('a', 'b')` lists. Other comparisons are listed as unsupported.
 *
 * @example parseStixPattern("[domain-name:value = 'a.example' OR ipv4-addr:value = '192.0.2.1']").observables.length // 2
 */
export function parseStixPattern(pattern: string): PatternObservables {
  const observables: StixObservable[] = [];
  const unsupported: string[] = [];
  for (const match of pattern.slice(0, 100_000).matchAll(comparison)) {
    const [whole, objectType = "", property = "", negated, operator = "", literal = ""] = match;
    const path = `${objectType}:${property}`;
    const op = operator.toUpperCase();
    if (negated || (op !== "=" && op !== "IN")) {
      unsupported.push(whole.slice(0, 200));
      continue;
    }
    const values =
      op === "IN"
        ? [...literal.matchAll(quotedLiteral)].map((quoted) => unquote(quoted[1] ?? ""))
        : literal.startsWith("'")
          ? [unquote(literal.slice(1, -1))]
          : [literal];
    let matched = false;
    for (const value of values) {
      const type = stixPathType(objectType, property, value);
      if (type === undefined) continue;
      matched = true;
      observables.push({ type, value, path });
    }
    if (!matched) unsupported.push(whole.slice(0, 200));
  }
  return { observables, unsupported };
}

/** The TLP marking definitions of STIX 2.1 (TLP 1.0) and the TLP 2.0 extension, by id. */
const tlpMarkings: Record<string, string> = {
  "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
  "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
  "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
  "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
  "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
  "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
  "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
  "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
  "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
};

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function commonContext(object: Record<string, unknown>): IndicatorContext {
  const context: IndicatorContext = {};
  const id = str(object.id);
  if (id) context.sourceId = id;
  const createdBy = str(object.created_by_ref);
  if (createdBy) context.createdByRef = createdBy;
  const description = str(object.description) ?? str(object.name);
  if (description) context.description = description.slice(0, 2000);
  const tlp = stringArray(object.object_marking_refs)
    .map((ref) => tlpMarkings[ref])
    .find((level) => level !== undefined);
  if (tlp) context.tlp = tlp;
  return context;
}

function toIndicators(
  observables: StixObservable[],
  base: Omit<ParsedIndicator, "type" | "value">,
  unit: number,
): ParseEvent[] {
  const events: ParseEvent[] = [];
  for (const observable of observables) {
    const value =
      observable.type === "asn" && /^\d+$/.test(observable.value)
        ? `AS${observable.value}`
        : observable.value;
    const result = canonicalValue(observable.type, value);
    if (result.ok) {
      events.push({ kind: "indicator", indicator: { ...base, type: result.type, value: result.value } });
    } else {
      events.push({
        kind: "rejected",
        row: { line: unit, reason: `${observable.path}: ${result.reason}`, raw: value.slice(0, 200) },
      });
    }
  }
  return events;
}

/** Observables held by a STIX cyber-observable object (SCO) itself. */
function scoObservables(object: Record<string, unknown>): StixObservable[] {
  const type = str(object.type) ?? "";
  if (type === "file" || type === "artifact") {
    const hashes = object.hashes;
    if (hashes === null || typeof hashes !== "object") return [];
    return Object.entries(hashes as Record<string, unknown>).flatMap(([name, value]) => {
      const hashType = hashTypes[name.toLowerCase()];
      return hashType && typeof value === "string"
        ? [{ type: hashType, value, path: `${type}:hashes.${name}` }]
        : [];
    });
  }
  if (type === "autonomous-system" && typeof object.number === "number") {
    return [{ type: "asn", value: String(object.number), path: "autonomous-system:number" }];
  }
  const value = str(object.value);
  if (value === undefined) return [];
  const valueType = stixPathType(type, "value", value);
  return valueType ? [{ type: valueType, value, path: `${type}:value` }] : [];
}

const scoTypes = new Set([
  "ipv4-addr",
  "ipv6-addr",
  "domain-name",
  "url",
  "email-addr",
  "file",
  "artifact",
  "autonomous-system",
]);

/**
 * Turns one STIX object into events: indicators (pattern observables), SCOs and CVE vulnerabilities become
 * indicators; every other object (malware, attack-pattern, relationship, identity…) is passed on as a
 * `stix-object` event for later use.
 */
export function stixObjectEvents(object: unknown, unit: number): ParseEvent[] {
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    return [
      {
        kind: "rejected",
        row: { line: unit, reason: "STIX object is not a JSON object", raw: previewJson(object) },
      },
    ];
  }
  const record = object as Record<string, unknown>;
  const type = str(record.type);
  if (type === undefined) {
    return [
      { kind: "rejected", row: { line: unit, reason: "STIX object has no type", raw: previewJson(object) } },
    ];
  }
  const context = commonContext(record);
  if (type === "indicator") {
    const patternType = str(record.pattern_type) ?? "stix";
    const pattern = str(record.pattern);
    if (patternType !== "stix" || pattern === undefined) {
      return [
        { kind: "skipped", line: unit, reason: `indicator pattern type "${patternType}" is not imported` },
      ];
    }
    const parsed = parseStixPattern(pattern);
    if (parsed.observables.length === 0) {
      return [
        {
          kind: "skipped",
          line: unit,
          reason: `no importable comparison in pattern ${pattern.slice(0, 150)}`,
        },
      ];
    }
    const base: Omit<ParsedIndicator, "type" | "value"> = {
      tags: normalizeTags([...stringArray(record.labels), ...stringArray(record.indicator_types)]),
      context,
      line: unit,
    };
    const firstSeen = toIsoDate(record.valid_from);
    if (firstSeen) base.firstSeen = firstSeen;
    const validUntil = toIsoDate(record.valid_until);
    if (validUntil) context.extra = { validUntil };
    const confidence = toConfidence(record.confidence);
    if (confidence !== undefined) base.confidence = confidence;
    return toIndicators(parsed.observables, base, unit);
  }
  if (scoTypes.has(type)) {
    return toIndicators(scoObservables(record), { tags: [], context, line: unit }, unit);
  }
  if (type === "vulnerability") {
    const name = str(record.name) ?? "";
    const references = Array.isArray(record.external_references) ? record.external_references : [];
    const cve =
      references
        .map((reference: unknown) =>
          reference !== null &&
          typeof reference === "object" &&
          (reference as Record<string, unknown>).source_name === "cve"
            ? str((reference as Record<string, unknown>).external_id)
            : undefined,
        )
        .find((id): id is string => id !== undefined) ??
      (/^CVE-\d{4}-\d{4,}$/i.test(name) ? name : undefined);
    if (cve)
      return toIndicators(
        [{ type: "cve", value: cve, path: "vulnerability:name" }],
        { tags: [], context, line: unit },
        unit,
      );
  }
  return [{ kind: "stix-object", object: record }];
}

/**
 * Parses a STIX 2.x bundle or a TAXII 2.1 envelope (`{ objects, more, next }`), streaming the objects
 * array. `more`/`next` and other root members come out as `meta` events for the collector's cursor.
 */
export async function* parseStixChunks(
  chunks: AsyncIterable<string>,
  maxItemChars: number,
): AsyncGenerator<ParseEvent> {
  for await (const event of streamJsonItems(chunks, { paths: [["objects"]], maxItemChars })) {
    if (event.kind === "item") yield* stixObjectEvents(event.value, event.index);
    else if (event.kind === "scalar") {
      if (event.value !== null) yield { kind: "meta", key: event.key, value: event.value };
    } else yield { kind: "rejected", row: { line: event.index, reason: event.reason, raw: event.raw } };
  }
}
