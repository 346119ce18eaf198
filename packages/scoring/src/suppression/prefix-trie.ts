/**
 * A binary prefix trie over IP addresses given as bytes (4 for IPv4, 16 for IPv6). Each node that ends
 * an inserted prefix holds the payload ids of that prefix. A lookup walks at most 32 / 128 steps and
 * collects the payloads of every prefix containing the address: no scan over the entries.
 * Nodes live in growable typed arrays to keep hundreds of thousands of prefixes compact.
 */
export class PrefixTrie {
  private zero = new Int32Array(1024);
  private one = new Int32Array(1024);
  private payloadOf = new Int32Array(1024).fill(-1);
  private readonly payloads: number[][] = [];
  private nodeCount = 1;

  get size(): number {
    return this.nodeCount;
  }

  private grow(): void {
    const capacity = this.zero.length * 2;
    const zero = new Int32Array(capacity);
    zero.set(this.zero);
    const one = new Int32Array(capacity);
    one.set(this.one);
    const payloadOf = new Int32Array(capacity).fill(-1);
    payloadOf.set(this.payloadOf);
    this.zero = zero;
    this.one = one;
    this.payloadOf = payloadOf;
  }

  /** Adds `payload` to the prefix made of the first `prefixLength` bits of `bytes`. */
  insert(bytes: ArrayLike<number>, prefixLength: number, payload: number): void {
    let node = 0;
    for (let bit = 0; bit < prefixLength; bit++) {
      const set = ((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1;
      const children = set === 1 ? this.one : this.zero;
      let child = children[node] ?? 0;
      if (child === 0) {
        if (this.nodeCount === this.zero.length) this.grow();
        child = this.nodeCount++;
        (set === 1 ? this.one : this.zero)[node] = child;
      }
      node = child;
    }
    let index = this.payloadOf[node] ?? -1;
    if (index === -1) {
      index = this.payloads.length;
      this.payloads.push([]);
      this.payloadOf[node] = index;
    }
    this.payloads[index]?.push(payload);
  }

  /**
   * Payloads of every inserted prefix that contains the first `length` bits of `bytes` (the whole
   * address, or a range's own prefix for CIDR indicators). Undefined when none: no allocation on a miss.
   */
  lookup(bytes: ArrayLike<number>, length: number): number[] | undefined {
    let found: number[] | undefined;
    let node = 0;
    for (let bit = 0; ; bit++) {
      const index = this.payloadOf[node] ?? -1;
      if (index !== -1) {
        const payload = this.payloads[index] ?? [];
        found = found === undefined ? [...payload] : found.concat(payload);
      }
      if (bit >= length) break;
      const set = ((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1;
      node = (set === 1 ? this.one[node] : this.zero[node]) ?? 0;
      if (node === 0) break;
    }
    return found;
  }
}
