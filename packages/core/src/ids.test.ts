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
});
