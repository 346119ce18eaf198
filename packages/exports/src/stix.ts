import type { IndicatorType } from "@threatfusion/ioc";
import { canonicalJson, type JsonValue } from "./canonical-json.ts";
import { textToByteStream } from "./stream.ts";
import {
  type ExportIndicator,
  type ExportSource,
  isRecordBatch,
  type OverlayOptions,
  type Producer,
  type Tlp,
} from "./types.ts";
import { stixNamespace, uuidv4, uuidv5, uuidv5For } from "./uuid.ts";

/**
 * ThreatFusion's own UUIDv5 namespace for ids that STIX leaves to the producer (identity, indicator,
 * vulnerability, relationship). STIX recommends UUIDv4 for those; we derive them instead so that a
 * TAXII client sees the same id for the same indicator on every poll and can version it by `modified`.
 */
export const threatfusionNamespace = "d10194cb-b326-416a-9c68-949ab81a41a0";

export type StixObject = { type: string; id: string; [property: string]: JsonValue };

/** The TLP 2.0 extension definition id (oasis-open/cti-stix-common-objects, tlp-2.0). */
export const tlp2ExtensionId = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/** The official, fixed TLP 2.0 marking-definition ids (cti-stix-common-objects tlp-2.0/marking-definition.json). */
export const tlpMarkingIds: Record<Tlp, string> = {
  clear: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
  green: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
  amber: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
  "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
  red: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/** The TLP 2.0 marking-definition object exactly as OASIS publishes it. */
export function tlpMarkingDefinition(tlp: Tlp): StixObject {
  return {
    type: "marking-definition",
    spec_version: "2.1",
    id: tlpMarkingIds[tlp],
    created: "2022-10-01T00:00:00.000Z",
    name: `TLP:${tlp.toUpperCase()}`,
    extensions: { [tlp2ExtensionId]: { extension_type: "property-extension", tlp_2_0: tlp } },
  };
}

/** The identity of the producing MSSP brand; its id is derived from the brand name. */
export function producerIdentity(producer: Producer): StixObject {
  const created = stixTimestamp(producer.createdAt ?? "2020-01-01T00:00:00.000Z");
  return {
    type: "identity",
    spec_version: "2.1",
    id: `identity--${uuidv5(threatfusionNamespace, canonicalJson({ identity: producer.name }))}`,
    created,
    modified: created,
    name: producer.name,
    identity_class: "organization",
    ...(producer.contact === undefined ? {} : { contact_information: producer.contact }),
  };
}

const millisTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,}Z$/;

