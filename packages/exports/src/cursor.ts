import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";

/** A position in a time-ordered listing: the timestamp of the last row seen and its id as tie-breaker. */
export interface Cursor {
  /** RFC 3339 UTC timestamp. */
  at: string;
  id: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Encodes a cursor as an opaque base64url token (`<epoch ms>.<id>` inside), used for TAXII `next`
 * and for blocklist `since`. Clients must treat it as opaque; we may change the inside freely.
 *
 * @example encodeCursor({ at: "2025-01-01T00:00:00.000Z", id: "ind_01…" }) // "MTczNTY4OTYwMDAwMC5pbmRfMDHigKY"
 */
export function encodeCursor(cursor: Cursor): string {
  const ms = Date.parse(cursor.at);
  if (Number.isNaN(ms)) throw new RangeError(`cursor timestamp is not a date: ${cursor.at}`);
  return encodeBase64urlNoPadding(encoder.encode(`${ms}.${cursor.id}`));
}

/** Decodes a token made by `encodeCursor`; undefined when it is not one (never throws). */
export function decodeCursor(token: string): Cursor | undefined {
  if (token.length === 0 || token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  let text: string;
  try {
    text = decoder.decode(decodeBase64urlIgnorePadding(token));
  } catch {
    return undefined;
  }
  const match = /^(\d{1,15})\.(.+)$/s.exec(text);
  if (match === null) return undefined;
  const [, ms, id] = match;
  if (ms === undefined || id === undefined) return undefined;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return undefined;
  return { at: date.toISOString(), id };
}
