import { sha256 } from "@noble/hashes/sha2.js";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { textToByteStream } from "./stream.ts";
import {
  type ExportIndicator,
  type ExportSource,
  isRecordBatch,
  type OverlayOptions,
  type SuppressionReason,
} from "./types.ts";

/** The three list kinds firewalls import: PAN-OS EDL types, FortiGate threat-feed types. */
export type BlocklistKind = "ip" | "domain" | "url";

export interface VendorLimits {
  /** Maximum entries per list kind that the device will load; entries past it are skipped by the device. */
  entries: Record<BlocklistKind, number>;
  /** Maximum size of one list file in bytes, when the vendor sets one. */
  maxBytes?: number;
  /** Entry syntax family. */
  syntax: "panos" | "fortinet" | "plain";
}

/**
 * Per-vendor size guards, from the vendors' documentation:
 * - PAN-OS: "PA-5000 Series and PA-7000 Series firewalls support a maximum of 150,000 total IP addresses;
 *   all other platforms support a maximum of 50,000 total IP addresses … a maximum of 50,000 URLs and
 *   50,000 domains are supported on each platform" (PAN-OS 7.1 web interface help, Objects > External
 *   Dynamic Lists, docs.paloaltonetworks.com/pan-os/7-1/pan-os-web-interface-help/objects/objects-external-dynamic-lists).
 *   Later releases raise the limits per model (Objects > External Dynamic Lists > List Capacities shows the
 *   firewall's own figures); the documented floor is used by default and callers may pass their own.
 * - FortiGate before 7.4.4: "the limit for each external resource is 10MB or 128K entries" (Fortinet
 *   community article 378964). From 7.4.4 the limits are global per model range: IP 300,000 everywhere;
 *   domain 5,000,000 / 3,000,000 / 1,000,000 and URL ("category") 2,000,000 / 300,000 / 150,000 entries and
 *   128 / 64 / 32 MB for High-End / Mid-Range / Entry-Level (FortiOS 7.4 new features, "External resource
 *   entry limit enhancements 7.4.4").
 * - Check Point: no documented per-list figure was found; use `plain` with explicit limits.
 */
export const vendorLimits = {
  panos: { entries: { ip: 50_000, domain: 50_000, url: 50_000 }, syntax: "panos" },
  "panos-high-end": { entries: { ip: 150_000, domain: 50_000, url: 50_000 }, syntax: "panos" },
  "fortigate-legacy": {
    entries: { ip: 131_072, domain: 131_072, url: 131_072 },
    maxBytes: 10 * 1024 * 1024,
    syntax: "fortinet",
  },
  "fortigate-entry": {
    entries: { ip: 300_000, domain: 1_000_000, url: 150_000 },
    maxBytes: 32 * 1024 * 1024,
    syntax: "fortinet",
  },
  "fortigate-mid": {
    entries: { ip: 300_000, domain: 3_000_000, url: 300_000 },
    maxBytes: 64 * 1024 * 1024,
    syntax: "fortinet",
  },
  "fortigate-high-end": {
    entries: { ip: 300_000, domain: 5_000_000, url: 2_000_000 },
    maxBytes: 128 * 1024 * 1024,
    syntax: "fortinet",
  },
  plain: {
    entries: {
      ip: Number.POSITIVE_INFINITY,
      domain: Number.POSITIVE_INFINITY,
      url: Number.POSITIVE_INFINITY,
    },
    syntax: "plain",
  },
} as const satisfies Record<string, VendorLimits>;

export type BlocklistVendor = keyof typeof vendorLimits;

/** PAN-OS caps a domain-list entry at 255 characters; we apply the same cap to URL entries. */
const panosMaxEntryLength = 255;

export type EntryResult = { ok: true; entries: string[] } | { ok: false; reason: string };

function asciiHost(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * A URL in PAN-OS URL-list form: no scheme (the list must not carry `http://`/`https://`), host in
 * lower case and punycode, no port, user info or fragment (entries match on host and path), and an
 * explicit trailing `/` on a bare host (the firewall would append one anyway). Entries holding `*` or
 * `^` are refused: PAN-OS reads those as wildcards, so the entry would match more than the indicator.
 */
export function panosUrlEntry(value: string): EntryResult {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: "not a parseable URL" };
  }
  const path = url.pathname === "/" && url.search === "" ? "/" : `${url.pathname}${url.search}`;
  const entry = `${url.hostname}${path}`;
  if (/[*^]/.test(entry)) return { ok: false, reason: "holds a PAN-OS wildcard character (* or ^)" };
  if (/\s/.test(entry)) return { ok: false, reason: "holds white space" };
  if (entry.length > panosMaxEntryLength) return { ok: false, reason: "longer than 255 characters" };
  return { ok: true, entries: [entry] };
}

