import type { IndicatorType } from "@threatfusion/ioc";
import { urlHost, type WarninglistType } from "@threatfusion/scoring";
import ipaddr from "ipaddr.js";

/**
 * Candidate keys: how a list entry (warninglist or allowlist) and an indicator meet in an index lookup, so
 * only the few entries that could match an indicator are read from the database and handed to the
 * scoring package's matcher, which decides exactly (public suffixes, type masks, effects). The lookup must
 * over-approximate: every entry the matcher could accept has to be among the candidates.
 */
export interface EntryKeys {
  /** Lower-case host or exact string (hostname and string entries). */
  matchKey: string | null;
  /** Network in CIDR form (cidr entries). */
  net: string | null;
}

const dottedQuad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A dotted-quad IPv4 address as an unsigned 32-bit number, or null. Hot path: no ipaddr.js parse. */
function ipv4Number(text: string): number | null {
  const match = dottedQuad.exec(text);
  if (match === null) return null;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** The network of an address or range (`52.95.0.5/16` -> `52.95.0.0/16`), or null when it is neither. */
export function networkOf(entry: string): string | null {
  const [address = "", bits] = entry.trim().split("/");
  const v4 = ipv4Number(address);
  if (v4 !== null) {
    const length = bits === undefined ? 32 : Number(bits);
    if (!Number.isInteger(length) || length < 0 || length > 32) return null;
    return `${ipv4Text(length === 0 ? 0 : (v4 & (0xffffffff << (32 - length))) >>> 0)}/${length}`;
  }
  if (!ipaddr.isValid(address)) return null;
  const parsed = ipaddr.parse(address);
  const max = parsed.kind() === "ipv4" ? 32 : 128;
  const length = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(length) || length < 0 || length > max) return null;
  const network =
    parsed.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(`${parsed.toString()}/${length}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/${length}`);
  return `${network.toString()}/${length}`;
}

function hostKey(entry: string): string {
  let host = entry.trim().toLowerCase();
  if (host.startsWith("*.")) host = host.slice(2);
  else if (host.startsWith(".")) host = host.slice(1);
  if (host.endsWith(".")) host = host.slice(0, -1);
  return host;
}

/** The lookup keys of one list entry; substring and regex entries have none (they are read in full). */
export function entryKeys(type: WarninglistType, entry: string): EntryKeys {
  switch (type) {
    case "cidr":
      return { matchKey: null, net: networkOf(entry) };
    case "hostname":
      return { matchKey: hostKey(entry) || null, net: null };
    case "string":
      return { matchKey: entry.trim().toLowerCase() || null, net: null };
    default:
      return { matchKey: null, net: null };
  }
}

/** An indicator to look up: its type and canonical value. */
export interface IndicatorKeyInput {
  type: IndicatorType;
  value: string;
}

/** Every key under which a candidate entry of any indicator in the batch may be stored. */
export interface ProbeKeys {
  matchKeys: string[];
  /** Addresses and ranges, as `inet` text, that a candidate network must contain. */
  nets: string[];
}

function hostOf(indicator: IndicatorKeyInput): string | undefined {
  const lower = indicator.value.toLowerCase();
  switch (indicator.type) {
    case "domain":
      return lower.endsWith(".") ? lower.slice(0, -1) : lower;
    case "url":
      return urlHost(indicator.value);
    case "email": {
      const at = lower.lastIndexOf("@");
      return at === -1 ? undefined : lower.slice(at + 1);
    }
    default:
      return undefined;
  }
}

/**
 * The keys of a batch: the host and each of its parents (a `github.com` entry covers `www.github.com`),
 * the whole value (exact entries), and the address or range of IPs, CIDRs and URLs whose host is an IP.
 */
export function probeKeys(indicators: readonly IndicatorKeyInput[]): ProbeKeys {
  const matchKeys = new Set<string>();
  const nets = new Set<string>();
  for (const indicator of indicators) {
    matchKeys.add(indicator.value.toLowerCase());
    if (indicator.type === "ipv4" || indicator.type === "ipv6" || indicator.type === "cidr") {
      const net = networkOf(indicator.value);
      if (net !== null) nets.add(net);
      continue;
    }
    const host = hostOf(indicator);
    if (host === undefined) continue;
    if (ipv4Number(host) !== null || (host.includes(":") && ipaddr.isValid(host))) {
      const net = networkOf(host);
      if (net !== null) nets.add(net);
      continue;
    }
    matchKeys.add(host);
    for (let dot = host.indexOf("."); dot !== -1; dot = host.indexOf(".", dot + 1)) {
      matchKeys.add(host.slice(dot + 1));
    }
  }
  return { matchKeys: [...matchKeys], nets: [...nets] };
}