/** STIX timestamps are UTC with at least millisecond precision; anything else is normalised. */
export function stixTimestamp(value: string): string {
  if (millisTimestamp.test(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a timestamp: ${value}`);
  return date.toISOString();
}

const hashKeys = { md5: "MD5", sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" } as const;

/** Escapes a string literal for a STIX pattern: backslash and single quote are the two escapes. */
export function escapePatternString(value: string): string {
  // Most values hold neither: one scan instead of two replacements that copy.
  if (!value.includes("'") && !value.includes("\\")) return value;
  return value.replaceAll("\\", "\\\\").replaceAll("'", "\\'");
}

function asnNumber(value: string): number {
  const match = /^(?:AS)?(\d{1,10})$/i.exec(value.trim());
  const digits = match?.[1];
  const number = digits === undefined ? Number.NaN : Number(digits);
  if (!Number.isSafeInteger(number) || number > 4294967295) throw new RangeError(`not an ASN: ${value}`);
  return number;
}

const outsideUri = /[^A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]/gu;
const ipv6HostLiteral = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#@[\]]*@)?)(\[[0-9A-Fa-f:.]+\])/u;
const strayPercent = /%(?![0-9A-Fa-f]{2})/gu;
const percentEncode = (part: string) =>
  part.replace(strayPercent, "%25").replace(outsideUri, (char) => encodeURIComponent(char));

/** A fragment may not hold `#` (RFC 3986 section 3.5): every `#` after the first is encoded as `%23`. */
function encodeLaterHashes(url: string): string {
  const fragment = url.indexOf("#");
  if (fragment < 0 || url.indexOf("#", fragment + 1) < 0) return url;
  return url.slice(0, fragment + 1) + url.slice(fragment + 1).replaceAll("#", "%23");
}

/**
 * STIX requires `url:value` to conform to RFC 3986, so characters a URL may not hold raw (quotes,
 * backslashes, spaces, non-ASCII, `[` `]` anywhere but around an IPv6 host, a `%` that starts no escape, and
 * any `#` after the fragment's own, as feeds glue hashtags onto URLs) are percent-encoded as UTF-8. Pattern and SCO use the same form, so the indicator still matches its observable; the indicator's
 * `name` keeps the value as we hold it.
 */
export function rfc3986Url(value: string): string {
  const host = ipv6HostLiteral.exec(value);
  if (host === null) return encodeLaterHashes(percentEncode(value));
  const [literal, authorityStart = "", hostLiteral = ""] = host;
  return encodeLaterHashes(
    percentEncode(authorityStart) + hostLiteral + percentEncode(value.slice(literal.length)),
  );
}

function ipScoType(value: string): "ipv4-addr" | "ipv6-addr" {
  return value.includes(":") ? "ipv6-addr" : "ipv4-addr";
}

/** The STIX pattern for an indicator, or undefined for CVEs (a vulnerability is not observable). */
export function stixPattern(type: IndicatorType, value: string): string | undefined {
  const quoted = `'${escapePatternString(value)}'`;
  switch (type) {
    case "ipv4":
      return `[ipv4-addr:value = ${quoted}]`;
    case "ipv6":
      return `[ipv6-addr:value = ${quoted}]`;
    case "cidr":
      return `[${ipScoType(value)}:value ISSUBSET ${quoted}]`;
    case "domain":
      return `[domain-name:value = ${quoted}]`;
    case "url":
      return `[url:value = '${escapePatternString(rfc3986Url(value))}']`;
    case "email":
      return `[email-addr:value = ${quoted}]`;
    case "md5":
    case "sha1":
    case "sha256":
    case "sha512":
      return `[file:hashes.'${hashKeys[type]}' = ${quoted}]`;
    case "asn":
      return `[autonomous-system:number = ${asnNumber(value)}]`;
    case "cve":
      return undefined;
  }
}

/**
 * The SCO for an indicator value, with the deterministic id STIX 2.1 section 2.9 defines: UUIDv5 in the
 * STIX namespace over the RFC 8785 JSON of the type's ID contributing properties (`value` for
 * addresses, domains, URLs and e-mail addresses; `hashes` for files; `number` for autonomous systems).
 */
export function stixObservable(type: IndicatorType, value: string): StixObject | undefined {
  let scoType: string;
  let contributing: { [key: string]: JsonValue };
  switch (type) {
    case "ipv4":
    case "ipv6":
    case "cidr":
      scoType = type === "cidr" ? ipScoType(value) : type === "ipv4" ? "ipv4-addr" : "ipv6-addr";
      contributing = { value };
      break;
    case "domain":
      scoType = "domain-name";
      contributing = { value };
      break;
    case "url":
      scoType = "url";
      contributing = { value: rfc3986Url(value) };
      break;
    case "email":
      scoType = "email-addr";
      contributing = { value };
      break;
    case "md5":
    case "sha1":
    case "sha256":
    case "sha512":
      scoType = "file";
      contributing = { hashes: { [hashKeys[type]]: value } };
      break;
    case "asn":
      scoType = "autonomous-system";
      contributing = { number: asnNumber(value) };
      break;
    case "cve":
      return undefined;
  }
  return {
    type: scoType,
    spec_version: "2.1",
    id: `${scoType}--${uuidv5(stixNamespace, canonicalJson(contributing))}`,
    ...contributing,
  };
}

/** Maps our free-text threat type to the STIX indicator-type-ov vocabulary. */
function indicatorTypes(threatType: string | undefined): string[] {
  const text = (threatType ?? "").toLowerCase();
  if (text.includes("compromis")) return ["compromised"];
  if (text.includes("anomal") || text.includes("scan")) return ["anomalous-activity"];
  if (text.includes("benign")) return ["benign"];
  if (text.includes("attribut")) return ["attribution"];
  return ["malicious-activity"];
}

/** The indicator id for a record, stable for one producer brand across exports. */
export function stixIndicatorId(record: Pick<ExportIndicator, "id">, identityId: string): string {
  return `indicator--${uuidv5(threatfusionNamespace, `${identityId}/${record.id}`)}`;
}

/** The vulnerability id for a CVE: the same CVE is the same object whoever exports it. */
export function stixVulnerabilityId(cve: string): string {
  return `vulnerability--${uuidv5(threatfusionNamespace, canonicalJson({ cve: cve.toUpperCase() }))}`;
}

export interface StixMappingOptions {
  /** Also emit the SCO and an indicator `based-on` SCO relationship (default true). */
  observables?: boolean;
}

/** The STIX `modified` of a record's objects (its version): never before `created`. */
export function stixModified(record: Pick<ExportIndicator, "addedAt" | "modifiedAt">): string {
  const created = stixTimestamp(record.addedAt);
  let modified = stixTimestamp(record.modifiedAt);
  // The lexical compare is exact for this fixed format.
  if (modified < created) modified = created;
  return modified;
}

function commonProperties(record: ExportIndicator, identityId: string): { [key: string]: JsonValue } {
  return {
    created: stixTimestamp(record.addedAt),
    modified: stixModified(record),
    created_by_ref: identityId,
  };
}

function extraProperties(record: ExportIndicator): { [key: string]: JsonValue } {
  const extra: { [key: string]: JsonValue } = {};
  const labels = record.tags.filter((tag) => tag.length > 0);
  if (record.context.malwareFamily !== undefined) labels.push(`malware:${record.context.malwareFamily}`);
  if (labels.length > 0) extra.labels = labels;
  if (record.context.reference !== undefined && /^https?:\/\//i.test(record.context.reference)) {
    extra.external_references = [{ source_name: "reference", url: record.context.reference }];
  }
  extra.object_marking_refs = [tlpMarkingIds[record.tlp]];
  if (record.sources.length > 0) extra.x_threatfusion_sources = record.sources;
  extra.x_threatfusion_score = Math.round(record.score);
  if (record.suppressedReason !== undefined) extra.x_threatfusion_suppressed_reason = record.suppressedReason;
  return extra;
}

function clampConfidence(confidence: number): number {
  return Math.min(100, Math.max(0, Math.round(confidence)));
}

/**
 * The STIX objects for one record: a `vulnerability` SDO for a CVE; otherwise an `indicator` with its
 * pattern, plus (by default) the SCO and a `based-on` relationship. Markings and identity are not
 * included: the bundle writer emits each of those once.
 */
export function stixObjectsFor(
  record: ExportIndicator,
  identityId: string,
  options: StixMappingOptions = {},
): StixObject[] {
  const common = commonProperties(record, identityId);
  if (record.type === "cve") {
    const cve = record.value.toUpperCase();
    return [
      {
        type: "vulnerability",
        spec_version: "2.1",
        id: stixVulnerabilityId(cve),
        ...common,
        name: cve,
        ...(record.context.description === undefined ? {} : { description: record.context.description }),
        confidence: clampConfidence(record.confidence),
        ...extraProperties(record),
        external_references: [
          { source_name: "cve", external_id: cve },
          ...(record.context.reference !== undefined && /^https?:\/\//i.test(record.context.reference)
            ? [{ source_name: "reference", url: record.context.reference }]
            : []),
        ],
      },
    ];
  }
  const pattern = stixPattern(record.type, record.value) ?? "";
  const validFrom = stixTimestamp(record.firstSeen);
  const indicatorId = stixIndicatorId(record, identityId);
  const indicator: StixObject = {
    type: "indicator",
    spec_version: "2.1",
    id: indicatorId,
    ...common,
    name: record.value,
    ...(record.context.description === undefined ? {} : { description: record.context.description }),
    indicator_types: indicatorTypes(record.context.threatType),
    pattern,
    pattern_type: "stix",
    pattern_version: "2.1",
    valid_from: validFrom,
    confidence: clampConfidence(record.confidence),
    ...extraProperties(record),
  };
  if (record.status === "revoked") indicator.revoked = true;
  if (record.status === "expired") {
    const lastSeen = stixTimestamp(record.lastSeen);
    if (lastSeen > validFrom) indicator.valid_until = lastSeen;
  }
  if (options.observables === false) return [indicator];
  const observable = stixObservable(record.type, record.value);
  if (observable === undefined) return [indicator];
  observable.object_marking_refs = [tlpMarkingIds[record.tlp]];
  const relationship: StixObject = {
    type: "relationship",
    spec_version: "2.1",
    id: `relationship--${uuidv5(threatfusionNamespace, `based-on/${indicatorId}/${observable.id}`)}`,
    ...common,
    relationship_type: "based-on",
    source_ref: indicatorId,
    target_ref: observable.id,
    object_marking_refs: [tlpMarkingIds[record.tlp]],
  };
  return [indicator, observable, relationship];
}

/** One-entry memo: consecutive records mostly share timestamps and threat types. */
function lastValueMemo(compute: (value: string) => string): (value: string) => string {
  let lastInput: string | undefined;
  let lastOutput = "";
  return (value) => {
    if (value !== lastInput) {
      lastOutput = compute(value);
      lastInput = value;
    }
    return lastOutput;
  };
}

const markingRefsJson = Object.fromEntries(
  Object.entries(tlpMarkingIds).map(([tlp, id]) => [tlp, `"object_marking_refs":[${JSON.stringify(id)}]`]),
) as Record<Tlp, string>;

/** The SCO's type and its ID contributing properties as JSON members (`"value":"…"`), as the id hashes them. */
function observableMembers(
  type: IndicatorType,
  value: string,
): { scoType: string; members: string } | undefined {
  switch (type) {
    case "ipv4":
      return { scoType: "ipv4-addr", members: `"value":${JSON.stringify(value)}` };
    case "ipv6":
      return { scoType: "ipv6-addr", members: `"value":${JSON.stringify(value)}` };
    case "cidr":
      return { scoType: ipScoType(value), members: `"value":${JSON.stringify(value)}` };
    case "domain":
      return { scoType: "domain-name", members: `"value":${JSON.stringify(value)}` };
    case "url":
      return { scoType: "url", members: `"value":${JSON.stringify(rfc3986Url(value))}` };
    case "email":
      return { scoType: "email-addr", members: `"value":${JSON.stringify(value)}` };
    case "md5":
    case "sha1":
    case "sha256":
    case "sha512":
      return { scoType: "file", members: `"hashes":{"${hashKeys[type]}":${JSON.stringify(value)}}` };
    case "asn":
      return { scoType: "autonomous-system", members: `"number":${asnNumber(value)}` };
    case "cve":
      return undefined;
  }
}

/**
 * A writer of the STIX objects for one record as JSON text, each preceded by a comma: byte for byte what
 * `JSON.stringify` gives for each object of `stixObjectsFor`, written from a template instead of building
 * objects (strings are escaped with `JSON.stringify` of the value alone). Ids the reader precomputed
 * (`record.stixIds`, from PostgreSQL) are used as they are; missing ones are derived here with `uuidv5For`
 * functions made once per writer (the SHA-1 state of each constant name start precomputed), the same ids
 * `stixObjectsFor` and every other channel derive. CVEs take the object path.
 *
 * @example const write = stixObjectsWriter(identity.id); const json = `[${write(record).slice(1)}]`;
 */
export function stixObjectsWriter(
  identityId: string,
  options: StixMappingOptions = {},
): (record: ExportIndicator) => string {
  const createdBy = `"created_by_ref":${JSON.stringify(identityId)}`;
  const withObservables = options.observables !== false;
  // One memo per field: a memo shared by fields that differ would miss every time.
  const createdTimestamp = lastValueMemo(stixTimestamp);
  const modifiedTimestamp = lastValueMemo(stixTimestamp);
  const validFromTimestamp = lastValueMemo(stixTimestamp);
  const typesJson = lastValueMemo((threatType) => JSON.stringify(indicatorTypes(threatType)));
  // The names `stixIndicatorId`, `stixObservable` and `stixObjectsFor` hash, split at their constant start.
  const indicatorUuid = uuidv5For(threatfusionNamespace, `${identityId}/`);
  const observableUuid = uuidv5For(stixNamespace, "{");
  const relationshipUuid = uuidv5For(threatfusionNamespace, "based-on/");
  return (record) => {
    if (record.type === "cve") {
      let out = "";
      for (const object of stixObjectsFor(record, identityId, options)) out += `,${JSON.stringify(object)}`;
      return out;
    }
    const created = createdTimestamp(record.addedAt);
    let modified = modifiedTimestamp(record.modifiedAt);
    if (modified < created) modified = created;
    const common = `"created":"${created}","modified":"${modified}",${createdBy}`;
    const markings = markingRefsJson[record.tlp];
    const indicatorId = record.stixIds?.indicator ?? `indicator--${indicatorUuid(record.id)}`;
    const context = record.context;
    let indicator = `,{"type":"indicator","spec_version":"2.1","id":"${indicatorId}",${common},"name":${JSON.stringify(record.value)}`;
    if (context.description !== undefined)
      indicator += `,"description":${JSON.stringify(context.description)}`;
    const validFrom = validFromTimestamp(record.firstSeen);
    indicator += `,"indicator_types":${typesJson(context.threatType ?? "")},"pattern":${JSON.stringify(
      stixPattern(record.type, record.value) ?? "",
    )},"pattern_type":"stix","pattern_version":"2.1","valid_from":"${validFrom}","confidence":${clampConfidence(
      record.confidence,
    )}`;
    let labels = "";
    for (const tag of record.tags) if (tag.length > 0) labels += `,${JSON.stringify(tag)}`;
    if (context.malwareFamily !== undefined)
      labels += `,${JSON.stringify(`malware:${context.malwareFamily}`)}`;
    if (labels.length > 0) indicator += `,"labels":[${labels.slice(1)}]`;
    if (context.reference !== undefined && /^https?:\/\//i.test(context.reference)) {
      indicator += `,"external_references":[{"source_name":"reference","url":${JSON.stringify(context.reference)}}]`;
    }
    indicator += `,${markings}`;
    if (record.sources.length > 0) indicator += `,"x_threatfusion_sources":${JSON.stringify(record.sources)}`;
    indicator += `,"x_threatfusion_score":${Math.round(record.score)}`;
    if (record.suppressedReason !== undefined)
      indicator += `,"x_threatfusion_suppressed_reason":"${record.suppressedReason}"`;
    if (record.status === "revoked") indicator += `,"revoked":true`;
    if (record.status === "expired") {
      const lastSeen = stixTimestamp(record.lastSeen);
      if (lastSeen > validFrom) indicator += `,"valid_until":"${lastSeen}"`;
    }
    indicator += "}";
    if (!withObservables) return indicator;
    const observable = observableMembers(record.type, record.value);
    if (observable === undefined) return indicator;
    const observableId =
      record.stixIds?.observable ?? `${observable.scoType}--${observableUuid(`${observable.members}}`)}`;
    const relationshipId =
      record.stixIds?.relationship ?? `relationship--${relationshipUuid(`${indicatorId}/${observableId}`)}`;
    return `${indicator},{"type":"${observable.scoType}","spec_version":"2.1","id":"${observableId}",${observable.members},${markings}},{"type":"relationship","spec_version":"2.1","id":"${relationshipId}",${common},"relationship_type":"based-on","source_ref":"${indicatorId}","target_ref":"${observableId}",${markings}}`;
  };
}

export interface StixBundleOptions extends OverlayOptions, StixMappingOptions {
  producer: Producer;
  /** Bundle id; a random UUIDv4 by default (a bundle is a transient wrapper). */
  bundleId?: string;
}

/** Pieces are gathered up to about this many UTF-16 units before they go to the byte stream. */
const bundlePieceTarget = 256 * 1024;

async function* bundlePieces(records: ExportSource, options: StixBundleOptions): AsyncGenerator<string> {
  const identity = producerIdentity(options.producer);
  const bundleId = options.bundleId ?? `bundle--${uuidv4()}`;
  const writer = stixObjectsWriter(identity.id, options);
  let piece = `{"type":"bundle","id":${JSON.stringify(bundleId)},"objects":[${JSON.stringify(identity)}`;
  const markingsWritten = new Set<Tlp>();
  const includeSuppressed = options.includeSuppressed === true;
  for await (const item of records) {
    // A batch (a page of a database read) costs one async step instead of one per record.
    const batch: readonly ExportIndicator[] = isRecordBatch(item) ? item : [item];
    for (const record of batch) {
      const reason = record.suppressedReason;
      if (reason !== undefined && !includeSuppressed) {
        options.onSuppressed?.(record, reason);
        continue;
      }
      if (!markingsWritten.has(record.tlp)) {
        markingsWritten.add(record.tlp);
        piece += `,${JSON.stringify(tlpMarkingDefinition(record.tlp))}`;
      }
      piece += writer(record);
      if (piece.length >= bundlePieceTarget) {
        yield piece;
        piece = "";
      }
    }
  }
  yield `${piece}]}`;
}

/**
 * Streams a STIX 2.1 bundle: `{"type":"bundle","id":…,"objects":[identity, …]}` written object by
 * object, so memory stays flat whatever the number of records. Each TLP marking-definition used is
 * written once, before the first object that refers to it; the producer identity comes first.
 *
 * @example return new Response(stixBundleStream(rows, { producer: { name: "Acme MSSP" } }), { headers: { "content-type": stixMediaType } })
 */
export function stixBundleStream(
  records: ExportSource,
  options: StixBundleOptions,
): ReadableStream<Uint8Array> {
  return textToByteStream(bundlePieces(records, options));
}
