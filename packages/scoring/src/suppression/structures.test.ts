import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AhoCorasick } from "./aho-corasick.ts";
import { HostTable, hostHash, hostHashSeed, hostHashStep } from "./host-table.ts";
import { Ipv4Ranges } from "./ipv4-ranges.ts";
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

describe("AhoCorasick.searchLowerCased", () => {
  it.each([
    ["dense", {}],
    ["sparse", { maxDenseCells: 0 }],
  ])(
    "finds what search finds in the lower-cased text, non-ASCII included, %s table (property)",
    (_layout, options) => {
      const word = fc.string({ unit: fc.constantFrom("a", "b", "k", "i"), minLength: 3, maxLength: 6 });
      fc.assert(
        fc.property(
          fc.uniqueArray(word, { maxLength: 12 }),
          // U+212A (Kelvin sign) lower-cases to an ASCII "k"; U+0130 lower-cases to two characters.
          fc.string({
            unit: fc.constantFrom("a", "A", "b", "B", "k", "K", "i", "x", "\u212a", "\u0130"),
            maxLength: 40,
          }),
          (patterns, text) => {
            const automaton = new AhoCorasick(options);
            patterns.forEach((pattern, i) => {
              automaton.add(pattern, i);
            });
            automaton.build();
            expect(automaton.searchLowerCased(text)).toEqual(automaton.search(text.toLowerCase()));
          },
        ),
      );
    },
  );
});

describe("Ipv4Ranges", () => {
  const toNumber = (a: readonly number[]) =>
    (((a[0] ?? 0) << 24) | ((a[1] ?? 0) << 16) | ((a[2] ?? 0) << 8) | (a[3] ?? 0)) >>> 0;

  /** Payloads of the prefixes covering `address` whose length is at most `longest`, in stored order. */
  function lookup(ranges: Ipv4Ranges, address: number, longest = 32): number[] {
    const segment = ranges.segmentOf(address);
    const found: number[] = [];
    for (let i = ranges.segmentStart[segment] ?? 0; i < (ranges.segmentStart[segment + 1] ?? 0); i++) {
      if ((ranges.payloadLength[i] ?? 0) <= longest) found.push(ranges.payloads[i] ?? 0);
    }
    return found;
  }

  it("covers the whole space with /0 and a single address with /32, at both ends of the space", () => {
    const ranges = new Ipv4Ranges();
    ranges.insert(0, 0, 1);
    ranges.insert(0xffffffff, 32, 2);
    ranges.insert(0, 32, 3);
    ranges.seal();
    expect(lookup(ranges, 0)).toEqual([1, 3]);
    expect(lookup(ranges, 1)).toEqual([1]);
    expect(lookup(ranges, 0xfffffffe)).toEqual([1]);
    expect(lookup(ranges, 0xffffffff)).toEqual([1, 2]);
  });

  it("reports nested prefixes shortest first, keeps adjacent ones apart and misses the gaps", () => {
    const ranges = new Ipv4Ranges();
    ranges.insert(toNumber([10, 1, 2, 3]), 32, 3);
    ranges.insert(toNumber([10, 1, 0, 0]), 16, 2);
    ranges.insert(toNumber([10, 0, 0, 0]), 8, 1);
    ranges.insert(toNumber([11, 0, 0, 0]), 8, 4);
    ranges.insert(toNumber([10, 0, 0, 0]), 8, 5);
    ranges.seal();
    expect(lookup(ranges, toNumber([10, 1, 2, 3]))).toEqual([1, 5, 2, 3]);
    expect(lookup(ranges, toNumber([10, 1, 2, 4]))).toEqual([1, 5, 2]);
    expect(lookup(ranges, toNumber([10, 255, 255, 255]))).toEqual([1, 5]);
    expect(lookup(ranges, toNumber([11, 0, 0, 0]))).toEqual([4]);
    expect(lookup(ranges, toNumber([9, 255, 255, 255]))).toEqual([]);
    expect(lookup(ranges, toNumber([12, 0, 0, 0]))).toEqual([]);
    // A /12 indicator inside 10/8 is contained by the /8 entries only.
    expect(lookup(ranges, toNumber([10, 1, 0, 0]), 12)).toEqual([1, 5]);
  });

  it("masks host bits of an entry written with them (10.1.2.3/8 is 10.0.0.0/8)", () => {
    const ranges = new Ipv4Ranges();
    ranges.insert(toNumber([10, 1, 2, 3]), 8, 1);
    ranges.seal();
    expect(lookup(ranges, toNumber([10, 200, 0, 1]))).toEqual([1]);
  });

  it("agrees with the bit trie on random prefixes, addresses and lengths, in the same order (property)", () => {
    const byte = fc.integer({ min: 0, max: 255 });
    const address = fc.tuple(byte, byte, byte, byte);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(address, fc.integer({ min: 0, max: 32 })), { maxLength: 40 }),
        fc.array(fc.tuple(address, fc.integer({ min: 0, max: 32 })), { minLength: 1, maxLength: 20 }),
        (prefixes, probes) => {
          const trie = new PrefixTrie();
          const ranges = new Ipv4Ranges();
          prefixes.forEach(([bytes, length], i) => {
            trie.insert(bytes, length, i);
            ranges.insert(toNumber(bytes), length, i);
          });
          ranges.seal();
          for (const [bytes, length] of probes) {
            expect(lookup(ranges, toNumber(bytes), length)).toEqual(trie.lookup(bytes, length) ?? []);
          }
        },
      ),
    );
  });
});

