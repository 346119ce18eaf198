import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { AppError } from "@threatfusion/core";

/**
 * A keyset position: the sort timestamp of the last row seen, exactly as PostgreSQL stores it (microseconds;
 * a JS Date would round it to milliseconds and then repeat or skip rows), and the row id as tie-breaker.
 */
export interface KeysetCursor {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  at: string;
  id: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const atPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const idPattern = /^[a-z]{3}_[0-9a-z]{26}$/;

/** Opaque base64url token for a cursor (clients must not look inside; we may change it freely). */
export function encodeKeysetCursor(cursor: KeysetCursor): string {
  return encodeBase64urlNoPadding(encoder.encode(`${cursor.at}|${cursor.id}`));
}

/** Decodes a token from `encodeKeysetCursor`; undefined when it is not one (never throws). */
export function decodeKeysetCursor(token: string): KeysetCursor | undefined {
  if (token.length === 0 || token.length > 256 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  let text: string;
  try {
    text = decoder.decode(decodeBase64urlIgnorePadding(token));
  } catch {
    return undefined;
  }
  const [at, id, extra] = text.split("|");
  if (at === undefined || id === undefined || extra !== undefined) return undefined;
  if (!atPattern.test(at) || Number.isNaN(Date.parse(at)) || !idPattern.test(id)) return undefined;
  return { at, id };
}

/** `decodeKeysetCursor` for request input: a malformed token is the client's error (400), not ours. */
export function parseCursorParameter(
  token: string | undefined,
  parameter = "cursor",
): KeysetCursor | undefined {
  if (token === undefined || token === "") return undefined;
  const cursor = decodeKeysetCursor(token);
  if (cursor === undefined) {
    throw new AppError("VALIDATION_FAILED", `${parameter}: is not a cursor this server issued`, {
      details: [{ path: parameter, message: "is not a cursor this server issued" }],
    });
  }
  return cursor;
}
