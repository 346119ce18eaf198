import { describe, expect, it } from "vitest";
import { compileSafeRegex } from "./safe-regex.ts";

describe("compileSafeRegex", () => {
  it("compiles MISP's /pattern/flags form, keeping i and dropping g", () => {
    const result = compileSafeRegex("/^(security|noc|soc|abuse)\\@.*\\..*$/i");
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.regex.flags).toBe("i");
      expect(result.regex.test("SOC@example.org")).toBe(true);
    }
    const global = compileSafeRegex("/((?:\\+|00)1)?([0-9]{3})55501([0-9]{2})/g");
    expect(global.ok && global.regex.flags).toBe("");
  });

  it.each([
    ["(a+)+$", "nested quantifier"],
    ["(a|aa)*b", "nested quantifier"],
    ["(x(?:ab|cd))+", "nested quantifier"],
    ["([a-z]*){2,}", "nested quantifier"],
    ["(a)\\1", "back-references"],
    [".*a.*b.*c.*d", "unbounded quantifiers"],
    ["/abc/x", "unsupported flag"],
    ["(abc", "unbalanced"],
  ])("refuses %s", (pattern, reason) => {
    const result = compileSafeRegex(pattern);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it("accepts bounded repetition of a group and quantified groups without inner quantifiers", () => {
    expect(compileSafeRegex("((?:\\+|00)33?|0?)(999)([0-9]{6})").ok).toBe(true);
    expect(compileSafeRegex("(ab)+c").ok).toBe(true);
    expect(compileSafeRegex("[(+*]+x").ok).toBe(true);
  });

  it("returns the engine's message for a pattern it cannot compile", () => {
    const result = compileSafeRegex("a{2,1}");
    expect(result.ok).toBe(false);
  });
});