export interface EntryOptions {
  /** For domain lists: also emit `*.domain` so that every subdomain is blocked too (default false). */
  wildcardSubdomains?: boolean;
}

/**
 * The list line(s) for one indicator in a list of `kind` for `vendor`, or why it cannot be listed.
 *
 * @example blocklistEntries(record, "domain", "panos", { wildcardSubdomains: true }) // ["evil.example", "*.evil.example"]
 */
export function blocklistEntries(
  record: Pick<ExportIndicator, "type" | "value">,
  kind: BlocklistKind,
  vendor: BlocklistVendor,
  options: EntryOptions = {},
): EntryResult {
  const syntax = vendorLimits[vendor].syntax;
  switch (kind) {
    case "ip":
      if (record.type === "ipv4" || record.type === "ipv6" || record.type === "cidr") {
        return { ok: true, entries: [record.value] };
      }
      return { ok: false, reason: `a ${record.type} does not belong in an IP list` };
    case "domain": {
      if (record.type !== "domain")
        return { ok: false, reason: `a ${record.type} does not belong in a domain list` };
      const host = asciiHost(record.value.toLowerCase());
      if (host === undefined) return { ok: false, reason: "not a valid host name" };
      if (syntax === "panos" && host.length > panosMaxEntryLength - 2) {
        return { ok: false, reason: "longer than 255 characters" };
      }
      return { ok: true, entries: options.wildcardSubdomains === true ? [host, `*.${host}`] : [host] };
    }
    case "url":
      if (record.type !== "url")
        return { ok: false, reason: `a ${record.type} does not belong in a URL list` };
      if (syntax === "panos") return panosUrlEntry(record.value);
      // FortiGate and plain lists take the URL as written; the fragment never reaches a proxy.
      return { ok: true, entries: [record.value.replace(/#.*$/s, "")] };
  }
}

export interface BlocklistOptions extends OverlayOptions, EntryOptions {
  kind: BlocklistKind;
  vendor: BlocklistVendor;
  /** Overrides the vendor's entry limit, e.g. with the figure from the firewall's List Capacities. */
  maxEntries?: number;
  /** Called once when the limit is reached; the rest of the records are not listed. */
  onLimit?: (info: { entries: number; bytes: number; limit: "entries" | "bytes" }) => void;
  /** Called for each record that cannot be written in this list's syntax. */
  onSkipped?: (record: ExportIndicator, reason: string) => void;
}

const lineEncoder = new TextEncoder();

/** Lines are gathered up to about this many UTF-16 units before they go to the byte stream. */
const linesPieceTarget = 256 * 1024;

/** UTF-8 length of a string without encoding it (entries are mostly ASCII: one pass of char codes). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff)
      i++; // a surrogate pair: 4 bytes for 2 units
    else bytes += 2;
  }
  return bytes;
}

async function* blocklistLines(records: ExportSource, options: BlocklistOptions): AsyncGenerator<string> {
  const limits: VendorLimits = vendorLimits[options.vendor];
  const maxEntries = options.maxEntries ?? limits.entries[options.kind];
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  let entries = 0;
  let bytes = 0;
  const written = new Set<string>();
  let piece = "";
  for await (const item of records) {
    const batch: readonly ExportIndicator[] = isRecordBatch(item) ? item : [item];
    for (const record of batch) {
      const reason: SuppressionReason | undefined = record.suppressedReason;
      if (reason !== undefined && options.includeSuppressed !== true) {
        options.onSuppressed?.(record, reason);
        continue;
      }
      const result = blocklistEntries(record, options.kind, options.vendor, options);
      if (!result.ok) {
        options.onSkipped?.(record, result.reason);
        continue;
      }
      for (const entry of result.entries) {
        // Two indicators can map to one entry (URLs differing only by scheme or port).
        if (written.has(entry)) continue;
        const lineBytes = utf8Length(entry) + 1;
        if (entries + 1 > maxEntries || bytes + lineBytes > maxBytes) {
          if (piece.length > 0) yield piece;
          options.onLimit?.({ entries, bytes, limit: entries + 1 > maxEntries ? "entries" : "bytes" });
          return;
        }
        written.add(entry);
        entries += 1;
        bytes += lineBytes;
        piece += `${entry}\n`;
      }
      if (piece.length >= linesPieceTarget) {
        yield piece;
        piece = "";
      }
    }
  }
  if (piece.length > 0) yield piece;
}

/**
 * Streams a plain-text blocklist, one entry per line (`\n`), in the syntax and within the size limits of
 * the chosen vendor. Records arrive in priority order (e.g. score descending), so when the vendor limit
 * is reached the most important entries are the ones kept; `onLimit` tells the caller it happened.
 * Duplicate entries are written once, which needs memory proportional to the list (bounded by the limit).
 */
export function blocklistStream(
  records: ExportSource,
  options: BlocklistOptions,
): ReadableStream<Uint8Array> {
  return textToByteStream(blocklistLines(records, options));
}

/**
 * A run of list lines the reader rendered itself: entries joined by `\n` (no final line end), unique across
 * the whole list and in priority order, with their count and UTF-8 size (line ends not counted).
 */
export interface RenderedLines {
  text: string;
  entries: number;
  utf8Bytes: number;
}

async function* renderedListPieces(
  runs: AsyncIterable<readonly RenderedLines[]> | Iterable<readonly RenderedLines[]>,
  options: Pick<BlocklistOptions, "kind" | "vendor" | "maxEntries" | "onLimit">,
): AsyncGenerator<string> {
  const limits: VendorLimits = vendorLimits[options.vendor];
  const maxEntries = options.maxEntries ?? limits.entries[options.kind];
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  let entries = 0;
  let bytes = 0;
  for await (const batch of runs) {
    let piece = "";
    for (const run of batch) {
      if (run.entries === 0) continue;
      const runBytes = run.utf8Bytes + run.entries;
      if (entries + run.entries <= maxEntries && bytes + runBytes <= maxBytes) {
        piece += `${run.text}\n`;
        entries += run.entries;
        bytes += runBytes;
        continue;
      }
      // The run that crosses a limit is cut at the last entry that fits, exactly as `blocklistStream` stops.
      for (const entry of run.text.split("\n")) {
        const lineBytes = utf8Length(entry) + 1;
        if (entries + 1 > maxEntries || bytes + lineBytes > maxBytes) {
          if (piece.length > 0) yield piece;
          options.onLimit?.({ entries, bytes, limit: entries + 1 > maxEntries ? "entries" : "bytes" });
          return;
        }
        piece += `${entry}\n`;
        entries += 1;
        bytes += lineBytes;
      }
    }
    if (piece.length > 0) yield piece;
  }
}

/**
 * Streams a blocklist from lines the database rendered, for lists whose entry is the indicator's value
 * itself in every vendor syntax (IP lists): the same body `blocklistStream` writes from records in the
 * same order, with the same vendor limits, but without a record, a line or a set entry per indicator in
 * the Worker. The reader guarantees what `blocklistStream` would otherwise do: unique entries, suppressed
 * rows left out unless asked for.
 */
export function renderedBlocklistStream(
  runs: AsyncIterable<readonly RenderedLines[]> | Iterable<readonly RenderedLines[]>,
  options: Pick<BlocklistOptions, "kind" | "vendor" | "maxEntries" | "onLimit">,
): ReadableStream<Uint8Array> {
  return textToByteStream(renderedListPieces(runs, options));
}

/**
 * Incremental SHA-256 over list content, for a strong ETag when the body is built or cached before it is
 * sent (e.g. a list stored in object storage). Feed it the same text the body holds.
 */
export class ContentEtag {
  readonly #hash = sha256.create();

  update(text: string): this {
    this.#hash.update(lineEncoder.encode(text));
    return this;
  }

  /** The strong ETag, quoted, e.g. `"c-3q2-…"`. */
  digest(): string {
    return `"c-${encodeBase64urlNoPadding(this.#hash.digest().subarray(0, 18))}"`;
  }
}

/**
 * A strong ETag known before streaming, from the list's version: everything that determines the body
 * (tenant list id, kind, vendor, options, and the cursor of the newest change with the row count). Two
 * responses with the same inputs are byte-identical, which is what a strong validator promises.
 */
export function versionEtag(parts: Record<string, string | number | boolean>): string {
  const text = Object.keys(parts)
    .sort()
    .map((key) => `${key}=${String(parts[key])}`)
    .join("&");
  return `"v-${encodeBase64urlNoPadding(sha256(lineEncoder.encode(text)).subarray(0, 18))}"`;
}

/**
 * RFC 9110 If-None-Match: true when the client's copy is current and a 304 should be sent.
 * Uses the weak comparison the RFC prescribes for this header (`W/"x"` matches `"x"`); `*` matches any.
 */
export function ifNoneMatchHits(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (ifNoneMatch === null || ifNoneMatch === undefined) return false;
  const header = ifNoneMatch.trim();
  if (header === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  const target = opaque(etag);
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => opaque(tag) === target);
}

/** One change to a list since a cursor. */
export interface BlocklistChange {
  op: "add" | "remove";
  entry: string;
}

/** A row of the "changes since" query: the record and whether it left the active set. */
export interface IndicatorChange {
  record: ExportIndicator;
  /** True when the indicator expired, was revoked or deleted since the cursor. */
  removed: boolean;
}

/**
 * Maps indicator changes to list changes for one list. An indicator that became a false positive or
 * allowlisted since the cursor is published as a removal (unless suppressed ones are included), so the
 * firewall drops it: the overlay applies to diffs as it does to full lists.
 */
export async function* blocklistChanges(
  changes: AsyncIterable<IndicatorChange> | Iterable<IndicatorChange>,
  options: Pick<BlocklistOptions, "kind" | "vendor" | "wildcardSubdomains" | "includeSuppressed">,
): AsyncGenerator<BlocklistChange> {
  for await (const { record, removed } of changes) {
    const result = blocklistEntries(record, options.kind, options.vendor, options);
    if (!result.ok) continue;
    const hidden = record.suppressedReason !== undefined && options.includeSuppressed !== true;
    const op = removed || hidden ? "remove" : "add";
    for (const entry of result.entries) yield { op, entry };
  }
}

export interface SinceDiffOptions {
  format: "text" | "json";
  /** The cursor the client sent (echoed in the JSON form). */
  since: string;
  /** The cursor to send next time: fixed by the caller before the query (e.g. the newest change's position). */
  next: string;
}

async function* diffPieces(
  changes: AsyncIterable<BlocklistChange> | Iterable<BlocklistChange>,
  options: SinceDiffOptions,
): AsyncGenerator<string> {
  if (options.format === "text") {
    yield `#next ${options.next}\n`;
    for await (const change of changes) yield `${change.op === "add" ? "+" : "-"}${change.entry}\n`;
    return;
  }
  yield `{"since":${JSON.stringify(options.since)},"next":${JSON.stringify(options.next)},"changes":[`;
  let first = true;
  for await (const change of changes) {
    yield `${first ? "" : ","}${JSON.stringify(change)}`;
    first = false;
  }
  yield "]}";
}

/**
 * Streams the changes to a list since a cursor.
 *
 * Text form (`text/plain`): a first line `#next <cursor>`, then one line per change, `+<entry>` for an
 * addition and `-<entry>` for a removal, in the order they happened (a later line wins). Clients keep
 * their list, apply the lines, and call again with `since=<cursor>`.
 *
 * JSON form: `{"since":"…","next":"…","changes":[{"op":"add","entry":"1.2.3.4"},{"op":"remove",…}]}`.
 *
 * Cursors are opaque (see `encodeCursor`); an unknown or too old cursor should get a full list instead.
 */
export function sinceDiffStream(
  changes: AsyncIterable<BlocklistChange> | Iterable<BlocklistChange>,
  options: SinceDiffOptions,
): ReadableStream<Uint8Array> {
  return textToByteStream(diffPieces(changes, options));
}

/** Parses the text form of a diff and applies it to a list (what a client does): for round-trip tests and the CLI. */
export function applySinceDiff(
  list: Iterable<string>,
  diffText: string,
): { next: string; entries: Set<string> } {
  const entries = new Set(list);
  let next = "";
  for (const line of diffText.split("\n")) {
    if (line.startsWith("#next ")) next = line.slice(6);
    else if (line.startsWith("+")) entries.add(line.slice(1));
    else if (line.startsWith("-")) entries.delete(line.slice(1));
  }
  return { next, entries };
}
