import { type IndicatorType, indicatorTypes } from "@threatfusion/ioc";
import ipaddr from "ipaddr.js";
import { getPublicSuffix } from "tldts";
import { AhoCorasick } from "./aho-corasick.ts";
import { HostTable, hostHashSeed, hostHashStep } from "./host-table.ts";
import { Ipv4Ranges } from "./ipv4-ranges.ts";
import { PrefixTrie } from "./prefix-trie.ts";
import { compileSafeRegex, maxRegexInputLength } from "./safe-regex.ts";
import {
  defaultListEffect,
  type ListEffect,
  typeBit,
  typeMaskOf,
  type Warninglist,
  type WarninglistType,
  warninglistTypeMask,
} from "./warninglist.ts";

export type SuppressionKind = "warninglist" | "allowlist" | "reserved";

export interface SuppressionReason {
  listId: string;
  listName: string;
  kind: SuppressionKind;
  /** The entry that matched, as written in the list ("github.com", "52.95.0.0/16"). */
  entry: string;
  /** "flag" reasons are shown as warnings but do not suppress. */
  effect: ListEffect;
}

export interface SuppressionMatch {
  suppressed: boolean;
  reasons: SuppressionReason[];
}

/** A warninglist to index, with its stable id (the list's directory name in misp-warninglists). */
export interface WarninglistSource {
  id: string;
  list: Warninglist;
  /** Overrides the default effect (see `defaultListEffect`). */
  effect?: ListEffect;
}

/** A tenant allowlist entry: the client's own domains, IP ranges, brands. */
export interface AllowlistEntry {
  id: string;
  value: string;
  /** How to match; detected from the value when absent (IP/CIDR -> cidr, host name -> hostname, else string). */
  type?: WarninglistType;
  /** Shown as the reason's list name ("Tenant allowlist: corporate mail"). */
  note?: string;
  /**
   * Indicator types the entry applies to. Defaults by entry type: cidr -> IPs, CIDRs and URL hosts;
   * hostname, substring (brands) and regex -> domains, URLs, e-mails; string -> every type.
   */
  appliesTo?: readonly IndicatorType[];
}

export interface RejectedEntry {
  listId: string;
  entry: string;
  reason: string;
}

export interface IndicatorRef {
  type: IndicatorType;
  value: string;
}

interface ListMeta {
  id: string;
  name: string;
  kind: SuppressionKind;
  effect: ListEffect;
}

const ipMask = typeMaskOf(["ipv4", "ipv6", "cidr"]);
const urlBit = typeBit("url");
const hostMask = typeMaskOf(["domain", "url", "email"]);

/**
 * Parses the dotted-quad IPv4 address in `text` from `start` to `end` into an unsigned 32-bit
 * value; -1 when it is not one. Hot path: char codes only, no allocation.
 */
function parseIPv4(text: string, start: number, end: number): number {
  let address = 0;
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || part === 3) return -1;
      address = address * 256 + value;
      part++;
      value = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57) {
      value = value * 10 + (code - 48);
      if (++digits > 3 || value > 255) return -1;
    } else {
      return -1;
    }
  }
  if (digits === 0 || part !== 3) return -1;
  return address * 256 + value;
}

function parseIPv6Bytes(text: string): number[] | undefined {
  if (!text.includes(":") || !ipaddr.IPv6.isValid(text)) return undefined;
  return ipaddr.IPv6.parse(text).toByteArray();
}

/** The host of a URL (lower-case, no port, IPv6 without brackets); undefined when it has none. */
export function urlHost(url: string): string | undefined {
  const scheme = url.indexOf("://");
  const start = scheme === -1 ? 0 : scheme + 3;
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === 47 || code === 63 || code === 35) {
      end = i;
      break;
    }
  }
  let authority = url.slice(start, end);
  const at = authority.lastIndexOf("@");
  if (at !== -1) authority = authority.slice(at + 1);
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    return close === -1 ? undefined : authority.slice(1, close).toLowerCase();
  }
  const colon = authority.indexOf(":");
  if (colon !== -1) authority = authority.slice(0, colon);
  if (authority.endsWith(".")) authority = authority.slice(0, -1);
  return authority.length === 0 ? undefined : authority.toLowerCase();
}

