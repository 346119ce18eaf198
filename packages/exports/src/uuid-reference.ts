import { sha1 } from "@noble/hashes/legacy.js";
import { formatUuidV5 } from "./uuid.ts";

/**
 * UUIDv5 through one whole general-purpose SHA-1 per name (@noble/hashes): the reference tests hold the
 * cloned-state `uuidv5For` and the exported STIX ids against. For tests only.
 */
export function referenceUuidv5(namespace: string, name: string): string {
  const digits = namespace.replaceAll("-", "");
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(16 + nameBytes.length);
  for (let i = 0; i < 16; i++) input[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  input.set(nameBytes, 16);
  return formatUuidV5(sha1(input));
}
