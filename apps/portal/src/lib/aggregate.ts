/**
 * Dashboard aggregates computed in the browser from a page of indicators (the API has no summary
 * endpoint yet): counts by type, source, malware family and threat type, and new indicators per day.
 */
import type { DashboardCounts, Indicator } from "../api/types.ts";

export function countBy(
  items: readonly Indicator[],
  key: (i: Indicator) => readonly string[],
  top = 8,
): DashboardCounts[] {
  const counts = new Map<string, number>();
  for (const item of items) for (const k of key(item)) if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
    .slice(0, top);
}

/** New indicators per UTC day over the last `days` days (zero-filled), by first-seen date. */
export function perDay(
  items: readonly Indicator[],
  days: number,
  now: Date,
): { day: string; count: number }[] {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const buckets = new Map<string, number>();
  for (let i = days - 1; i >= 0; i--)
    buckets.set(new Date(end - i * 86_400_000).toISOString().slice(0, 10), 0);
  for (const item of items) {
    const day = item.firstSeen.slice(0, 10);
    const current = buckets.get(day);
    if (current !== undefined) buckets.set(day, current + 1);
  }
  return [...buckets.entries()].map(([day, count]) => ({ day, count }));
}
