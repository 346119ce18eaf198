/**
 * IPv4 prefixes flattened into sorted, disjoint segments of the address space, each carrying the
 * payloads of every prefix that covers it (ordered by prefix length, then by insertion). A lookup
 * is one table read on the address's top 16 bits and a short binary search over a Uint32Array:
 * no per-bit walk and no allocation. Prefixes are given as a 32-bit start and a length, parsed by
 * the caller; the segments are computed once at `seal`.
 *
 * @example
 *   const ranges = new Ipv4Ranges();
 *   ranges.insert(0x0a000000, 8, 7); // 10.0.0.0/8 -> payload 7
 *   ranges.seal();
 *   const segment = ranges.segmentOf(0x0a010203); // 10.1.2.3
 *   // payloads: ranges.payloads[ranges.segmentStart[segment] .. ranges.segmentStart[segment + 1]]
 */
export class Ipv4Ranges {
  private starts: number[] = [];
  private lengths: number[] = [];
  private inputPayloads: number[] = [];
  private sealed = false;
  /** First address of each segment (ascending; segment 0 starts at 0.0.0.0). */
  private segmentFirst = new Uint32Array(1);
  /** For each /16 block, the segment holding its first address. */
  private readonly blockSegment = new Int32Array(65_537);
  /** Offsets of each segment's payloads in `payloads` (`segmentCount + 1` entries). */
  segmentStart = new Int32Array(2);
  /** Payloads of all segments, one run per segment. */
  payloads = new Int32Array(0);
  /** Prefix length of the prefix each payload came from (parallel to `payloads`). */
  payloadLength = new Uint8Array(0);

  get prefixCount(): number {
    return this.inputPayloads.length;
  }

  get segmentCount(): number {
    return this.segmentStart.length - 1;
  }

  /** Adds `payload` to the prefix of `prefixLength` (0–32) bits starting at `address` (an unsigned 32-bit value). */
  insert(address: number, prefixLength: number, payload: number): void {
    if (this.sealed) throw new Error("Ipv4Ranges: insert() after seal()");
    const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
    this.starts.push((address & mask) >>> 0);
    this.lengths.push(prefixLength);
    this.inputPayloads.push(payload);
  }

  /** Computes the segments; call once after the last `insert`. */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    const count = this.inputPayloads.length;
    // Prefixes nest or are disjoint, so a sweep over their boundaries in address order gives each
    // segment's covering set: open prefixes stay in `active` until the address past their end.
    const order = Array.from({ length: count }, (_, i) => i);
    const first = (i: number) => this.starts[i] ?? 0;
    const size = (i: number) => 2 ** (32 - (this.lengths[i] ?? 32));
    order.sort((a, b) => first(a) - first(b) || size(b) - size(a) || a - b);
    const boundaries = new Set<number>([0]);
    for (let i = 0; i < count; i++) {
      boundaries.add(first(i));
      const end = first(i) + size(i);
      if (end < 2 ** 32) boundaries.add(end);
    }
    const points = [...boundaries].sort((a, b) => a - b);
    const segmentFirst = new Uint32Array(points.length);
    const segmentStart = new Int32Array(points.length + 1);
    const payloads: number[] = [];
    const payloadLength: number[] = [];
    let active: number[] = [];
    let next = 0;
    for (let s = 0; s < points.length; s++) {
      const point = points[s] ?? 0;
      segmentFirst[s] = point;
      active = active.filter((i) => first(i) + size(i) > point);
      while (next < count && first(order[next] ?? 0) === point) active.push(order[next++] ?? 0);
      segmentStart[s] = payloads.length;
      // The order a bit-by-bit trie walk would report: shorter prefixes first, then insertion order.
      const covering = [...active].sort((a, b) => (this.lengths[a] ?? 0) - (this.lengths[b] ?? 0) || a - b);
      for (const i of covering) {
        payloads.push(this.inputPayloads[i] ?? 0);
        payloadLength.push(this.lengths[i] ?? 0);
      }
    }
    segmentStart[points.length] = payloads.length;
    this.segmentFirst = segmentFirst;
    this.segmentStart = segmentStart;
    this.payloads = Int32Array.from(payloads);
    this.payloadLength = Uint8Array.from(payloadLength);
    let segment = 0;
    for (let block = 0; block < 65_536; block++) {
      const blockFirst = block * 65_536;
      while (segment + 1 < points.length && (segmentFirst[segment + 1] ?? 0) <= blockFirst) segment++;
      this.blockSegment[block] = segment;
    }
    this.blockSegment[65_536] = points.length - 1;
    this.starts = [];
    this.lengths = [];
    this.inputPayloads = [];
  }

  /** The segment containing `address` (an unsigned 32-bit value); read its payloads through `segmentStart`. */
  segmentOf(address: number): number {
    const block = address >>> 16;
    let low = this.blockSegment[block] ?? 0;
    let high = this.blockSegment[block + 1] ?? 0;
    const segmentFirst = this.segmentFirst;
    // The last segment starting at or before the address, between the block's first and the next block's.
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((segmentFirst[middle] ?? 0) <= address) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}
