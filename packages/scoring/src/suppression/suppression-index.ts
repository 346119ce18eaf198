import { type IndicatorType, indicatorTypes } from "@threatfusion/ioc";
import ipaddr from "ipaddr.js";
import { getPublicSuffix } from "tldts";
import { AhoCorasick } from "./aho-corasick.ts";
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

/** Parses a dotted-quad IPv4 address into `out`; false when `text` is not one. Hot path: no allocation. */
function parseIPv4Into(text: string, out: Uint8Array): boolean {
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || part === 3) return false;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57) {
      value = value * 10 + (code - 48);
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  if (digits === 0 || part !== 3) return false;
  out[3] = value;
  return true;
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
  lower: string;
  /** The address to look up in the prefix tries (the indicator's, or a URL's IP host). */
  ipv4: Uint8Array | undefined;
  ipv6: number[] | undefined;
  prefixLength: number | undefined;
  /**
   * The host name to match against host entries (domain, URL host, e-mail domain) at `hostKeys[0]`,
   * then its parents down to two labels; `hostKeyCount` of them are valid. Computed once per
   * indicator and shared by both rule sets, so each string is sliced and hashed once.
   */
  hostKeys: string[];
  hostKeyCount: number;
  /** Whether to look the whole value up among exact URL/e-mail entries, or among other exact entries. */
  wholeValue: boolean;
  otherValue: boolean;
}

function newProbe(): Probe {
  return {
    mask: 0,
    typeIndex: 0,
    value: "",
    lower: "",
    ipv4: undefined,
    ipv6: undefined,
    prefixLength: undefined,
    hostKeys: [],
    hostKeyCount: 0,
    wholeValue: false,
    otherValue: false,
  };
}

function setProbeAddress(probe: Probe, text: string, scratch: Uint8Array): boolean {
  if (parseIPv4Into(text, scratch)) probe.ipv4 = scratch;
  else probe.ipv6 = parseIPv6Bytes(text);
  return probe.ipv4 !== undefined || probe.ipv6 !== undefined;
}

/** The host and its parents down to two labels (a one-label suffix entry is a public suffix: exact only). */
function setProbeHost(probe: Probe, host: string): void {
  const keys = probe.hostKeys;
  keys[0] = host;
  let count = 1;
  const last = host.lastIndexOf(".");
  for (let dot = host.indexOf("."); dot !== -1 && dot < last; dot = host.indexOf(".", dot + 1)) {
    keys[count++] = host.slice(dot + 1);
  }
  probe.hostKeyCount = count;
}

const typeIndexOf = new Map<IndicatorType, number>(indicatorTypes.map((type, index) => [type, index]));

/**
 * The host of a canonical http(s) URL without user info, port or brackets, lower-case already:
 * the fast path for what ingestion stores. Undefined when the URL is not that simple.
 */
function simpleUrlHost(url: string): string | undefined {
  const start = url.startsWith("https://") ? 8 : url.startsWith("http://") ? 7 : -1;
  if (start === -1) return undefined;
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === 47 || code === 63 || code === 35) {
      end = i;
      break;
    }
    // Upper case, user info, port, IPv6 bracket or trailing-dot handling: take the general path.
    if ((code >= 65 && code <= 90) || code === 64 || code === 58 || code === 91) return undefined;
  }
  if (end === start || url.charCodeAt(end - 1) === 46) return undefined;
  return url.slice(start, end);
}

