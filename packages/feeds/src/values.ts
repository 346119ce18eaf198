import { canonicalize, detectIndicator, type IndicatorType } from "@threatfusion/ioc";
import type { ValueType } from "./options.ts";

export type ValueResult =
  | { ok: true; type: IndicatorType; value: string; port?: number }
  | { ok: false; reason: string };

const ipv4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const bracketedIpv6WithPort = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/;

/** Strips whitespace and one level of stray surrounding quotes (ThreatFox/pandas re-quoting). */
export function cleanCell(raw: string): string {
  let value = raw.trim();
  while (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).trim();
  return value;
}

/**
 * Canonicalizes one raw value through the IOC engine. `auto` sniffs the type, `ip:port` splits a port off
 * (`192.0.2.1:443`, `[2001:db8::1]:443`) into `port`.
 */
export function canonicalValue(type: ValueType, raw: string): ValueResult {
  const value = cleanCell(raw);
  if (value.length === 0) return { ok: false, reason: "empty value" };
  if (type === "ip:port") {
    const match = ipv4WithPort.exec(value) ?? bracketedIpv6WithPort.exec(value);
    if (!match?.[1] || !match[2]) {
      const plain = detectIndicator(value);
      return plain.ok ? plain : { ok: false, reason: plain.reason };
    }
    const port = Number(match[2]);
    const host = detectIndicator(match[1]);
    if (!host.ok) return host;
    return port >= 0 && port <= 65535 ? { ...host, port } : { ...host };
  }
  let result = type === "auto" ? detectIndicator(value) : canonicalize(type, value);
  // Zeek intel and many blocklists list URLs without a scheme (`example.com/path`).
  if (!result.ok && type === "url" && !value.includes("://")) result = canonicalize("url", `http://${value}`);
  return result.ok ? { ok: true, type: result.type, value: result.value } : result;
}

const digitsOnly = /^\d{9,13}$/;
const spacedDateTime = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?:\s*(UTC|GMT|Z))?$/i;
const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Normalizes the date forms feeds use to ISO 8601 UTC: `2021-01-17 07:30:05`, `… UTC`, `2025-08-25`,
 * unix seconds or milliseconds, and full ISO strings. Unknown forms give undefined (the row is kept).
 */
export function toIsoDate(raw: unknown): string | undefined {
  // Feeds repeat the same timestamp over many rows (one export run): remember the last answer.
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (raw === lastDate.raw) return lastDate.iso;
  const iso = computeIsoDate(raw);
  lastDate = { raw, iso };
  return iso;
}

let lastDate: { raw: unknown; iso: string | undefined } = { raw: undefined, iso: undefined };

function computeIsoDate(raw: unknown): string | undefined {
  let millis: number;
  if (typeof raw === "number") {
    millis = raw < 1e11 ? raw * 1000 : raw;
  } else if (typeof raw === "string") {
    const text = raw.trim();
    if (text.length === 0 || text.length > 64) return undefined;
    const spaced = spacedDateTime.exec(text);
    if (digitsOnly.test(text)) {
      const number = Number(text);
      millis = number < 1e11 ? number * 1000 : number;
    } else if (spaced) {
      millis = Date.parse(`${spaced[1]}T${spaced[2]}Z`);
    } else if (dateOnly.test(text)) {
      millis = Date.parse(`${text}T00:00:00Z`);
    } else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(text)) {
      // ISO without a zone (OTX `created`): feeds mean UTC.
      millis = Date.parse(`${text}Z`);
    } else {
      millis = Date.parse(text);
    }
  } else {
    return undefined;
  }
  if (!Number.isFinite(millis)) return undefined;
  const date = new Date(millis);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

const emptyTags = new Set(["", "none", "null", "n/a", "-"]);

/** Normalizes tags: trims, drops a leading `#`, removes placeholders (`None`), dedupes, caps size. */
export function normalizeTags(values: Iterable<unknown>): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (typeof value !== "string") continue;
    const tag = value.trim().replace(/^#/, "").slice(0, 100);
    if (emptyTags.has(tag.toLowerCase())) continue;
    out.add(tag);
    if (out.size >= 50) break;
  }
  return [...out];
}

/** Splits a tag cell (`c2,CobaltStrike`, `#phishing #scam`) into tags. */
export function splitTags(raw: string, separator?: string): string[] {
  const parts = separator ? raw.split(separator) : raw.split(/[,;\s]+/);
  return normalizeTags(parts);
}

/** A confidence in 0–100, or undefined. */
export function toConfidence(raw: unknown): number | undefined {
  const number =
    typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  if (!Number.isFinite(number)) return undefined;
  return Math.max(0, Math.min(100, Math.round(number)));
}

/** Cuts a raw row for a rejection report. */
export function truncateRaw(raw: string, max = 200): string {
  return raw.length > max ? `${raw.slice(0, max)}…` : raw;
}

/** A short string of a JSON value for rejection reports, without serializing huge objects fully. */
export function previewJson(value: unknown): string {
  try {
    return truncateRaw(JSON.stringify(value) ?? String(value));
  } catch {
    return "[unserializable]";
  }
}