function normalizeHostEntry(entry: string): string {
  let host = entry.trim().toLowerCase();
  if (host.startsWith("*.")) host = host.slice(2);
  else if (host.startsWith(".")) host = host.slice(1);
  if (host.endsWith(".")) host = host.slice(0, -1);
  return host;
}

function detectEntryType(value: string): WarninglistType {
  const trimmed = value.trim();
  const address = trimmed.split("/")[0] ?? "";
  if (ipaddr.isValid(address)) return "cidr";
  if (/^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)+\.?$/i.test(trimmed)) return "hostname";
  return "string";
}

/**
 * Special-purpose address blocks (IANA IPv4/IPv6 Special-Purpose Address Registries, multicast and
 * reserved space) that are never a public threat: flagged and suppressed as "reserved". IPv4-mapped,
 * 6to4, Teredo and the global NAT64 prefix carry public IPv4 addresses and are deliberately absent.
 */
export const reservedRanges: readonly { range: string; label: string }[] = [
  { range: "0.0.0.0/8", label: "this network (RFC 791)" },
  { range: "10.0.0.0/8", label: "private (RFC 1918)" },
  { range: "100.64.0.0/10", label: "carrier-grade NAT (RFC 6598)" },
  { range: "127.0.0.0/8", label: "loopback (RFC 1122)" },
  { range: "169.254.0.0/16", label: "link-local (RFC 3927)" },
  { range: "172.16.0.0/12", label: "private (RFC 1918)" },
  { range: "192.0.0.0/24", label: "IETF protocol assignments (RFC 6890)" },
  { range: "192.0.2.0/24", label: "documentation (RFC 5737)" },
  { range: "192.31.196.0/24", label: "AS112 (RFC 7535)" },
  { range: "192.88.99.0/24", label: "deprecated 6to4 relay (RFC 7526)" },
  { range: "192.168.0.0/16", label: "private (RFC 1918)" },
  { range: "192.175.48.0/24", label: "AS112 direct delegation (RFC 7534)" },
  { range: "198.18.0.0/15", label: "benchmarking (RFC 2544)" },
  { range: "198.51.100.0/24", label: "documentation (RFC 5737)" },
  { range: "203.0.113.0/24", label: "documentation (RFC 5737)" },
  { range: "224.0.0.0/4", label: "multicast (RFC 5771)" },
  { range: "240.0.0.0/4", label: "reserved (RFC 1112)" },
  { range: "255.255.255.255/32", label: "limited broadcast (RFC 919)" },
  { range: "::/128", label: "unspecified (RFC 4291)" },
  { range: "::1/128", label: "loopback (RFC 4291)" },
  { range: "64:ff9b:1::/48", label: "local-use NAT64 (RFC 8215)" },
  { range: "100::/64", label: "discard-only (RFC 6666)" },
  { range: "2001:2::/48", label: "benchmarking (RFC 5180)" },
  { range: "2001:db8::/32", label: "documentation (RFC 3849)" },
  { range: "2001:10::/28", label: "deprecated ORCHID (RFC 4843)" },
  { range: "2001:20::/28", label: "ORCHIDv2 (RFC 7343)" },
  { range: "3fff::/20", label: "documentation (RFC 9637)" },
  { range: "fc00::/7", label: "unique local (RFC 4193)" },
  { range: "fe80::/10", label: "link-local (RFC 4291)" },
  { range: "fec0::/10", label: "deprecated site-local (RFC 3879)" },
  { range: "ff00::/8", label: "multicast (RFC 4291)" },
];

/**
 * An indicator prepared once for matching against the global and the tenant rule sets. One probe per
 * index is reused for every call (matching is synchronous), so the hot path allocates nothing on a miss.
 */
