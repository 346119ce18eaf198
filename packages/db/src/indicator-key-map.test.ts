import { describe, expect, it } from "vitest";
import { ByIndicatorKey } from "./indicator-key-map.ts";

describe("a map over (type, value)", () => {
  it("keeps one value under two types apart and adds each key once", () => {
    const map = new ByIndicatorKey<string>();
    expect(map.add("domain", "x.example", "first")).toBe(true);
    expect(map.add("url", "x.example", "second")).toBe(true);
    expect(map.add("domain", "x.example", "again")).toBe(false);
    expect(map.get("domain", "x.example")).toBe("first");
    expect(map.get("url", "x.example")).toBe("second");
    expect(map.get("email", "x.example")).toBeUndefined();
    expect(map.get("domain", "y.example")).toBeUndefined();
  });
});
