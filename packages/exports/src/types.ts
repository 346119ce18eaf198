import type { IndicatorType } from "@threatfusion/ioc";

/** TLP 2.0 levels (FIRST), as stored on an indicator. */
export const tlpLevels = ["clear", "green", "amber", "amber+strict", "red"] as const;
export type Tlp = (typeof tlpLevels)[number];

/** Why a tenant's overlay hides an indicator from exports by default. */
export const suppressionReasons = ["false_positive", "allowlisted"] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

/** True when an overlay status is one of the suppression reasons (the status names the reason). */
export function isSuppressionReason(status: string): status is SuppressionReason {
  return status === "false_positive" || status === "allowlisted";
}

export interface IndicatorContext {
  malwareFamily?: string;
  /** Free text such as "c2", "phishing", "botnet_cc"; mapped per format. */
  threatType?: string;
  /** An http(s) URL pointing at the report or feed entry. */
  reference?: string;
  description?: string;
}

/**
 * One row of the tenant-scoped "active indicators" query: the single input of every export channel,
 * so that segregation and the overlay cannot differ between channels.
 * Timestamps are RFC 3339 UTC strings (`2025-01-02T03:04:05.678Z`).
 */
export interface ExportIndicator {
  /** Our own id (`ind_…`), stable across exports. */
  id: string;
  type: IndicatorType;
  /** Canonical (refanged, normalised) value as the IOC engine produced it. */
  value: string;
  firstSeen: string;
  lastSeen: string;
  /** When the indicator entered this tenant's collection: TAXII `date_added`. */
  addedAt: string;
  modifiedAt: string;
  /** 0–100. */
  confidence: number;
  /** 0–100. */
  score: number;
  tlp: Tlp;
  tags: string[];
  context: IndicatorContext;
  /** Display names of the sources only, never tenant or client identifiers. */
  sources: string[];
  status?: "active" | "expired" | "revoked";
  /** Set by the tenant overlay; such rows are left out unless `includeSuppressed` is asked for. */
  suppressedReason?: SuppressionReason;
  /**
   * STIX ids computed by the reader (the database derives the same UUIDv5s in C, once per row, instead of
   * three SHA-1s in JavaScript); any id left out is derived by the STIX writer. See `StixIds`.
   */
  stixIds?: StixIds;
}

/** Precomputed ids of the three objects the STIX writer emits for one indicator (full `type--uuid` form). */
export interface StixIds {
  indicator?: string;
  observable?: string;
  relationship?: string;
}

/**
 * What every streaming writer reads: records one at a time, or in batches (one page of a database read),
 * which saves an async step per record on large exports.
 */
export type ExportSource =
  | AsyncIterable<ExportIndicator | readonly ExportIndicator[]>
  | Iterable<ExportIndicator | readonly ExportIndicator[]>;

/** True when an item of an `ExportSource` is a batch rather than a single record. */
export function isRecordBatch(
  item: ExportIndicator | readonly ExportIndicator[],
): item is readonly ExportIndicator[] {
  return Array.isArray(item);
}

/** The MSSP brand that produces an export (never one of its clients). */
export interface Producer {
  name: string;
  /** Contact line or URL shown in the STIX identity. */
  contact?: string;
  /** When the brand identity was first created (defaults to 2020-01-01T00:00:00.000Z). */
  createdAt?: string;
}

/** Options shared by every streaming writer: how the tenant overlay is applied. */
export interface OverlayOptions {
  /** Also export false positives and allowlisted indicators (each then carries its reason). */
  includeSuppressed?: boolean;
  /** Called for each record left out by the overlay, so the caller can count or log reasons. */
  onSuppressed?: (record: ExportIndicator, reason: SuppressionReason) => void;
}