interface Probe {
  mask: number;
  /** Index of the type's bit (`typeBit(type) === 1 << typeIndex`). */
  typeIndex: number;
  value: string;
  /** The value lower-cased, computed when first needed (see `lowerValue`): URLs rarely need it. */
  lower: string | undefined;
  /** The IPv4 address to look up (the indicator's, or a URL's IP host) as an unsigned 32-bit value; -1 when none. */
  ipv4: number;
  ipv6: number[] | undefined;
  prefixLength: number | undefined;
  /**
   * The host name to match against host entries (domain, URL host, e-mail domain): it ends at `hostEnd`
   * in `hostText`, and `hostHashes[k]`/`hostStarts[k]` give the hash and start of the host (at
   * `hostCount - 1`) and of its parents down to two labels (below, the shorter ones). Computed in one
   * right-to-left pass and shared by both rule sets; nothing is sliced out of the indicator.
   */
  hostText: string;
  hostEnd: number;
  hostCount: number;
  hostHashes: Int32Array;
  hostStarts: Int32Array;
  /** Whether to look the whole value up among exact URL/e-mail entries, or among other exact entries. */
  wholeValue: boolean;
  otherValue: boolean;
}

function newProbe(): Probe {
  return {
    mask: 0,
    typeIndex: 0,
    value: "",
    lower: undefined,
    ipv4: -1,
    ipv6: undefined,
    prefixLength: undefined,
    hostText: "",
    hostEnd: 0,
    hostCount: 0,
    hostHashes: new Int32Array(64),
    hostStarts: new Int32Array(64),
    wholeValue: false,
    otherValue: false,
  };
}

function setProbeAddress(probe: Probe, text: string): boolean {
  probe.ipv4 = parseIPv4(text, 0, text.length);
  if (probe.ipv4 === -1) probe.ipv6 = parseIPv6Bytes(text);
  return probe.ipv4 !== -1 || probe.ipv6 !== undefined;
}

/**
 * The host `text[start, end)` and its parents down to two labels (a one-label suffix entry is a public
 * suffix: exact only), hashed from the right: the hash before each "." but the last is a parent's.
 * Returns false when the host has an upper-case or non-ASCII character (then it is not lower case).
 */
function setProbeHost(probe: Probe, text: string, start: number, end: number): boolean {
  if (end - start + 1 > probe.hostHashes.length) {
    probe.hostHashes = new Int32Array(end - start + 1);
    probe.hostStarts = new Int32Array(end - start + 1);
  }
  const hashes = probe.hostHashes;
  const starts = probe.hostStarts;
  let hash = hostHashSeed;
  let count = 0;
  let pastLastDot = false;
  let lowerCase = true;
  for (let i = end - 1; i >= start; i--) {
    const code = text.charCodeAt(i);
    if ((code >= 65 && code <= 90) || code >= 128) lowerCase = false;
    if (code === 46) {
      if (pastLastDot) {
        hashes[count] = hash;
        starts[count] = i + 1;
        count++;
      }
      pastLastDot = true;
    }
    hash = hostHashStep(hash, code);
  }
  hashes[count] = hash;
  starts[count] = start;
  probe.hostCount = count + 1;
  probe.hostText = text;
  probe.hostEnd = end;
  return lowerCase;
}

/**
 * Sets the probe's address or host from a URL: the host as `urlHost` finds it, located by char codes
 * in the URL itself. Hosts with upper-case or non-ASCII letters, or in brackets, take `urlHost`.
 */
function setProbeUrlHost(probe: Probe, url: string): void {
  const scheme = url.indexOf("://");
  let start = scheme === -1 ? 0 : scheme + 3;
  let end = url.length;
  for (let i = start; i < end; i++) {
    const code = url.charCodeAt(i);
    if (code === 47 || code === 63 || code === 35) end = i;
    else if (code === 64) start = i + 1;
  }
  if (start < end && url.charCodeAt(start) === 91) {
    const host = urlHost(url);
    if (host !== undefined && !setProbeAddress(probe, host)) setProbeHost(probe, host, 0, host.length);
    return;
  }
  for (let i = start; i < end; i++) {
    const code = url.charCodeAt(i);
    if (code === 58) {
      end = i;
      break;
    }
    if ((code >= 65 && code <= 90) || code >= 128) {
      const host = urlHost(url);
      if (host !== undefined && !setProbeAddress(probe, host)) setProbeHost(probe, host, 0, host.length);
      return;
    }
  }
  if (end > start && url.charCodeAt(end - 1) === 46) end--;
  if (end === start) return;
  probe.ipv4 = parseIPv4(url, start, end);
  if (probe.ipv4 === -1) setProbeHost(probe, url, start, end);
}

