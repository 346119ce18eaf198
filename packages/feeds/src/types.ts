import type { IndicatorType } from "@threatfusion/ioc";

/** What a feed says about one indicator, beyond its value. Every field is optional: feeds differ. */
export interface IndicatorContext {
  malwareFamily?: string;
  threatType?: string;
  reference?: string;
  description?: string;
  port?: number;
  /** Source-side identifiers: MISP event uuid, STIX object id, OTX pulse id, abuse.ch row id. */
  eventId?: string;
  eventInfo?: string;
  sourceId?: string;
  createdByRef?: string;
  status?: string;
  reporter?: string;
  filename?: string;
  tlp?: string;
  /** MISP galaxy clusters, as `galaxy type: cluster value`. */
  galaxies?: string[];
  /** CISA KEV entry fields. */
  vendor?: string;
  product?: string;
  vulnerabilityName?: string;
  dueDate?: string;
  requiredAction?: string;
  knownRansomwareCampaignUse?: string;
  /** Anything else a mapping or a format keeps, as plain strings. */
  extra?: Record<string, string>;
}

/** One normalized indicator yielded by any parser. `value` is canonical (went through `canonicalize`). */
export interface ParsedIndicator {
  type: IndicatorType;
  value: string;
  firstSeen?: string;
  lastSeen?: string;
  /** 0–100 as the feed gave it. */
  confidence?: number;
  tags: string[];
  context: IndicatorContext;
  /** 1-based line (text formats) or 1-based item index (JSON formats). */
  line?: number;
}

/** A row the parser could not turn into an indicator. `raw` is cut to about 200 characters. */
export interface RejectedRow {
  line: number;
  reason: string;
  raw: string;
}

export type ParseEvent =
  | { kind: "indicator"; indicator: ParsedIndicator }
  | { kind: "rejected"; row: RejectedRow }
  /** A well-formed entry that is deliberately not an indicator (MISP `to_ids: false`, a STIX `MATCHES` pattern…). */
  | { kind: "skipped"; line: number; reason: string }
  /** Feed-level facts: TAXII `more`/`next`, KEV `catalogVersion`, Spamhaus metadata… */
  | { kind: "meta"; key: string; value: string | number | boolean }
  /** STIX objects that are not indicators or observables (malware, attack-pattern, relationship…), kept for later. */
  | { kind: "stix-object"; object: Record<string, unknown> }
  | { kind: "end"; stats: ParseStats };

export interface ParseStats {
  /** Highest line (text formats) or array element (JSON formats) number that produced an event. */
  units: number;
  indicators: number;
  rejected: number;
  skipped: number;
}

export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;
