/**
 * Small readers that turn API JSON into the portal's types without trusting it: a missing or oddly named
 * field becomes a safe default instead of a crash or a blank page.
 */
import type { Page } from "./types.ts";

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : fallback;
}

export function strOrNull(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

export function num(value: unknown, fallback = 0): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return fallback;
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined || value === "" ? null : num(value, Number.NaN) || 0;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** First present field among several names (APIs name the same thing `items`, `data` …). */
export function pick(source: Json, ...names: string[]): unknown {
  for (const name of names) if (source[name] !== undefined) return source[name];
  return undefined;
}

/** A list page: `{ items|data|results: [...], nextCursor|next_cursor|next }` or a bare array. */
export function pageOf<T>(raw: unknown, read: (item: Json) => T, ...listNames: string[]): Page<T> {
  const list = Array.isArray(raw)
    ? raw
    : isObject(raw)
      ? pick(raw, ...listNames, "items", "data", "results", "objects")
      : undefined;
  const items = Array.isArray(list) ? list.filter(isObject).map(read) : [];
  const meta = isObject(raw) ? raw : {};
  const pageInfo = isObject(meta.page) ? meta.page : isObject(meta.pagination) ? meta.pagination : meta;
  const next = pick(pageInfo, "nextCursor", "next_cursor", "next", "cursor");
  const total = pick(pageInfo, "total", "count", "totalCount");
  return {
    items,
    nextCursor: typeof next === "string" && next !== "" ? next : null,
    total: typeof total === "number" ? total : undefined,
  };
}