const typeIndexOf = new Map<IndicatorType, number>(indicatorTypes.map((type, index) => [type, index]));

function lowerValue(probe: Probe): string {
  probe.lower ??= probe.value.toLowerCase();
  return probe.lower;
}

function prepareProbe(probe: Probe, type: IndicatorType, value: string): void {
  const typeIndex = typeIndexOf.get(type) ?? 0;
  probe.typeIndex = typeIndex;
  probe.mask = 1 << typeIndex;
  probe.value = value;
  probe.lower = undefined;
  probe.ipv4 = -1;
  probe.ipv6 = undefined;
  probe.prefixLength = undefined;
  probe.hostCount = 0;
  probe.wholeValue = false;
  probe.otherValue = false;
  switch (type) {
    case "ipv4":
    case "ipv6":
      setProbeAddress(probe, value);
      break;
    case "cidr": {
      const slash = value.indexOf("/");
      const length = slash === -1 ? undefined : Number(value.slice(slash + 1));
      if (length === undefined || Number.isInteger(length)) {
        probe.prefixLength = length;
        probe.ipv4 = parseIPv4(value, 0, slash === -1 ? value.length : slash);
        if (probe.ipv4 === -1) probe.ipv6 = parseIPv6Bytes(slash === -1 ? value : value.slice(0, slash));
      }
      break;
    }
    case "domain": {
      // Canonical domains are lower case already: hashed as they are, lower-cased only when they are not.
      const end = value.endsWith(".") ? value.length - 1 : value.length;
      if (setProbeHost(probe, value, 0, end)) {
        probe.lower = value;
      } else {
        const lower = lowerValue(probe);
        setProbeHost(probe, lower, 0, lower.endsWith(".") ? lower.length - 1 : lower.length);
      }
      break;
    }
    case "url":
      probe.wholeValue = true;
      setProbeUrlHost(probe, value);
      break;
    case "email": {
      probe.wholeValue = true;
      const lower = lowerValue(probe);
      const at = lower.lastIndexOf("@");
      if (at !== -1) setProbeHost(probe, lower, at + 1, lower.length);
      break;
    }
    default:
      probe.otherValue = true;
  }
}

/**
 * One compiled set of rules (all warninglists, or one tenant's allowlist). Each entry of each list
 * becomes a rule id; structures map values to rule ids; a rule carries its list and the types it
 * applies to.
 */
class RuleSet {
  private readonly lists: ListMeta[] = [];
  private readonly ruleList: number[] = [];
  private readonly ruleEntry: string[] = [];
  private readonly ruleMask: number[] = [];
  /** IPv4 prefixes as sorted segments of the address space; IPv6 (rare) in a bit trie. */
  private readonly ipv4 = new Ipv4Ranges();
  private readonly ipv6 = new PrefixTrie();
  /**
   * Exact entries in three maps, so that a hash lookup does not probe half a million host names:
   * host names (domains, URL and e-mail hosts), whole values with a "/", "@" or ":" (URLs, e-mails),
   * and everything else (hashes, CVEs, ASNs).
   */
  private readonly exactWhole = new Map<string, number[]>();
  private readonly exactOther = new Map<string, number[]>();
  /**
   * Host entries, exact and suffix ones in one table (one probe per host label); a rule's
   * `ruleSuffix` flag says whether it also covers subdomains, i.e. matches at a parent label.
   */
  private readonly hosts = new HostTable();
  private ruleSuffix = new Uint8Array(0);
  private readonly suffixRules: number[] = [];
  /** Substring patterns with the mask of each; compiled into automata at `seal`. */
  private readonly substringPatterns: { value: string; rule: number; mask: number }[] = [];
  /**
   * One Aho–Corasick automaton per indicator type (by type index), so that a URL does not walk the
   * 8,000 disposable-e-mail patterns that apply only to domains and e-mails: a type whose patterns are
   * most of all patterns shares the automaton of all patterns (one table in memory), a type with few
   * gets its own small, cache-resident one.
   */
  private automata: (AhoCorasick | undefined)[] = [];
  private readonly regexes: { regex: RegExp; rule: number }[] = [];
  private sealed = false;
  private substringMask = 0;
  private regexMask = 0;
  private hostSuffixMask = 0;
  /** Union of the masks of the rules in each structure: a lookup that cannot hit any rule is skipped. */
  private ipv4Mask = 0;
  private ipv6Mask = 0;
  private hostMask = 0;
  private exactWholeMask = 0;
  private exactOtherMask = 0;
  /** Rules hit by the current `match` call, deduplicated by stamping each rule with the call's number. */
  private readonly hits: number[] = [];
  private stamps = new Int32Array(0);
  private call = 0;
  readonly rejected: RejectedEntry[] = [];

