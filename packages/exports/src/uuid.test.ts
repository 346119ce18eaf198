import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.ts";
import { stixNamespace, uuidv5, uuidv5Async, uuidv5For } from "./uuid.ts";
import { referenceUuidv5 } from "./uuid-reference.ts";

describe("uuidv5", () => {
  it("matches RFC 4122 / Python uuid5 for the DNS namespace", () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
    expect(uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org")).toBe(
      "886313e1-3b8a-5372-9b90-0c9aee199e5d",
    );
  });

  it("matches a general-purpose SHA-1 for any name, prefix and length (block and padding edges included)", () => {
    const namespace = "d10194cb-b326-416a-9c68-949ab81a41a0";
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.string({ maxLength: 150 }),
        (rest, prefix) => {
          expect(uuidv5For(namespace, prefix)(rest)).toBe(referenceUuidv5(namespace, prefix + rest));
        },
      ),
      { numRuns: 150 },
    );
    // Every total length around the 55/56/64-byte boundaries of one and two blocks.
    const derive = uuidv5For(stixNamespace, "x".repeat(70));
    for (let length = 0; length < 140; length++) {
      const rest = "é".repeat(length % 3) + "a".repeat(length);
      expect(derive(rest)).toBe(referenceUuidv5(stixNamespace, "x".repeat(70) + rest));
    }
  });

  it("matches the STIX 2.1 specification's example SCO id", () => {
    expect(uuidv5For(stixNamespace)('{"value":"198.51.100.3"}')).toBe("28bb3599-77cd-5a82-a950-b5bc3caf07c4");
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
