import { afterEach, describe, expect, it, vi } from "vitest";
import { isId, newId, newIds, newSortedIds } from "./ids.ts";

describe("newId", () => {
  it("prefixes the id with its kind", () => {
    expect(newId("indicator")).toMatch(/^ind_[0-9a-z]{26}$/);
    expect(isId("indicator", newId("indicator"))).toBe(true);
    expect(isId("tenant", newId("indicator"))).toBe(false);
  });

  it("sorts by creation time as a plain string", () => {
    const earlier = newId("tenant", Date.UTC(2025, 0, 1));
    const later = newId("tenant", Date.UTC(2025, 0, 1) + 1);
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });

  it("does not repeat within the same millisecond", () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => newId("user", now)));
    expect(ids.size).toBe(10_000);
  });
});

describe("newIds", () => {
  it("makes distinct ids of the same kind and layout as newId, sorting after earlier ones", () => {
    const earlier = newId("indicator", Date.UTC(2025, 0, 1));
    const ids = newIds("indicator", 20_000, Date.UTC(2025, 0, 1) + 1);
    expect(ids).toHaveLength(20_000);
    expect(new Set(ids).size).toBe(20_000);
    expect(ids.every((id) => isId("indicator", id) && id > earlier)).toBe(true);
  });

  it("carries the time in the first 48 bits of every id, as newId does, whatever its last bits", () => {
    const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    // The body is 128 bits plus two zero bits of padding; the time is its first 48 bits.
    const timeOf = (id: string) => {
      let bits = 0n;
      for (const character of id.slice(4)) bits = (bits << 5n) | BigInt(alphabet.indexOf(character));
      return Number(bits >> 82n);
    };
    for (const now of [0, 1, 5, 7, 8, Date.UTC(2026, 10, 26, 7, 30) + 3, 2 ** 48 - 1]) {
      expect(timeOf(newId("observation", now))).toBe(now);
      expect(
        newIds("observation", 50, now).every((id) => timeOf(id) === now && isId("observation", id)),
      ).toBe(true);
    }
  });
});

describe("newSortedIds", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("makes ids as newIds does, in ascending order as plain strings", () => {
    const now = Date.UTC(2026, 10, 27, 1, 2, 3) + 5;
    for (const count of [0, 1, 2, 5_000, 20_000]) {
      const ids = newSortedIds("indicator", count, now);
      expect(ids).toHaveLength(count);
      expect(new Set(ids).size).toBe(count);
      expect(
        ids.every((id) => isId("indicator", id) && id.slice(0, 13) === newId("indicator", now).slice(0, 13)),
      ).toBe(true);
      expect(ids).toEqual([...ids].sort());
    }
  });

  it("encodes the same random bits as newIds, only ordered", () => {
    // Both draw their random bytes from getRandomValues: the same bytes give the same set of ids.
    const bytes = crypto.getRandomValues(new Uint8Array(3_000 * 10));
    const fill = (target: Uint8Array, offset: number) => {
      target.set(bytes.subarray(offset, offset + target.length));
      return target;
    };
    let offset = 0;
    vi.spyOn(crypto, "getRandomValues").mockImplementation(
      <T extends ArrayBufferView | null>(target: T): T => {
        const view = target as unknown as Uint8Array;
        fill(view, offset);
        offset += view.length;
        return target;
      },
    );
    const now = Date.UTC(2026, 0, 1) + 7;
    const plain = newIds("observation", 3_000, now);
    offset = 0;
    const sorted = newSortedIds("observation", 3_000, now);
    expect(sorted).toEqual([...plain].sort());
  });

  it("orders ids whose leading random bytes are equal by all their bytes", () => {
    // Every id shares its first six random bytes (the numbers sorted first): only the last four decide.
    vi.spyOn(crypto, "getRandomValues").mockImplementation(
      <T extends ArrayBufferView | null>(target: T): T => {
        const view = target as unknown as Uint8Array;
        for (let i = 0; i < view.length; i++) view[i] = i % 10 < 6 ? 0x5a : (i * 7919 + (i >> 3) * 31) & 255;
        return target;
      },
    );
    const ids = newSortedIds("indicator", 500, Date.UTC(2026, 0, 1));
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBeGreaterThan(1);
  });
});