  get ruleCount(): number {
    return this.ruleList.length;
  }

  addList(meta: ListMeta): number {
    this.lists.push(meta);
    return this.lists.length - 1;
  }

  private newRule(list: number, entry: string, mask: number): number {
    this.ruleList.push(list);
    this.ruleEntry.push(entry);
    this.ruleMask.push(mask);
    return this.ruleList.length - 1;
  }

  private reject(list: number, entry: string, reason: string): false {
    this.rejected.push({ listId: this.lists[list]?.id ?? "", entry, reason });
    return false;
  }

  private static push(map: Map<string, number[]>, key: string, rule: number): void {
    const rules = map.get(key);
    if (rules === undefined) map.set(key, [rule]);
    else rules.push(rule);
  }

  /** Indexes one entry; false when it was empty or rejected (see `rejected`). */
  addEntry(list: number, type: WarninglistType, entry: string, mask: number): boolean {
    if (mask === 0) return false;
    if (this.sealed) throw new Error("RuleSet: addEntry() after seal()");
    switch (type) {
      case "cidr": {
        const [address = "", bits] = entry.trim().split("/");
        const v4 = parseIPv4(address, 0, address.length);
        if (v4 !== -1) {
          const length = bits === undefined ? 32 : Number(bits);
          if (!Number.isInteger(length) || length < 0 || length > 32)
            return this.reject(list, entry, "bad prefix");
          this.ipv4.insert(v4, length, this.newRule(list, entry, mask));
          this.ipv4Mask |= mask;
          return true;
        }
        const v6 = parseIPv6Bytes(address);
        if (v6 !== undefined) {
          const length = bits === undefined ? 128 : Number(bits);
          if (!Number.isInteger(length) || length < 0 || length > 128)
            return this.reject(list, entry, "bad prefix");
          this.ipv6.insert(v6, length, this.newRule(list, entry, mask));
          this.ipv6Mask |= mask;
          return true;
        }
        return this.reject(list, entry, "not an IP address or CIDR range");
      }
      case "hostname": {
        const host = normalizeHostEntry(entry);
        if (host.length === 0) return this.reject(list, entry, "empty host name");
        const rule = this.newRule(list, entry, mask);
        // An entry that is itself a public suffix (github.io, duckdns.org, co.uk) covers many unrelated
        // registrants: it matches only itself, never its subdomains.
        this.hosts.add(host, rule);
        this.hostMask |= mask;
        if (getPublicSuffix(host, { allowPrivateDomains: true }) !== host) {
          this.suffixRules.push(rule);
          this.hostSuffixMask |= mask;
        }
        return true;
      }
      case "string": {
        const value = entry.trim().toLowerCase();
        if (value.length === 0) return false;
        const rule = this.newRule(list, entry, mask);
        if (/[/@:]/.test(value)) {
          RuleSet.push(this.exactWhole, value, rule);
          this.exactWholeMask |= mask;
        }
        if ((mask & hostMask) !== 0) {
          this.hosts.add(value, rule);
          this.hostMask |= mask;
        }
        if ((mask & ~hostMask) !== 0) {
          RuleSet.push(this.exactOther, value, rule);
          this.exactOtherMask |= mask;
        }
        return true;
      }
      case "substring": {
        const value = entry.trim().toLowerCase();
        if (value.length === 0) return false;
        const rule = this.newRule(list, entry, mask);
        // An address in a substring list would suppress every address containing its digits
        // (1.2.3.4 inside 11.2.3.45): for IP indicators it matches as the exact address instead.
        const v4 = (mask & ipMask) !== 0 ? parseIPv4(value, 0, value.length) : -1;
        if (v4 !== -1) {
          this.ipv4.insert(v4, 32, rule);
          this.ipv4Mask |= mask;
        }
        const textMask = mask & ~ipMask;
        if (textMask !== 0) {
          this.substringPatterns.push({ value, rule, mask: textMask });
          this.substringMask |= textMask;
        }
        return true;
      }
      case "regex": {
        const compiled = compileSafeRegex(entry);
        if (!compiled.ok) return this.reject(list, entry, compiled.reason);
        this.regexes.push({ regex: compiled.regex, rule: this.newRule(list, entry, mask) });
        this.regexMask |= mask;
        return true;
      }
    }
  }

