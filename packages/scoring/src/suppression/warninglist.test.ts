import { describe, expect, it } from "vitest";
import { fixtureList } from "../test-support/warninglists.ts";
import { defaultListEffect, parseWarninglist, typeBit, warninglistTypeMask } from "./warninglist.ts";

describe("parseWarninglist", () => {
  it("accepts a real list and rejects a malformed one with every error", () => {
    expect(fixtureList("rfc1918").type).toBe("cidr");
    const bad = parseWarninglist({ name: 1, type: "glob", list: [1] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors).toHaveLength(5);
  });
});

describe("warninglistTypeMask", () => {
  it("maps MISP attributes to indicator types, domain|ip by list type", () => {
    const aws = warninglistTypeMask(fixtureList("amazon-aws"));
    expect(aws & typeBit("ipv4")).not.toBe(0);
    expect(aws & typeBit("domain")).toBe(0);
    const tranco = warninglistTypeMask(fixtureList("tranco10k"));
    expect(tranco & typeBit("url")).not.toBe(0);
    expect(tranco & typeBit("ipv4")).toBe(0);
    expect(tranco & typeBit("email")).toBe(0);
    const hashes = warninglistTypeMask(fixtureList("empty-hashes"));
    expect(hashes & typeBit("sha512")).not.toBe(0);
    expect(hashes & typeBit("domain")).toBe(0);
  });
});

describe("defaultListEffect", () => {
  it("only flags informational lists and lists of category known", () => {
    expect(defaultListEffect("dynamic-dns", {})).toBe("flag");
    expect(defaultListEffect("anything", { category: "known" })).toBe("flag");
    expect(defaultListEffect("amazon-aws", {})).toBe("suppress");
  });
});
