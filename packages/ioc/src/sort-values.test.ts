import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortByCodeUnits } from "./sort-values.ts";

/** Code units around the key's limits: 253/254/255 (the key's escape), 256+, the end of a string, NUL. */
const unit = fc.constantFrom(
  "a",
  "b",
  "h",
  ":",
  "/",
  "0",
  "\u0000",
  "\u00fd",
  "\u00fe",
  "\u00ff",
  "\u0100",
  "\u2019",
  "\uffff",
);
const text = fc.array(unit, { maxLength: 70 }).map((units) => units.join(""));

describe("sortByCodeUnits: the order of Array.prototype.sort()", () => {
  it("orders any unique strings exactly like the default sort", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(text, fc.string({ unit: "binary" })), { maxLength: 300 }),
        (values) => {
          expect(sortByCodeUnits([...values])).toEqual([...values].sort());
        },
      ),
      { numRuns: 150 },
    );
  });

  it("orders strings that share a long prefix and differ only past it", () => {
    const values = Array.from(
      { length: 40 },
      (_, i) => `https://evil.example/${"a".repeat(300)}${(i * 7) % 40}`,
    );
    expect(sortByCodeUnits([...values])).toEqual([...values].sort());
  });

  it("orders values that share their first units in runs of every size", () => {
    // Runs of 1 to 20 values under one shared prefix, each run placed by further keyed rounds.
    const values: string[] = [];
    for (let run = 1; run <= 20; run++) {
      for (let i = 0; i < run; i++)
        values.push(`${(run * 7919).toString(16).padStart(6, "0")}${(i * 31) % run}z${i}`);
    }
    values.reverse();
    expect(sortByCodeUnits([...values])).toEqual([...values].sort());
  });

  it("keeps duplicates and returns short lists as they are", () => {
    expect(sortByCodeUnits(["b", "a", "b", "a"])).toEqual(["a", "a", "b", "b"]);
    expect(sortByCodeUnits(["z"])).toEqual(["z"]);
    expect(sortByCodeUnits([])).toEqual([]);
  });
});