  seal(): this {
    if (this.sealed) return this;
    this.sealed = true;
    this.ruleSuffix = new Uint8Array(this.ruleList.length);
    for (const rule of this.suffixRules) this.ruleSuffix[rule] = 1;
    this.ipv4.seal();
    this.hosts.seal();
    this.buildAutomata();
    this.stamps = new Int32Array(this.ruleList.length);
    return this;
  }

  private buildAutomata(): void {
    const patterns = this.substringPatterns;
    if (patterns.length === 0) return;
    let shared: AhoCorasick | undefined;
    const automatonOf = (filter: (pattern: { mask: number }) => boolean): AhoCorasick => {
      const automaton = new AhoCorasick();
      for (const pattern of patterns) if (filter(pattern)) automaton.add(pattern.value, pattern.rule);
      automaton.build();
      return automaton;
    };
    for (let typeIndex = 0; typeIndex < indicatorTypes.length; typeIndex++) {
      const bit = 1 << typeIndex;
      if ((this.substringMask & bit) === 0) continue;
      let count = 0;
      for (const pattern of patterns) if ((pattern.mask & bit) !== 0) count++;
      if (count * 4 > patterns.length) {
        shared ??= automatonOf(() => true);
        this.automata[typeIndex] = shared;
      } else {
        this.automata[typeIndex] = automatonOf((pattern) => (pattern.mask & bit) !== 0);
      }
    }
    this.substringPatterns.length = 0;
  }

  private reason(rule: number): SuppressionReason {
    const list = this.lists[this.ruleList[rule] ?? 0] ?? {
      id: "",
      name: "",
      kind: "warninglist",
      effect: "flag",
    };
    return {
      listId: list.id,
      listName: list.name,
      kind: list.kind,
      entry: this.ruleEntry[rule] ?? "",
      effect: list.effect,
    };
  }

  private collect(rules: number[] | undefined, mask: number): void {
    if (rules === undefined) return;
    for (const rule of rules) this.hit(rule, mask);
  }

  private hit(rule: number, mask: number): void {
    if (((this.ruleMask[rule] ?? 0) & mask) === 0 || this.stamps[rule] === this.call) return;
    this.stamps[rule] = this.call;
    this.hits.push(rule);
  }

  /** Rules of prefixes containing the address, or for a CIDR indicator its whole range (prefix length <= its own). */
  private matchIpv4(address: number, prefixLength: number, mask: number): void {
    const ranges = this.ipv4;
    const segment = ranges.segmentOf(address);
    const end = ranges.segmentStart[segment + 1] ?? 0;
    const longest = Math.max(prefixLength, 0);
    for (let i = ranges.segmentStart[segment] ?? 0; i < end; i++) {
      if ((ranges.payloadLength[i] ?? 0) <= longest) this.hit(ranges.payloads[i] ?? 0, mask);
    }
  }

