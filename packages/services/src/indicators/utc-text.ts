/**
 * A `timestamptz::text` value in UTC (`2025-03-01 10:00:00.1234+00`, fraction optional and trimmed) as an
 * RFC 3339 timestamp with milliseconds (`2025-03-01T10:00:00.123Z`), truncated as `Date#toISOString` would.
 * Falls back to `Date` for anything else (another time zone, years past 9999). Parsing the text with `Date`
 * costs ~2 µs per value, which adds up over a 1,000-row page of five timestamps each.
 */
export function utcTextToIso(text: string): string {
  if (text.length >= 22 && text.charCodeAt(10) === 32 && text.endsWith("+00")) {
    const fraction = text.charCodeAt(19) === 46 ? text.slice(20, -3) : "";
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction.padEnd(3, "0").slice(0, 3)}Z`;
  }
  return new Date(text).toISOString();
}
