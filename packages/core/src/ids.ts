/**
 * Prefixed, time-sortable identifiers: `<prefix>_<26 chars>`.
 * The body is 48 bits of milliseconds then 80 random bits in Crockford base32 (ULID layout), so ids
 * sort by creation time as plain strings and the prefix tells what an id names in logs and URLs.
 *
 * @example newId("indicator") // "ind_01jd6m3v2c8k4q9x7t5r0b1n2p"
 */
const prefixes = {
  tenant: "tnt",
  user: "usr",
  membership: "mbr",
  session: "ses",
  apiToken: "tok",
  invitation: "inv",
  indicator: "ind",
  privateIndicator: "pin",
  observation: "obs",
  source: "src",
  feed: "fed",
  subscription: "sub",
  feedRun: "run",
  sighting: "sig",
  audit: "aud",
  allowlistEntry: "alw",
  share: "shr",
  savedSearch: "svs",
  alertRule: "alr",
  destination: "dst",
  delivery: "dlv",
  enrichment: "enr",
  report: "rpt",
  request: "req",
  export: "exp",
  job: "job",
  deadLetter: "dlq",
} as const;

export type IdKind = keyof typeof prefixes;
export type IdPrefix = (typeof prefixes)[IdKind];

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

/** Crockford base32 of `bytes`; the last character is padded with zero bits. */
function encodeCrockford(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (let k = 0; k < bytes.length; k++) {
    // At most 4 + 8 bits are pending, so 12 bits of buffer are enough.
    buffer = ((buffer << 8) | (bytes[k] ?? 0)) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/** An id's 16 bytes with `now` (ms) in the first 6, big-endian; the 10 random ones left zero. */
function timeBytes(now: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(16);
  let time = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  return bytes;
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  const bytes = timeBytes(now);
  crypto.getRandomValues(bytes.subarray(6));
  return `${prefixes[kind]}_${encodeCrockford(bytes)}`;
}

/**
 * `count` ids of one kind at once, for bulk paths: the same layout as `newId`, with the random bits drawn in
 * one call per 64 KB instead of one per id (measured several times faster at thousands of ids). The time is the
 * same for every id of a call, so its first 45 bits (9 characters) are encoded once; each id then encodes the
 * time's last 3 bits and its own 80 random bits.
 */
export function newIds(kind: IdKind, count: number, now: number = Date.now()): string[] {
  const { head, timeTail, random } = idParts(kind, count, now);
  return encodeIds(head, timeTail, random, null);
}

/**
 * `newIds` in ascending order (as plain strings), for a bulk statement whose rows are sorted by key: each id
 * index then takes its rows in ascending order. The random bits are ordered as numbers before they are encoded
 * (the alphabet ascends, so an id's text orders as its bits), instead of sorting the ids' texts afterwards
 * (`newIds(…).sort()` cost ~0.5 µs per id in the consumer's profile, more than making them).
 */
export function newSortedIds(kind: IdKind, count: number, now: number = Date.now()): string[] {
  const { head, timeTail, random } = idParts(kind, count, now);
  return encodeIds(head, timeTail, random, ascendingOrder(random, count));
}

function idParts(kind: IdKind, count: number, now: number) {
  const time = timeBytes(now);
  const head = `${prefixes[kind]}_${encodeCrockford(time).slice(0, 9)}`;
  // Bits 45–47 of the body: the low 3 bits of the time's last byte.
  const timeTail = (time[5] ?? 0) & 7;
  const random = new Uint8Array(count * 10);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let start = 0; start < random.length; start += 65_536)
    crypto.getRandomValues(random.subarray(start, Math.min(random.length, start + 65_536)));
  return { head, timeTail, random };
}

const alphabetCodes = Uint8Array.from(alphabet, (character) => character.charCodeAt(0));
const asciiDecoder = new TextDecoder();

/**
 * The ids of the random bytes (10 each) in `order` (null: as drawn), written as ASCII into one buffer and
 * decoded once: each id is then a slice of one flat string, instead of a rope of 18 pieces per id, which every
 * later reader (sort, hash, join) had to flatten. 3 time bits + 80 random bits: 16 characters and one more
 * padded with two zero bits, as `newId` ends.
 */
function encodeIds(head: string, timeTail: number, random: Uint8Array, order: Uint32Array | null): string[] {
  const count = random.length / 10;
  const width = head.length + 17;
  const out = new Uint8Array(count * width);
  const headCodes = Uint8Array.from(head, (character) => character.charCodeAt(0));
  const headLength = headCodes.length;
  let p = 0;
  for (let j = 0; j < count; j++) {
    for (let k = 0; k < headLength; k++) out[p + k] = headCodes[k] ?? 0;
    p += headLength;
    const from = (order === null ? j : (order[j] ?? 0)) * 10;
    let buffer = timeTail;
    let bits = 3;
    for (let k = from; k < from + 10; k++) {
      buffer = ((buffer << 8) | (random[k] ?? 0)) & 0xfff;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        out[p++] = alphabetCodes[(buffer >>> bits) & 31] ?? 0;
      }
    }
    out[p++] = alphabetCodes[(buffer << (5 - bits)) & 31] ?? 0;
  }
  const text = asciiDecoder.decode(out);
  const ids: string[] = new Array(count);
  for (let j = 0; j < count; j++) ids[j] = text.slice(j * width, (j + 1) * width);
  return ids;
}