  private matchHost(probe: Probe, mask: number): void {
    const hosts = this.hosts;
    const text = probe.hostText;
    const end = probe.hostEnd;
    const hashes = probe.hostHashes;
    const starts = probe.hostStarts;
    const top = probe.hostCount - 1;
    let key = hosts.find(hashes[top] ?? 0, text, starts[top] ?? 0, end);
    if (key !== -1) {
      const last = hosts.payloadStart[key + 1] ?? 0;
      for (let i = hosts.payloadStart[key] ?? 0; i < last; i++) this.hit(hosts.payloads[i] ?? 0, mask);
    }
    if ((this.hostSuffixMask & mask) === 0) return;
    // Parents, longest first: only entries that cover subdomains (not exact strings, not public suffixes).
    for (let k = top - 1; k >= 0; k--) {
      key = hosts.find(hashes[k] ?? 0, text, starts[k] ?? 0, end);
      if (key === -1) continue;
      const last = hosts.payloadStart[key + 1] ?? 0;
      for (let i = hosts.payloadStart[key] ?? 0; i < last; i++) {
        const rule = hosts.payloads[i] ?? 0;
        if (this.ruleSuffix[rule] === 1) this.hit(rule, mask);
      }
    }
  }

  /** Finds the rules matching the probe; returns how many (read them with `reasons`). */
  match(probe: Probe): number {
    // No rules (an empty allowlist, no scanned lists): nothing to find, and nothing left from a last call.
    if (this.ruleList.length === 0) return 0;
    this.call = (this.call + 1) | 0;
    if (this.hits.length !== 0) this.hits.length = 0;
    const mask = probe.mask;
    if (probe.ipv4 !== -1) {
      if ((this.ipv4Mask & mask) !== 0) this.matchIpv4(probe.ipv4, probe.prefixLength ?? 32, mask);
    } else if (probe.ipv6 !== undefined) {
      if ((this.ipv6Mask & mask) !== 0)
        this.collect(this.ipv6.lookup(probe.ipv6, probe.prefixLength ?? 128), mask);
    } else if (probe.hostCount > 0 && (this.hostMask & mask) !== 0) this.matchHost(probe, mask);
    if (probe.wholeValue && (this.exactWholeMask & mask) !== 0)
      this.collect(this.exactWhole.get(lowerValue(probe)), mask);
    if (probe.otherValue && (this.exactOtherMask & mask) !== 0)
      this.collect(this.exactOther.get(lowerValue(probe)), mask);
    if ((this.substringMask & mask) !== 0)
      this.collect(this.automata[probe.typeIndex]?.searchLowerCased(probe.value), mask);
    if ((this.regexMask & mask) !== 0 && probe.value.length <= maxRegexInputLength) {
      for (const { regex, rule } of this.regexes) {
        if (((this.ruleMask[rule] ?? 0) & mask) !== 0 && regex.test(probe.value)) this.hit(rule, mask);
      }
    }
    return this.hits.length;
  }

  /** The reasons for the rules found by the last `match`. */
  reasons(into: SuppressionReason[]): void {
    for (const rule of this.hits) into.push(this.reason(rule));
  }
}

function buildGlobal(warninglists: readonly WarninglistSource[], includeReserved: boolean): RuleSet {
  const rules = new RuleSet();
  if (includeReserved) {
    for (const { range, label } of reservedRanges) {
      const list = rules.addList({
        id: `reserved:${range}`,
        name: `Reserved range: ${label}`,
        kind: "reserved",
        effect: "suppress",
      });
      rules.addEntry(list, "cidr", range, ipMask | urlBit);
    }
  }
  for (const source of warninglists) {
    const list = rules.addList({
      id: source.id,
      name: source.list.name,
      kind: "warninglist",
      effect: source.effect ?? defaultListEffect(source.id, source.list),
    });
    const mask = warninglistTypeMask(source.list);
    for (const entry of source.list.list) rules.addEntry(list, source.list.type, entry, mask);
  }
  return rules.seal();
}

function allowlistMask(type: WarninglistType): number {
  switch (type) {
    case "cidr":
      return ipMask | urlBit;
    case "hostname":
    case "substring":
    case "regex":
      return hostMask;
    default:
      return typeMaskOf(indicatorTypes);
  }
}

function buildAllowlist(entries: readonly AllowlistEntry[], name: string): RuleSet {
  const rules = new RuleSet();
  for (const entry of entries) {
    const type = entry.type ?? detectEntryType(entry.value);
    const list = rules.addList({
      id: entry.id,
      name: entry.note === undefined ? name : `${name}: ${entry.note}`,
      kind: "allowlist",
      effect: "suppress",
    });
    const mask = entry.appliesTo === undefined ? allowlistMask(type) : typeMaskOf(entry.appliesTo);
    rules.addEntry(list, type, entry.value, mask);
  }
  return rules.seal();
}

