export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation: no whitespace, object members sorted by
 * UTF-16 code units, ECMAScript number and string forms (which `JSON.stringify` already follows).
 * STIX 2.1 uses it for the name input of deterministic SCO ids.
 *
 * @example canonicalJson({ b: 1, a: "x" }) // '{"a":"x","b":1}'
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new RangeError("RFC 8785 cannot represent NaN or Infinity");
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  // Default sort compares UTF-16 code units, which is what RFC 8785 section 3.2.3 asks for.
  const keys = Object.keys(value).sort();
  const members: string[] = [];
  for (const key of keys) {
    const member = value[key];
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(",")}}`;
}