/**
 * The ids' positions in `random` (10 bytes each) in ascending order of their bytes: a stable radix sort of the
 * positions by their first four bytes (a byte per pass, last byte first), then each run of equal leading bytes
 * (rare: ~0.3 % of 5,000-id calls have one) ordered by all ten.
 */
function ascendingOrder(random: Uint8Array, count: number): Uint32Array {
  let order = new Uint32Array(count);
  let next = new Uint32Array(count);
  for (let j = 0; j < count; j++) order[j] = j;
  const starts = new Uint32Array(257);
  for (let byte = 3; byte >= 0; byte--) {
    starts.fill(0);
    for (let j = 0; j < count; j++) {
      const bucket = (random[j * 10 + byte] ?? 0) + 1;
      starts[bucket] = (starts[bucket] ?? 0) + 1;
    }
    for (let b = 1; b <= 256; b++) starts[b] = (starts[b] ?? 0) + (starts[b - 1] ?? 0);
    for (let j = 0; j < count; j++) {
      const position = order[j] ?? 0;
      const bucket = random[position * 10 + byte] ?? 0;
      next[starts[bucket] ?? 0] = position;
      starts[bucket] = (starts[bucket] ?? 0) + 1;
    }
    [order, next] = [next, order];
  }
  for (let start = 0; start < count; ) {
    let end = start + 1;
    while (end < count && compareBytes(random, (order[start] ?? 0) * 10, (order[end] ?? 0) * 10, 4) === 0)
      end++;
    if (end - start > 1) {
      const run = Array.from(order.subarray(start, end)).sort((x, y) =>
        compareBytes(random, x * 10, y * 10, 10),
      );
      for (let k = 0; k < run.length; k++) order[start + k] = run[k] ?? 0;
    }
    start = end;
  }
  return order;
}

function compareBytes(bytes: Uint8Array, x: number, y: number, length: number): number {
  for (let k = 0; k < length; k++) {
    const difference = (bytes[x + k] ?? 0) - (bytes[y + k] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

const idPattern = /^[a-z]{3}_[0-9a-hjkmnp-tv-z]{26}$/;

/** True when `value` looks like an id of the given kind (right prefix, right body). */
export function isId(kind: IdKind, value: string): boolean {
  return value.startsWith(`${prefixes[kind]}_`) && idPattern.test(value);
}

export function idPrefix(kind: IdKind): IdPrefix {
  return prefixes[kind];
}
