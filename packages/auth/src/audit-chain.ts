/**
 * Hash chain for the per-tenant, append-only audit log. Each row stores `hash = SHA-256(canonical JSON of
 * { previousHash, entry })`, so changing, removing or reordering any earlier row breaks every later hash.
 * Truncating the newest rows cannot be seen from the rows alone: keep the latest hash elsewhere (tenant row,
 * exported checkpoint) and pass it as `expectedHeadHash`.
 */
import { sha256Hex } from "./secrets.ts";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** `previousHash` of a tenant's first entry. */
export const auditGenesisHash = "0".repeat(64);

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace: the same value always gives the
 * same bytes, whatever order the keys were built in. Matches RFC 8785 (JCS) for the values we store.
 * Throws on values JSON cannot represent exactly (undefined, NaN, Infinity, functions, …).
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("audit entries cannot hold NaN or Infinity");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    const members = keys.map((key) => {
      const member = value[key];
      if (member === undefined) throw new TypeError(`audit entry field ${key} is undefined`);
      return `${JSON.stringify(key)}:${canonicalJson(member)}`;
    });
    return `{${members.join(",")}}`;
  }
  throw new TypeError(`audit entries cannot hold a ${typeof value}`);
}

/** The hash of an entry chained after `previousHash` (lowercase hex SHA-256). */
export function auditEntryHash(previousHash: string, entry: JsonObject): Promise<string> {
  return sha256Hex(canonicalJson({ previousHash, entry }));
}

export interface ChainedAuditEntry<Entry extends JsonObject = JsonObject> {
  entry: Entry;
  previousHash: string;
  hash: string;
}

/** The row to append after `previous` (null for the tenant's first entry). */
export async function chainAuditEntry<Entry extends JsonObject>(
  previous: { hash: string } | null,
  entry: Entry,
): Promise<ChainedAuditEntry<Entry>> {
  const previousHash = previous?.hash ?? auditGenesisHash;
  return { entry, previousHash, hash: await auditEntryHash(previousHash, entry) };
}

export type AuditChainVerdict =
  | { ok: true; headHash: string; length: number }
  | {
      ok: false;
      brokenAt: number;
      reason: "previous_hash_mismatch" | "hash_mismatch" | "head_mismatch" | "unhashable_entry";
    };

/**
 * Proves a chain: each row must point at the hash of the row before it (the first at `startHash`, by
 * default the genesis hash) and carry the hash of its own content. Give `startHash` to verify a segment that
 * starts after a trusted checkpoint; give `expectedHeadHash` to also detect removed newest rows.
 */
export async function verifyAuditChain(
  rows: readonly ChainedAuditEntry[],
  options: { startHash?: string; expectedHeadHash?: string } = {},
): Promise<AuditChainVerdict> {
  let previousHash = options.startHash ?? auditGenesisHash;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index];
    if (row === undefined) continue;
    if (row.previousHash !== previousHash)
      return { ok: false, brokenAt: index, reason: "previous_hash_mismatch" };
    let hash: string;
    try {
      hash = await auditEntryHash(row.previousHash, row.entry);
    } catch {
      return { ok: false, brokenAt: index, reason: "unhashable_entry" };
    }
    if (hash !== row.hash) return { ok: false, brokenAt: index, reason: "hash_mismatch" };
    previousHash = row.hash;
  }
  if (options.expectedHeadHash !== undefined && options.expectedHeadHash !== previousHash) {
    return { ok: false, brokenAt: rows.length, reason: "head_mismatch" };
  }
  return { ok: true, headHash: previousHash, length: rows.length };
}
