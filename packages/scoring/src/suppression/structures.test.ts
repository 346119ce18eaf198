import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AhoCorasick } from "./aho-corasick.ts";
import { PrefixTrie } from "./prefix-trie.ts";

describe("PrefixTrie", () => {
  it("returns the payloads of every prefix containing the address, and nothing on a miss", () => {
    const trie = new PrefixTrie();
    trie.insert([10, 0, 0, 0], 8, 1);
    trie.insert([10, 1, 0, 0], 16, 2);
    trie.insert([10, 1, 2, 3], 32, 3);
    expect(trie.lookup([10, 1, 2, 3], 32)).toEqual([1, 2, 3]);
    expect(trie.lookup([10, 2, 0, 1], 32)).toEqual([1]);
    expect(trie.lookup([11, 0, 0, 1], 32)).toBeUndefined();
    expect(trie.lookup([10, 1, 0, 0], 12)).toEqual([1]);
  });

  it("agrees with a linear scan on random prefixes (property)", () => {
    const byte = fc.integer({ min: 0, max: 255 });
    const address = fc.tuple(byte, byte, byte, byte);
    const toNumber = (a: number[]) =>
      (((a[0] ?? 0) << 24) | ((a[1] ?? 0) << 16) | ((a[2] ?? 0) << 8) | (a[3] ?? 0)) >>> 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(address, fc.integer({ min: 0, max: 32 })), { maxLength: 40 }),
        address,
        (prefixes, probe) => {
          const trie = new PrefixTrie();
          prefixes.forEach(([bytes, length], i) => {
            trie.insert(bytes, length, i);
          });
          const expected = prefixes
            .map(([bytes, length], i) => ({
              i,
              contains:
                length === 0 || toNumber(bytes) >>> (32 - length) === toNumber(probe) >>> (32 - length),
            }))
            .filter((entry) => entry.contains)
            .map((entry) => entry.i)
            .sort((a, b) => a - b);
          expect([...(trie.lookup(probe, 32) ?? [])].sort((a, b) => a - b)).toEqual(expected);
        },
      ),
    );
  });
});

describe("AhoCorasick", () => {
  it("finds every pattern in one pass, including overlapping ones", () => {
    const automaton = new AhoCorasick();
    ["he", "she", "his", "hers"].forEach((pattern, i) => {
      automaton.add(pattern, i);
    });
    automaton.build();
    expect([...(automaton.search("ushers") ?? [])].sort()).toEqual([0, 1, 3]);
    expect(automaton.search("xyz")).toBeUndefined();
  });

  it.each([
    ["dense", undefined],
    ["sparse", 0],
  ])("agrees with String.includes on random inputs, %s table (property)", (_layout, maxDenseCells) => {
    const word = fc.string({ unit: fc.constantFrom("a", "b", "c"), minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.uniqueArray(word, { maxLength: 12 }),
        fc.string({ unit: fc.constantFrom("a", "b", "c", "x", "é"), maxLength: 30 }),
        (patterns, text) => {
          const automaton = new AhoCorasick(maxDenseCells === undefined ? {} : { maxDenseCells });
          patterns.forEach((pattern, i) => {
            automaton.add(pattern, i);
          });
          automaton.build();
          const found = new Set(automaton.search(text) ?? []);
          const expected = new Set(patterns.flatMap((pattern, i) => (text.includes(pattern) ? [i] : [])));
          expect(found).toEqual(expected);
        },
      ),
    );
  });
});
