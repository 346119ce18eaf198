import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  auditEntryHash,
  auditGenesisHash,
  type ChainedAuditEntry,
  canonicalJson,
  chainAuditEntry,
  type JsonObject,
  type JsonValue,
  verifyAuditChain,
} from "./audit-chain.ts";

async function buildChain(entries: JsonObject[]): Promise<ChainedAuditEntry[]> {
  const rows: ChainedAuditEntry[] = [];
  for (const entry of entries) rows.push(await chainAuditEntry(rows.at(-1) ?? null, entry));
  return rows;
}

const entryArbitrary = fc.record({
  tenantId: fc.constantFrom("tnt_a", "tnt_b"),
  sequence: fc.nat(),
  occurredAt: fc.integer({ min: 0, max: 4e12 }).map((ms) => new Date(ms).toISOString()),
  actor: fc.string({ maxLength: 12 }),
  action: fc.constantFrom("user.invite", "token.create", "token.revoke", "role.grant"),
  details: fc.dictionary(
    fc.string({ maxLength: 6 }),
    fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()),
  ),
}) as fc.Arbitrary<JsonObject>;

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[true,null]},"b":1}',
    );
  });

  it("is independent of key insertion order (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue() as fc.Arbitrary<JsonValue>), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
        expect(JSON.parse(canonicalJson(object))).toEqual(JSON.parse(JSON.stringify(object)));
      }),
    );
  });

  it("refuses values JSON cannot carry exactly", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ u: undefined } as unknown as JsonObject)).toThrow(TypeError);
  });
});

describe("audit hash chain", () => {
  it("starts at the genesis hash and links each row to the previous one", async () => {
    const rows = await buildChain([{ action: "a" }, { action: "b" }]);
    expect(rows[0]?.previousHash).toBe(auditGenesisHash);
    expect(rows[1]?.previousHash).toBe(rows[0]?.hash);
    expect(rows[1]?.hash).toBe(await auditEntryHash(rows[0]?.hash ?? "", { action: "b" }));
    expect(await verifyAuditChain(rows)).toEqual({ ok: true, headHash: rows[1]?.hash, length: 2 });
    expect(await verifyAuditChain([])).toEqual({ ok: true, headHash: auditGenesisHash, length: 0 });
  });

  it("detects any single-field tamper, at the tampered row (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArbitrary, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.constantFrom("entryField", "previousHash", "hash"),
        fc.string({ minLength: 1, maxLength: 5 }),
        async (entries, pick, part, junk) => {
          const rows = await buildChain(entries);
          const index = pick % rows.length;
          const row = rows[index];
          if (row === undefined) return;
          const tampered = [...rows];
          if (part === "entryField") {
            const keys = Object.keys(row.entry);
            const key = keys[pick % keys.length] ?? "action";
            const original = canonicalJson(row.entry[key] ?? null);
            const replacement: JsonValue = original === JSON.stringify(junk) ? `${junk}!` : junk;
            tampered[index] = { ...row, entry: { ...row.entry, [key]: replacement } };
          } else {
            tampered[index] = { ...row, [part]: row[part].replace(/^./, (c) => (c === "f" ? "e" : "f")) };
          }
          const verdict = await verifyAuditChain(tampered);
          expect(verdict.ok).toBe(false);
          expect(!verdict.ok && verdict.brokenAt).toBe(index);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("detects removed, reordered and truncated rows", async () => {
    const rows = await buildChain([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const [first, second, third] = rows;
    if (!first || !second || !third) throw new Error("chain not built");
    expect(await verifyAuditChain([first, third])).toMatchObject({
      ok: false,
      brokenAt: 1,
      reason: "previous_hash_mismatch",
    });
    expect(await verifyAuditChain([second, first, third])).toMatchObject({ ok: false, brokenAt: 0 });
    expect(await verifyAuditChain([first, second], { expectedHeadHash: third.hash })).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: "head_mismatch",
    });
  });

  it("verifies a segment from a trusted checkpoint", async () => {
    const rows = await buildChain([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await verifyAuditChain(rows.slice(1), { startHash: rows[0]?.hash ?? "" })).toMatchObject({
      ok: true,
      length: 2,
    });
    expect(await verifyAuditChain(rows.slice(1))).toMatchObject({ ok: false, brokenAt: 0 });
  });
});
