import { sha1 } from "@noble/hashes/legacy.js";

/** The STIX 2.1 namespace for deterministic SCO ids (STIX 2.1 section 2.9). */
export const stixNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7";

const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const encoder = new TextEncoder();

function namespaceBytes(namespace: string): Uint8Array {
  const digits = namespace.replaceAll("-", "");
  if (!/^[0-9a-fA-F]{32}$/.test(digits)) throw new TypeError(`not a UUID: ${namespace}`);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * A UUIDv5 function for one namespace and a constant start of the name: `uuidv5For(ns, prefix)(rest)` equals
 * `uuidv5(ns, prefix + rest)`. The SHA-1 state after namespace + prefix is hashed once and cloned for each
 * name (`@noble/hashes`' `clone()`), so a short name costs one or two compressions instead of hashing the
 * namespace again: it matters at three ids per exported indicator (docs/BENCHMARKS.md, exports).
 *
 * @example const scoId = uuidv5For(stixNamespace); scoId('{"value":"198.51.100.3"}') // "28bb3599-77cd-5a82-a950-b5bc3caf07c4"
 */
export function uuidv5For(namespace: string, prefix = ""): (rest: string) => string {
  const head = sha1.create().update(namespaceBytes(namespace)).update(encoder.encode(prefix));
  return (rest) => formatUuidV5(head.clone().update(encoder.encode(rest)).digest());
}

/** Formats the first 16 bytes of a SHA-1 digest as an RFC 4122 version-5 UUID. */
export function formatUuidV5(digest: Uint8Array): string {
  let out = "";
  for (let i = 0; i < 16; i++) {
    let byte = digest[i] ?? 0;
    if (i === 6) byte = (byte & 0x0f) | 0x50;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    out += hex[byte];
    if (i === 3 || i === 5 || i === 7 || i === 9) out += "-";
  }
  return out;
}

const byNamespace = new Map<string, (name: string) => string>();

/**
 * RFC 4122 UUIDv5 (SHA-1, name-based), synchronous, through `uuidv5For` (one cached function per namespace).
 * For many names under one namespace and a constant start, call `uuidv5For` with that start instead.
 *
 * @example uuidv5(stixNamespace, '{"value":"198.51.100.3"}') // "28bb3599-77cd-5a82-a950-b5bc3caf07c4"
 */
export function uuidv5(namespace: string, name: string): string {
  let derive = byNamespace.get(namespace);
  if (derive === undefined) {
    derive = uuidv5For(namespace);
    byNamespace.set(namespace, derive);
  }
  return derive(name);
}

/** The same UUIDv5 through Web Crypto (`crypto.subtle.digest`), for callers that prefer the platform hash. */
export async function uuidv5Async(namespace: string, name: string): Promise<string> {
  const nameBytes = encoder.encode(name);
  const input = new Uint8Array(16 + nameBytes.length);
  input.set(namespaceBytes(namespace), 0);
  input.set(nameBytes, 16);
  const digest = await crypto.subtle.digest("SHA-1", input);
  return formatUuidV5(new Uint8Array(digest));
}

/** A random RFC 4122 version-4 UUID. */
export function uuidv4(): string {
  return crypto.randomUUID();
}
