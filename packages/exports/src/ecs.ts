import { applyOverlay } from "./overlay.ts";
import { textToByteStream } from "./stream.ts";
import type { ExportIndicator, ExportSource, OverlayOptions, Tlp } from "./types.ts";

/** ECS `threat.indicator.confidence` takes words, not numbers. */
export function ecsConfidence(confidence: number): "None" | "Low" | "Medium" | "High" {
  if (confidence >= 70) return "High";
  if (confidence >= 40) return "Medium";
  if (confidence > 0) return "Low";
  return "None";
}

const ecsTlp: Record<Tlp, string> = {
  clear: "CLEAR",
  green: "GREEN",
  amber: "AMBER",
  "amber+strict": "AMBER+STRICT",
  red: "RED",
};

type JsonObject = { [key: string]: unknown };

/** The type-specific part of `threat.indicator` (ECS 8.x field set). */
function indicatorFields(record: ExportIndicator): JsonObject {
  switch (record.type) {
    case "ipv4":
      return { type: "ipv4-addr", ip: record.value };
    case "ipv6":
      return { type: "ipv6-addr", ip: record.value };
    case "cidr":
      // ECS `ip` is an Elasticsearch `ip` field, which rejects a CIDR; the network goes in description
      // and in `threatfusion.indicator.value` so that a range query or ingest pipeline can use it.
      return { type: record.value.includes(":") ? "ipv6-addr" : "ipv4-addr", description: record.value };
    case "domain":
      return { type: "domain-name", url: { domain: record.value } };
    case "url":
      return { type: "url", url: { full: record.value, original: record.value } };
    case "email":
      return { type: "email-addr", email: { address: record.value } };
    case "md5":
    case "sha1":
    case "sha256":
    case "sha512":
      return { type: "file", file: { hash: { [record.type]: record.value } } };
    case "asn":
      return { type: "autonomous-system", as: { number: Number(record.value.replace(/^AS/i, "")) } };
    case "cve":
      // ECS has no vulnerability indicator type; the CVE goes in `vulnerability.id` instead.
      return {};
  }
}

export interface EcsOptions extends OverlayOptions {
  /** `threat.indicator.provider` and `threat.feed.name`: the producing MSSP brand. */
  provider: string;
}

/** One ECS document for a record (`event.kind: enrichment`, `threat.indicator.*`). */
export function ecsDocument(record: ExportIndicator, options: EcsOptions): JsonObject {
  const indicator: JsonObject = {
    ...indicatorFields(record),
    first_seen: record.firstSeen,
    last_seen: record.lastSeen,
    modified_at: record.modifiedAt,
    confidence: ecsConfidence(record.confidence),
    marking: { tlp: ecsTlp[record.tlp] },
    provider: options.provider,
  };
  if (record.context.description !== undefined && indicator.description === undefined) {
    indicator.description = record.context.description;
  }
  if (record.context.reference !== undefined) indicator.reference = record.context.reference;
  const document: JsonObject = {
    "@timestamp": record.modifiedAt,
    event: { kind: "enrichment", category: ["threat"], type: ["indicator"], risk_score: record.score },
    threat: {
      indicator,
      feed: { name: options.provider },
      ...(record.context.malwareFamily === undefined
        ? {}
        : { software: { name: record.context.malwareFamily } }),
    },
    threatfusion: {
      indicator: {
        id: record.id,
        type: record.type,
        value: record.value,
        score: record.score,
        sources: record.sources,
        ...(record.suppressedReason === undefined ? {} : { suppressed_reason: record.suppressedReason }),
      },
    },
  };
  if (record.type === "cve") document.vulnerability = { id: record.value.toUpperCase() };
  if (record.tags.length > 0) document.tags = record.tags;
  return document;
}

async function* ecsLines(records: ExportSource, options: EcsOptions): AsyncGenerator<string> {
  for await (const record of applyOverlay(records, options))
    yield `${JSON.stringify(ecsDocument(record, options))}\n`;
}

/** Streams NDJSON, one ECS threat-indicator document per line (for Filebeat/Elastic Agent or `_bulk`). */
export function ecsNdjsonStream(records: ExportSource, options: EcsOptions): ReadableStream<Uint8Array> {
  return textToByteStream(ecsLines(records, options));
}