export interface SuppressionIndexOptions {
  warninglists?: readonly WarninglistSource[];
  allowlist?: readonly AllowlistEntry[];
  /** List name shown for allowlist reasons. */
  allowlistName?: string;
  /** Flag private, loopback, multicast, documentation… addresses (default true). */
  reservedRanges?: boolean;
}

/**
 * Known-benign matching for one tenant: the global warninglists (built once, shared by every
 * tenant's index) plus the tenant's allowlist. Immutable: a changed allowlist is a new index
 * (`withAllowlist`), and `resuppress` applies it to stored indicators.
 */
export class SuppressionIndex {
  private readonly probe = newProbe();
  private readonly global: RuleSet;
  private readonly tenant: RuleSet;
  private readonly allowlistName: string;

  private constructor(global: RuleSet, tenant: RuleSet, allowlistName: string) {
    this.global = global;
    this.tenant = tenant;
    this.allowlistName = allowlistName;
  }

  static build(options: SuppressionIndexOptions = {}): SuppressionIndex {
    const name = options.allowlistName ?? "Tenant allowlist";
    return new SuppressionIndex(
      buildGlobal(options.warninglists ?? [], options.reservedRanges ?? true),
      buildAllowlist(options.allowlist ?? [], name),
      name,
    );
  }

  /** The same warninglists with another allowlist; cheap (the warninglist part is shared). */
  withAllowlist(entries: readonly AllowlistEntry[], name: string = this.allowlistName): SuppressionIndex {
    return new SuppressionIndex(this.global, buildAllowlist(entries, name), name);
  }

  /** Entries that could not be indexed (bad CIDR, unsafe regex…), with the reason. */
  get rejected(): RejectedEntry[] {
    return [...this.global.rejected, ...this.tenant.rejected];
  }

  get ruleCount(): { global: number; tenant: number } {
    return { global: this.global.ruleCount, tenant: this.tenant.ruleCount };
  }

  /**
   * Why an indicator is known-benign, if it is. `suppressed` is true when any reason has the
   * "suppress" effect; "flag" reasons (dynamic DNS, VPN exits…) are reported without suppressing.
   * Values are expected canonical (see @threatfusion/ioc `canonicalize`); hosts are lower-cased here.
   *
   * @example index.match({ type: "url", value: "https://www.github.com/x" })
   *   // { suppressed: true, reasons: [{ kind: "allowlist", entry: "github.com", … }] }
   */
  match(indicator: IndicatorRef): SuppressionMatch {
    const probe = this.probe;
    prepareProbe(probe, indicator.type, indicator.value);
    const globalHits = this.global.match(probe);
    const tenantHits = this.tenant.match(probe);
    if (globalHits === 0 && tenantHits === 0) return { suppressed: false, reasons: [] };
    const reasons: SuppressionReason[] = [];
    this.tenant.reasons(reasons);
    this.global.reasons(reasons);
    return { suppressed: reasons.some((reason) => reason.effect === "suppress"), reasons };
  }
}

export interface StoredSuppression<Id = string> extends IndicatorRef {
  id: Id;
  suppressed: boolean;
}

export interface SuppressionChange<Id = string> {
  id: Id;
  suppressed: boolean;
  reasons: SuppressionReason[];
}

/**
 * Retroactive suppression: matches stored indicators against a (new) index and returns only those
 * whose suppressed state changes — a new allowlist entry suppresses what is already stored, a
 * removed one restores it.
 */
export function resuppress<Id>(
  rows: Iterable<StoredSuppression<Id>>,
  index: SuppressionIndex,
): SuppressionChange<Id>[] {
  const changes: SuppressionChange<Id>[] = [];
  for (const row of rows) {
    const result = index.match(row);
    if (result.suppressed !== row.suppressed) {
      changes.push({ id: row.id, suppressed: result.suppressed, reasons: result.reasons });
    }
  }
  return changes;
}
