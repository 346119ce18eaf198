/**
 * Search filters <-> URL query: the address bar is the state of a search, so a search can be bookmarked,
 * shared, linked from a dashboard widget and saved.
 */
import type { IndicatorFilters } from "../api/endpoints.ts";

export const filterKeys = [
  "q",
  "type",
  "source",
  "tag",
  "status",
  "scoreMin",
  "scoreMax",
  "firstSeenFrom",
  "firstSeenTo",
  "lastSeenFrom",
  "lastSeenTo",
  "tlp",
  "sort",
] as const;

type Params = Partial<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function filtersFromParams(params: Params): IndicatorFilters {
  const filters: IndicatorFilters = {};
  for (const key of filterKeys) {
    const value = first(params[key])?.trim();
    if (!value) continue;
    if (key === "scoreMin" || key === "scoreMax") {
      const n = Number(value);
      if (Number.isFinite(n)) filters[key] = Math.max(0, Math.min(100, Math.round(n)));
    } else {
      filters[key] = value;
    }
  }
  return filters;
}

export function filtersToParams(filters: IndicatorFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of filterKeys) {
    const value = filters[key];
    if (value !== undefined && value !== "") out[key] = String(value);
  }
  return out;
}

/** A short human summary: `type ipv4 · score ≥ 70 · "emotet"`. */
export function describeFilters(filters: IndicatorFilters): string {
  const parts: string[] = [];
  if (filters.q) parts.push(`"${filters.q}"`);
  if (filters.type) parts.push(`type ${filters.type}`);
  if (filters.source) parts.push(`source ${filters.source}`);
  if (filters.tag) parts.push(`tag ${filters.tag}`);
  if (filters.status) parts.push(`status ${filters.status}`);
  if (filters.scoreMin !== undefined) parts.push(`score ≥ ${filters.scoreMin}`);
  if (filters.scoreMax !== undefined) parts.push(`score ≤ ${filters.scoreMax}`);
  if (filters.tlp) parts.push(`TLP ${filters.tlp}`);
  if (filters.firstSeenFrom || filters.firstSeenTo)
    parts.push(`first seen ${filters.firstSeenFrom ?? "…"}–${filters.firstSeenTo ?? "…"}`);
  if (filters.lastSeenFrom || filters.lastSeenTo)
    parts.push(`last seen ${filters.lastSeenFrom ?? "…"}–${filters.lastSeenTo ?? "…"}`);
  return parts.length > 0 ? parts.join(" · ") : "all active indicators";
}
