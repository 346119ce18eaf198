import type { IndicatorContext, ParseEvent } from "./types.ts";
import { canonicalValue, previewJson } from "./values.ts";

type Json = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * One line of Spamhaus DROP/ASN-DROP JSON (NDJSON): `{cidr, sblid, rir}`, `{asn, rir, domain, cc, asname}`,
 * or the closing `{type: "metadata", …}` record, reported as `meta` events.
 */
export function spamhausRecordEvents(record: unknown, unit: number): ParseEvent[] {
  if (record === null || typeof record !== "object") {
    return [
      {
        kind: "rejected",
        row: { line: unit, reason: "Spamhaus record is not an object", raw: previewJson(record) },
      },
    ];
  }
  const entry = record as Json;
  if (entry.type === "metadata") {
    return Object.entries(entry)
      .filter((pair): pair is [string, string | number | boolean] =>
        ["string", "number", "boolean"].includes(typeof pair[1]),
      )
      .filter(([key]) => key !== "type")
      .map(([key, value]) => ({ kind: "meta", key, value }));
  }
  const isAsn = entry.asn !== undefined;
  const raw = isAsn ? `AS${String(entry.asn).replace(/^AS/i, "")}` : (str(entry.cidr) ?? "");
  const result = canonicalValue(isAsn ? "asn" : "cidr", raw);
  if (!result.ok)
    return [{ kind: "rejected", row: { line: unit, reason: result.reason, raw: previewJson(record) } }];
  const context: IndicatorContext = {};
  const sblid = str(entry.sblid);
  if (sblid) {
    context.sourceId = sblid;
  }
  const extra: Record<string, string> = {};
  for (const key of ["rir", "domain", "cc", "asname"]) {
    const value = str(entry[key]);
    if (value) extra[key] = value;
  }
  if (Object.keys(extra).length > 0) context.extra = extra;
  return [
    {
      kind: "indicator",
      indicator: {
        type: result.type,
        value: result.value,
        tags: [isAsn ? "spamhaus-asn-drop" : "spamhaus-drop"],
        context,
        line: unit,
      },
    },
  ];
}
