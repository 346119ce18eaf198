import { describe, expect, it } from "vitest";
import { isId, newId, newIds } from "./ids.ts";

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