/**
 * The networks that contain each address or range: its network at every prefix length up to its own
 * (`1.2.3.4` -> `0.0.0.0/0` … `1.2.3.4/32`). A containing entry is then an equality lookup on a btree, one
 * array parameter for the whole batch, instead of a containment search per address.
 */
export function containingNetworks(nets: readonly string[]): string[] {
  const out = new Set<string>();
  for (const net of nets) {
    const [address = "", bits] = net.split("/");
    const v4Number = ipv4Number(address);
    if (v4Number !== null) {
      const max = bits === undefined ? 32 : Number(bits);
      for (let length = max; length >= 0; length--) {
        const masked = length === 0 ? 0 : (v4Number & (0xffffffff << (32 - length))) >>> 0;
        out.add(`${ipv4Text(masked)}/${length}`);
      }
      continue;
    }
    if (!ipaddr.isValid(address)) continue;
    const bytes = ipaddr.parse(address).toByteArray();
    const v4 = bytes.length === 4;
    const max = bits === undefined ? bytes.length * 8 : Number(bits);
    const masked = [...bytes];
    // Longest prefix first, clearing one more host bit at each step: one pass, no re-parsing.
    for (let length = max; length >= 0; length--) {
      if (length < bytes.length * 8) {
        const byte = length >> 3;
        masked[byte] = (masked[byte] ?? 0) & (0xff00 >> (length & 7)) & 0xff;
      }
      const text = v4 ? masked.join(".") : ipaddr.fromByteArray(masked).toString();
      out.add(`${text}/${length}`);
    }
  }
  return [...out];
}

/** Index of a sorted array's first element >= `value` (its length when none is). */
function lowerBound(sorted: Uint32Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? 0) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The networks that list entries are stored under (`warninglist_entries.net`), so that only the containing
 * networks of an address that some entry actually has are looked up. An address has 33 (IPv4) or 129 (IPv6)
 * containing networks, and a delivery of ~29,000 indicators sent them all (about 460 bytes per address,
 * each parsed and probed by PostgreSQL), although only a handful ever meet an entry. Filtering here changes
 * no lookup result: a network no entry has selects no candidate. IPv4 networks are kept as sorted numbers
 * per prefix length (4 bytes each, ~550 KB for MISP's ~137,000 IPv4 ranges); IPv6 ones as their text.
 */
export class StoredNetworks {
  private readonly v4ByLength = new Map<number, Uint32Array>();
  private readonly v6 = new Set<string>();

  /** From `net` values as PostgreSQL prints them (`52.95.0.0/16`, `2600:1f14::/32`). */
  constructor(nets: readonly string[]) {
    const v4: Map<number, number[]> = new Map();
    for (const net of nets) {
      const [address = "", bits] = net.split("/");
      const number = ipv4Number(address);
      if (number !== null) {
        const length = bits === undefined ? 32 : Number(bits);
        const list = v4.get(length);
        if (list === undefined) v4.set(length, [number]);
        else list.push(number);
        continue;
      }
      // Through ipaddr.js, as `containingNetworks` writes them, so equal networks have equal text.
      const normalized = ipaddr.isValid(address) ? networkOf(net) : null;
      if (normalized !== null) this.v6.add(normalized);
    }
    for (const [length, numbers] of v4) this.v4ByLength.set(length, Uint32Array.from(numbers).sort());
  }

  get size(): number {
    let size = this.v6.size;
    for (const numbers of this.v4ByLength.values()) size += numbers.length;
    return size;
  }

  /** `containingNetworks(nets)` narrowed to the networks stored here. */
  containing(nets: readonly string[]): string[] {
    const out = new Set<string>();
    if (this.v4ByLength.size === 0 && this.v6.size === 0) return [];
    for (const net of nets) {
      const slash = net.indexOf("/");
      const address = slash === -1 ? net : net.slice(0, slash);
      const bits = slash === -1 ? undefined : net.slice(slash + 1);
      const v4Number = ipv4Number(address);
      if (v4Number === null) {
        if (this.v6.size === 0) continue;
        for (const network of containingNetworks([net])) if (this.v6.has(network)) out.add(network);
        continue;
      }
      const max = bits === undefined ? 32 : Number(bits);
      for (const [length, stored] of this.v4ByLength) {
        if (length > max) continue;
        const masked = length === 0 ? 0 : (v4Number & (0xffffffff << (32 - length))) >>> 0;
        const at = lowerBound(stored, masked);
        if (at < stored.length && stored[at] === masked) out.add(`${ipv4Text(masked)}/${length}`);
      }
    }
    return [...out];
  }
}