function prepareProbe(probe: Probe, type: IndicatorType, value: string, scratch: Uint8Array): void {
  const lower = value.toLowerCase();
  const typeIndex = typeIndexOf.get(type) ?? 0;
  probe.typeIndex = typeIndex;
  probe.mask = 1 << typeIndex;
  probe.value = value;
  probe.lower = lower;
  probe.ipv4 = undefined;
  probe.ipv6 = undefined;
  probe.prefixLength = undefined;
  probe.hostKeyCount = 0;
  probe.wholeValue = false;
  probe.otherValue = false;
  switch (type) {
    case "ipv4":
    case "ipv6":
      setProbeAddress(probe, value, scratch);
      break;
    case "cidr": {
      const slash = value.indexOf("/");
      const length = slash === -1 ? undefined : Number(value.slice(slash + 1));
      if (length === undefined || Number.isInteger(length)) {
        probe.prefixLength = length;
        setProbeAddress(probe, slash === -1 ? value : value.slice(0, slash), scratch);
      }
      break;
    }
    case "domain":
      setProbeHost(probe, lower.endsWith(".") ? lower.slice(0, -1) : lower);
      break;
    case "url": {
      probe.wholeValue = true;
      const host = simpleUrlHost(value) ?? urlHost(value);
      if (host !== undefined && !setProbeAddress(probe, host, scratch)) setProbeHost(probe, host);
      break;
    }
    case "email": {
      probe.wholeValue = true;
      const at = lower.lastIndexOf("@");
      if (at !== -1) setProbeHost(probe, lower.slice(at + 1));
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
  private readonly ipv4 = new PrefixTrie();
  private readonly ipv6 = new PrefixTrie();
  /**
   * Exact entries in three maps, so that a hash lookup does not probe half a million host names:
   * host names (domains, URL and e-mail hosts), whole values with a "/", "@" or ":" (URLs, e-mails),
   * and everything else (hashes, CVEs, ASNs).
   */
  private readonly exactWhole = new Map<string, number[]>();
  private readonly exactOther = new Map<string, number[]>();
  /**
   * Host entries, exact and suffix ones in one map (one hash lookup per host label); a rule's
   * `ruleSuffix` flag says whether it also covers subdomains, i.e. matches at a parent label.
   */
  private readonly hosts = new Map<string, number[]>();
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
        const v4 = new Uint8Array(4);
        if (parseIPv4Into(address, v4)) {
          const length = bits === undefined ? 32 : Number(bits);
          if (!Number.isInteger(length) || length < 0 || length > 32)
            return this.reject(list, entry, "bad prefix");
          this.ipv4.insert(v4, length, this.newRule(list, entry, mask));
          return true;
        }
        const v6 = parseIPv6Bytes(address);
        if (v6 !== undefined) {
          const length = bits === undefined ? 128 : Number(bits);
          if (!Number.isInteger(length) || length < 0 || length > 128)
            return this.reject(list, entry, "bad prefix");
          this.ipv6.insert(v6, length, this.newRule(list, entry, mask));
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
        RuleSet.push(this.hosts, host, rule);
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
        if (/[/@:]/.test(value)) RuleSet.push(this.exactWhole, value, rule);
        if ((mask & hostMask) !== 0) RuleSet.push(this.hosts, value, rule);
        if ((mask & ~hostMask) !== 0) RuleSet.push(this.exactOther, value, rule);
        return true;
      }
      case "substring": {
        const value = entry.trim().toLowerCase();
        if (value.length === 0) return false;
        const rule = this.newRule(list, entry, mask);
        // An address in a substring list would suppress every address containing its digits
        // (1.2.3.4 inside 11.2.3.45): for IP indicators it matches as the exact address instead.
        const v4 = new Uint8Array(4);
        if ((mask & ipMask) !== 0 && parseIPv4Into(value, v4)) this.ipv4.insert(v4, 32, rule);
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

  private matchHost(probe: Probe, mask: number): void {
    const keys = probe.hostKeys;
    this.collect(this.hosts.get(keys[0] ?? ""), mask);
    if ((this.hostSuffixMask & mask) === 0) return;
    // Parents: only entries that cover subdomains (not exact strings, not public suffixes).
    for (let k = 1; k < probe.hostKeyCount; k++) {
      const rules = this.hosts.get(keys[k] ?? "");
      if (rules === undefined) continue;
      for (const rule of rules) if (this.ruleSuffix[rule] === 1) this.hit(rule, mask);
    }
  }

  /** Finds the rules matching the probe; returns how many (read them with `reasons`). */
  match(probe: Probe): number {
    this.call = (this.call + 1) | 0;
    this.hits.length = 0;
    const mask = probe.mask;
    if (probe.ipv4 !== undefined) this.collect(this.ipv4.lookup(probe.ipv4, probe.prefixLength ?? 32), mask);
    else if (probe.ipv6 !== undefined)
      this.collect(this.ipv6.lookup(probe.ipv6, probe.prefixLength ?? 128), mask);
    else if (probe.hostKeyCount > 0) this.matchHost(probe, mask);
    if (probe.wholeValue && this.exactWhole.size > 0) this.collect(this.exactWhole.get(probe.lower), mask);
    if (probe.otherValue && this.exactOther.size > 0) this.collect(this.exactOther.get(probe.lower), mask);
    if ((this.substringMask & mask) !== 0)
      this.collect(this.automata[probe.typeIndex]?.search(probe.lower), mask);
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
  private readonly scratch = new Uint8Array(4);
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
    prepareProbe(probe, indicator.type, indicator.value, this.scratch);
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
