import { AppError } from "@threatfusion/core";
import type { DbTransaction } from "@threatfusion/db";
import { canonicalize, type IndicatorType, indicatorTypes, refang } from "@threatfusion/ioc";
import { sql } from "drizzle-orm";
import { resuppressPrivateIndicators } from "../scoring/private-suppression.ts";
import { rescoreTenantIndicators, type TenantScoreStats } from "../scoring/tenant-score.ts";
import { entryKeys, networkOf } from "../warninglists/keys.ts";

export const allowlistEntryTypes = ["cidr", "hostname", "string", "substring"] as const;
export type AllowlistEntryType = (typeof allowlistEntryTypes)[number];

/** A tenant allowlist entry as the API shows it. */
export interface AllowlistEntryView {
  id: string;
  value: string;
  type: AllowlistEntryType;
  appliesTo: IndicatorType[] | null;
  note: string | null;
  createdAt: string;
}

export interface AllowlistEntryRow extends Record<string, unknown> {
  id: string;
  value: string;
  entry_type: AllowlistEntryType;
  applies_to: IndicatorType[] | null;
  note: string | null;
  created_at: Date | string;
}

export function toAllowlistEntryView(row: AllowlistEntryRow): AllowlistEntryView {
  return {
    id: row.id,
    value: row.value,
    type: row.entry_type,
    appliesTo: row.applies_to,
    note: row.note,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/**
 * The stored form of an entry: a range as its network (`10.1.2.3/8` -> `10.0.0.0/8`), a host name
 * canonical (lower-case, punycode, no `*.` or trailing dot), a string or brand lower-case. The type is
 * detected when not given: address or range -> cidr, host name -> hostname, anything else -> string.
 */
export function normalizeAllowlistValue(
  raw: string,
  type: AllowlistEntryType | undefined,
): { value: string; type: AllowlistEntryType } {
  const trimmed = refang(raw.trim());
  if (trimmed.length === 0 || trimmed.length > 512) {
    throw new AppError("VALIDATION_FAILED", "value: must be 1 to 512 characters");
  }
  const network = networkOf(trimmed);
  if (type === "cidr" || (type === undefined && network !== null)) {
    if (network === null) throw new AppError("VALIDATION_FAILED", "value: not an IP address or CIDR range");
    return { value: network, type: "cidr" };
  }
  const hostText = trimmed.replace(/^\*\./, "").replace(/^\./, "").replace(/\.$/, "");
  // Internal names (corp.local, intranet.lan) have no public suffix but are host names all the same.
  const canonical = canonicalize("domain", hostText);
  const hostLike = /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/i.test(hostText);
  if (type === "hostname" || (type === undefined && (canonical.ok || hostLike))) {
    if (canonical.ok) return { value: canonical.value, type: "hostname" };
    if (hostLike) return { value: hostText.toLowerCase(), type: "hostname" };
    throw new AppError("VALIDATION_FAILED", "value: not a host name");
  }
  return { value: trimmed.toLowerCase(), type: type ?? "string" };
}

export function validateAppliesTo(appliesTo: readonly string[] | undefined): IndicatorType[] | null {
  if (appliesTo === undefined) return null;
  const known: readonly string[] = indicatorTypes;
  const unknown = appliesTo.filter((type) => !known.includes(type));
  if (unknown.length > 0 || appliesTo.length === 0) {
    throw new AppError(
      "VALIDATION_FAILED",
      `appliesTo: unknown or empty indicator types ${unknown.join(", ")}`,
    );
  }
  return [...new Set(appliesTo)] as IndicatorType[];
}

/** How many catalog indicators one allowlist change re-examines at most (a brand like "a" would be all). */
export const maxRetroactiveCandidates = 100_000;

/**
 * Catalog indicators that an entry could match (a superset, read with plain SQL); the scoring package's
 * matcher then decides exactly. Conditions sit inside CASE so that a value is cast to `inet` only when its
 * type says it is an address.
 */
export async function candidateIndicators(
  tx: DbTransaction,
  entry: { value: string; type: AllowlistEntryType },
  /** The acting tenant's own private indicators instead of the catalog. */
  privateOf?: string,
): Promise<string[]> {
  const keys = entryKeys(entry.type, entry.value);
  let condition: ReturnType<typeof sql>;
  if (entry.type === "cidr") {
    condition = sql`case
      when i.type in ('ipv4', 'ipv6') then i.value::inet <<= ${keys.net}::cidr
      when i.type = 'cidr' then i.value::cidr <<= ${keys.net}::cidr
      when i.type = 'url' then i.value ~ '^[a-z][a-z0-9+.-]*://(\\[[0-9a-f:.]+\\]|[0-9.]+)([:/?#]|$)'
      else false end`;
  } else if (entry.type === "hostname") {
    condition = sql`case when i.type in ('domain', 'url', 'email') then strpos(lower(i.value), ${keys.matchKey}) > 0
      else false end`;
  } else {
    condition = sql`strpos(lower(i.value), ${entry.value.toLowerCase()}) > 0`;
  }
  const { rows } = await tx.execute<{ id: string }>(
    privateOf === undefined
      ? sql`select i.id from indicators i where ${condition} limit ${maxRetroactiveCandidates}`
      : sql`select i.id from private_indicators i where i.tenant_id = ${privateOf} and ${condition}
          limit ${maxRetroactiveCandidates}`,
  );
  return rows.map((row) => row.id);
}

/**
 * Re-scores the tenant's overlay of the given catalog indicators and re-decides the given private ones
 * (retroactive allowlisting and its undoing). `changed` counts both.
 */
export async function applyAllowlistChange(
  tx: DbTransaction,
  scope: { tenantId: string; msspId: string | null },
  indicatorIds: readonly string[],
  now: number,
  privateIndicatorIds: readonly string[] = [],
): Promise<TenantScoreStats> {
  const catalog = await rescoreTenantIndicators(tx, { ...scope, indicatorIds, now });
  const own = await resuppressPrivateIndicators(tx, {
    tenantId: scope.tenantId,
    select: { ids: privateIndicatorIds },
    now,
  });
  return { ...catalog, examined: catalog.examined + own.examined, changed: catalog.changed + own.changed };
}