describe("HostTable", () => {
  it("finds a key inside a longer string by its range and hash, and misses near keys", () => {
    const table = new HostTable();
    table.add("github.com", 1);
    table.add("github.com", 2);
    table.add("example.org", 3);
    table.seal();
    const url = "https://www.github.com/x";
    const key = table.find(hostHash(url, 12, 22), url, 12, 22);
    expect(key).not.toBe(-1);
    const payloads = [
      ...table.payloads.subarray(table.payloadStart[key] ?? 0, table.payloadStart[key + 1] ?? 0),
    ];
    expect(payloads).toEqual([1, 2]);
    expect(table.find(hostHash(url, 8, 22), url, 8, 22)).toBe(-1);
    expect(table.find(hostHash("github.co", 0, 9), "github.co", 0, 9)).toBe(-1);
  });

  it("gives each suffix's hash along one right-to-left pass", () => {
    const host = "a.b.example.com";
    let hash = hostHashSeed;
    const suffixHashes = new Map<number, number>();
    for (let i = host.length - 1; i >= 0; i--) {
      if (host.charCodeAt(i) === 46) suffixHashes.set(i + 1, hash);
      hash = hostHashStep(hash, host.charCodeAt(i));
    }
    expect(suffixHashes.get(2)).toBe(hostHash(host, 2, host.length));
    expect(suffixHashes.get(4)).toBe(hostHash("example.com", 0, 11));
    expect(hash).toBe(hostHash(host, 0, host.length));
  });

  it("finds every key among thousands, and nothing that was not added (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: fc.constantFrom("a", "b", ".", "-"), minLength: 0, maxLength: 6 }), {
          maxLength: 3000,
        }),
        fc.string({ unit: fc.constantFrom("a", "b", ".", "c"), maxLength: 6 }),
        (keys, other) => {
          const table = new HostTable();
          keys.forEach((key, i) => {
            table.add(key, i);
          });
          table.seal();
          keys.forEach((key, i) => {
            const found = table.find(hostHash(key, 0, key.length), key, 0, key.length);
            expect(table.payloads[table.payloadStart[found] ?? -1]).toBe(i);
          });
          const found = table.find(hostHash(other, 0, other.length), other, 0, other.length);
          expect(found === -1).toBe(!keys.includes(other));
        },
      ),
      { numRuns: 30 },
    );
  });
});
