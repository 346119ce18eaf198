import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.ts";
import { stixNamespace, uuidv5, uuidv5Async } from "./uuid.ts";

describe("uuidv5", () => {
  it("matches RFC 4122 / Python uuid5 for the DNS namespace", () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
    expect(uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org")).toBe(
      "886313e1-3b8a-5372-9b90-0c9aee199e5d",
    );
  });

  it("gives the same id synchronously and through Web Crypto", async () => {
    const name = canonicalJson({ value: "bücher.example" });
    expect(await uuidv5Async(stixNamespace, name)).toBe(uuidv5(stixNamespace, name));
  });
});

describe("canonicalJson (RFC 8785)", () => {
  it("sorts keys by UTF-16 code units and drops whitespace", () => {
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: "x", "€": 1, "\u0080": 2 })).toBe(
      '{"a":"x","b":[1,{"c":null,"d":true}],"\u0080":2,"€":1}',
    );
  });

  it("serialises numbers and escapes strings the ECMAScript way", () => {
    expect(canonicalJson([1e21, 0.1, -0, '\u0001\n"\\'])).toBe('[1e+21,0.1,0,"\\u0001\\n\\"\\\\"]');
  });
});
