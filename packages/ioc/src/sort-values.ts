/**
 * The order of `IndicatorCollector.grouped` (and so of `extractGrouped` and `tf extract --json`): strings by
 * UTF-16 code units, the order of `Array.prototype.sort()` without a comparator.
 *
 * Measured on report text (docs/BENCHMARKS.md, IOC section, session 5): the values are slices of the input,
 * and a report with one curly quote is a two-byte string, which V8 compares through its runtime; sorting the
 * ~4,400 values of the 531 KB of reports took 3.3 ms of a 23 ms extraction. Comparing two numbers built from
 * the first twelve code units first, and the strings only when those are equal, takes 2 ms.
 */

/**
 * Order-preserving key of `units` code units of `value` from `from`: each code unit below 254 as unit + 1,
 * the end of the string as 0. A unit of 254 or more is written as 255 and ends the key, like the end of the
 * string, so `a < b` implies `key(a) <= key(b)`; equal keys are decided by reading further. `stopped` reports
 * whether the key ended early (then equal keys mean equal strings so far, and the rest must be compared as
 * strings: past a unit of 254 or more the key no longer follows the order).
 */
let stopped = false;

function prefixKey(value: string, from: number, units: number): number {
  let key = 0;
  stopped = false;
  for (let k = 0; k < units; k++) {
    let code = 0;
    if (!stopped) {
      const position = from + k;
      if (position >= value.length) stopped = true;
      else {
        const unit = value.charCodeAt(position);
        if (unit >= 254) {
          code = 255;
          stopped = true;
        } else code = unit + 1;
      }
    }
    key = key * 256 + code;
  }
  return key;
}

function compareStrings(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Sorts `indices` (into `values`) by the values' code units from `offset` on, all values sharing their
 * first `offset` units: each index is packed below its key into one double, the doubles are sorted by the
 * engine's native numeric sort, and runs of equal keys are sorted again from the next units.
 */
function sortIndices(values: readonly string[], indices: number[], offset: number): number[] {
  const count = indices.length;
  let indexBits = 1;
  while (2 ** indexBits < count) indexBits++;
  // Doubles are exact to 2^53: what the index leaves, in whole code units of 8 bits.
  const units = Math.floor((53 - indexBits) / 8);
  if (units < 1) return indices.sort((a, b) => compareStrings(values[a] ?? "", values[b] ?? ""));
  const scale = 2 ** indexBits;
  const packed = new Float64Array(count);
  for (let i = 0; i < count; i++)
    packed[i] = prefixKey(values[indices[i] ?? 0] ?? "", offset, units) * scale + i;
  packed.sort();
  const sorted = new Array<number>(count);
  let runStart = 0;
  let runKey = -1;
  for (let k = 0; k <= count; k++) {
    const entry = k < count ? (packed[k] ?? 0) : -1;
    const key = k < count ? Math.floor(entry / scale) : -2;
    if (key !== runKey) {
      if (k - runStart > 1) resolveRun(values, sorted, runStart, k, offset + units);
      runStart = k;
      runKey = key;
    }
    if (k < count) sorted[k] = indices[entry - key * scale] ?? 0;
  }
  return sorted;
}

/** Code units read through keys before whole strings are compared. */
const maxKeyedPrefix = 48;

/** `sorted[from, to)` share their key: sort them by what follows it. */
function resolveRun(
  values: readonly string[],
  sorted: number[],
  from: number,
  to: number,
  offset: number,
): void {
  const run = sorted.slice(from, to);
  const sample = values[run[0] ?? 0] ?? "";
  // Units every value of the run shares after the key (`//` after `http:`, `://` after `https`) would
  // only make equal keys again: the next key starts past them.
  const next = offset + sharedUnits(values, run, sample, offset);
  let ordered: number[];
  // Past a long shared prefix (or where the keys stopped following the order) compare whole strings: the
  // rounds stay few and the recursion shallow on any input.
  if (next > maxKeyedPrefix || keyStoppedBefore(sample, next)) {
    ordered = run.sort((a, b) => compareStrings(values[a] ?? "", values[b] ?? ""));
  } else {
    ordered = sortIndices(values, run, next);
  }
  for (let i = 0; i < ordered.length; i++) sorted[from + i] = ordered[i] ?? 0;
}

/**
 * How many code units from `offset` every value of `run` shares with `sample`, counting only units below 254
 * present in all of them (what a key reads as itself) and at most up to `maxKeyedPrefix`.
 */
function sharedUnits(
  values: readonly string[],
  run: readonly number[],
  sample: string,
  offset: number,
): number {
  let shared = 0;
  const limit = Math.min(sample.length, maxKeyedPrefix + 1) - offset;
  while (shared < limit && sample.charCodeAt(offset + shared) < 254) shared++;
  for (let r = 1; r < run.length && shared > 0; r++) {
    const value = values[run[r] ?? 0] ?? "";
    let k = 0;
    while (k < shared && value.charCodeAt(offset + k) === sample.charCodeAt(offset + k)) k++;
    shared = k;
  }
  return shared;
}

/** True when `value` ends, or holds a unit of 254 or more, before `offset`: its key stopped. */
function keyStoppedBefore(value: string, offset: number): boolean {
  if (value.length < offset) return true;
  for (let i = 0; i < offset; i++) if (value.charCodeAt(i) >= 254) return true;
  return false;
}

/**
 * Sorts strings by UTF-16 code units, the order of `Array.prototype.sort()` without a comparator. Values of
 * one type mostly differ within their first few characters, so most are placed by one native sort of
 * numbers; URLs share their scheme and are placed by the next round.
 */
export function sortByCodeUnits(values: string[]): string[] {
  const count = values.length;
  if (count < 2) return values;
  const indices = new Array<number>(count);
  for (let i = 0; i < count; i++) indices[i] = i;
  const order = sortIndices(values, indices, 0);
  const sorted = new Array<string>(count);
  for (let i = 0; i < count; i++) sorted[i] = values[order[i] ?? 0] ?? "";
  return sorted;
}
