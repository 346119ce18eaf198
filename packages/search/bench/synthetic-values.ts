/**
 * The synthetic catalog the search benches load: row `i` is a public IPv4 (from 11.0.0.0, even rows) or a
 * domain under `domain` (odd rows), every value unique, so runs of different sizes share their first rows.
 */
export function syntheticIndicator(i: number, domain: string): { type: "ipv4" | "domain"; value: string } {
  if (i % 2 === 0) {
    const n = Math.floor(i / 2) + 16_777_216 * 11;
    return { type: "ipv4", value: `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}` };
  }
  return { type: "domain", value: `h${i.toString(36)}.${domain}` };
}
