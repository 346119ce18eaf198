/**
 * The floor of any extractor that meets the spec, measured next to ours in `speed.ts`: the least work that
 * still looks at every candidate. One pass over the char codes splits tokens at the extractor's delimiters
 * and notes whether a token holds a trigger (`.`, `:`, `@`, a bracket, a backslash) or is 32+ long; each
 * candidate then gets one more pass that counts its shape (dots, colons, `@`, `/`, hex digits, digits,
 * letters, defang brackets), which is what a shape-first classifier must read at least once; every
 * candidate's text is cut once and de-duplicated in a Set, and the distinct values are sorted, as the
 * output requires (with the engine's own sort, the fastest we have). No refang, no validation, no canonical
 * form: a real engine does all this and more.
 */
import { sortByCodeUnits } from "../src/sort-values.ts";

/** 0 ends a token, 1 is a token character, 2 a trigger. Same delimiters as src/extract.ts (ASCII and the common Unicode ones). */
const classes = new Uint8Array(65536).fill(1);
for (let c = 0; c <= 32; c++) classes[c] = 0;
classes[127] = 0;
for (const ch of "\"'<>`|") classes[ch.charCodeAt(0)] = 0;
for (const ch of ".:@[({\\") classes[ch.charCodeAt(0)] = 2;
for (const c of [0xa0, 0xab, 0xbb, 0x2026, 0x2028, 0x2029, 0x202f, 0x205f, 0xfeff, 0xfffd]) classes[c] = 0;
for (let c = 0x2000; c <= 0x200d; c++) classes[c] = 0;
for (let c = 0x2010; c <= 0x201f; c++) classes[c] = 0;
for (let c = 0x3000; c <= 0x3011; c++) classes[c] = 0;

/** Shape class of a candidate character: 1 digit, 2 hex letter, 3 other letter, 4 dot, 5 colon, 6 at, 7 slash, 8 bracket. */
const shapes = new Uint8Array(65536);
for (let c = 48; c <= 57; c++) shapes[c] = 1;
for (const ch of "abcdefABCDEF") shapes[ch.charCodeAt(0)] = 2;
for (const ch of "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ") shapes[ch.charCodeAt(0)] = 3;
shapes[46] = 4;
shapes[58] = 5;
shapes[64] = 6;
shapes[47] = 7;
for (const ch of "[](){}") shapes[ch.charCodeAt(0)] = 8;

/** Counts of the last candidate's shape, kept in a reused array (nothing allocated per token). */
const counts = new Int32Array(9);

/** Runs the floor over `text`; returns the number of distinct candidate values (to keep the work observable). */
export function candidateFloor(text: string): number {
  const seen = new Set<string>();
  const length = text.length;
  let i = 0;
  while (i < length) {
    while (i < length && classes[text.charCodeAt(i)] === 0) i++;
    const start = i;
    let triggers = 0;
    while (i < length) {
      const kind = classes[text.charCodeAt(i)] ?? 1;
      if (kind === 0) break;
      triggers |= kind;
      i++;
    }
    if (i === start || (triggers < 2 && i - start < 32)) continue;
    counts.fill(0);
    for (let k = start; k < i; k++) {
      const shape = shapes[text.charCodeAt(k)] ?? 0;
      counts[shape] = (counts[shape] ?? 0) + 1;
    }
    // A shape-first classifier drops words here; the floor keeps every candidate that has any indicator
    // character, so it cuts at least as many values as a real engine reports.
    if ((counts[1] ?? 0) + (counts[2] ?? 0) + (counts[3] ?? 0) > 0) seen.add(text.slice(start, i));
  }
  sortByCodeUnits([...seen]);
  return seen.size;
}
