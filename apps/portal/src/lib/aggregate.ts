/**
 * The timeline's per-day counts of a search's indicators, computed in the browser from the loaded rows (the
 * dashboard's counts come from the API's summary, computed in SQL).
 */
import type { Indicator } from "../api/types.ts";

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
