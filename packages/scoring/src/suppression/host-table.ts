/**
 * Host names mapped to payload lists in an open-addressing table (Int32Array slots), probed with a
 * hash computed by the caller and a range of any string: a URL's host or a parent domain is looked
 * up where it lies in the indicator, without slicing it out. The hash runs over the characters from
 * right to left, so one pass over a host yields the hash of every label suffix (`hostHashStep` at each
 * character; the value before a "." is the hash of what follows it). The key string is compared only
 * when the hashes agree.
 *
 * @example
 *   const table = new HostTable();
 *   table.add("github.com", 3);
 *   table.seal();
 *   const text = "https://www.github.com/x";
 *   const key = table.find(hostHash(text, 12, 22), text, 12, 22); // "github.com" -> key >= 0
 *   // payloads: table.payloads[table.payloadStart[key] .. table.payloadStart[key + 1]]
 */
export const hostHashSeed = 0x811c9dc5 | 0;

/** One FNV-1a step; callers feed characters from the last to the first. */
export function hostHashStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, 0x01000193);
}

/** The hash of `text` from `start` to `end` (exclusive), as the right-to-left scan computes it. */
export function hostHash(text: string, start: number, end: number): number {
  let hash = hostHashSeed;
  for (let i = end - 1; i >= start; i--) hash = hostHashStep(hash, text.charCodeAt(i));
  return hash;
}

/** Spreads the FNV bits over the low bits used as the slot (murmur3's finalizer). */
function slotHash(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class HostTable {
  private readonly keyIndex = new Map<string, number>();
  private keys: string[] = [];
  private building: number[][] = [];
  private sealed = false;
  /**
   * Two cells per slot: the key's hash, then its index + 1 (0: empty). A lookup of an absent host,
   * the common case, reads one cache line of a table too large for the cache.
   */
  private slots = new Int32Array(2);
  private slotMask = 0;
  /** Offsets of each key's payloads in `payloads` (`size + 1` entries). */
  payloadStart = new Int32Array(1);
  payloads = new Int32Array(0);

  get size(): number {
    return this.keys.length;
  }

  add(key: string, payload: number): void {
    if (this.sealed) throw new Error("HostTable: add() after seal()");
    let index = this.keyIndex.get(key);
    if (index === undefined) {
      index = this.keys.length;
      this.keyIndex.set(key, index);
      this.keys.push(key);
      this.building.push([]);
    }
    this.building[index]?.push(payload);
  }

  /** Builds the slots; call once after the last `add`. */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    const count = this.keys.length;
    let capacity = 2;
    while (capacity < count * 2) capacity *= 2;
    this.slots = new Int32Array(capacity * 2);
    this.slotMask = capacity - 1;
    this.payloadStart = new Int32Array(count + 1);
    let total = 0;
    for (const list of this.building) total += list.length;
    this.payloads = new Int32Array(total);
    let offset = 0;
    for (let index = 0; index < count; index++) {
      const key = this.keys[index] ?? "";
      const hash = hostHash(key, 0, key.length);
      let slot = slotHash(hash) & this.slotMask;
      while ((this.slots[slot * 2 + 1] ?? 0) !== 0) slot = (slot + 1) & this.slotMask;
      this.slots[slot * 2] = hash;
      this.slots[slot * 2 + 1] = index + 1;
      this.payloadStart[index] = offset;
      for (const payload of this.building[index] ?? []) this.payloads[offset++] = payload;
    }
    this.payloadStart[count] = offset;
    this.building = [];
    this.keyIndex.clear();
  }

  /** The key equal to `text` from `start` to `end` (whose `hostHash` is `hash`), or -1. */
  find(hash: number, text: string, start: number, end: number): number {
    const slots = this.slots;
    const length = end - start;
    for (let slot = slotHash(hash) & this.slotMask; ; slot = (slot + 1) & this.slotMask) {
      const entry = slots[slot * 2 + 1] ?? 0;
      if (entry === 0) return -1;
      if (slots[slot * 2] !== hash) continue;
      const index = entry - 1;
      const key = this.keys[index] ?? "";
      if (key.length !== length) continue;
      let i = 0;
      while (i < length && key.charCodeAt(i) === text.charCodeAt(start + i)) i++;
      if (i === length) return index;
    }
  }
}
