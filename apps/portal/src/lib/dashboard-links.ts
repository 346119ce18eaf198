/**
 * Where each dashboard widget leads: the matching indicator search, as a URL the search page reads back
 * (lib/filters.ts). Kept apart from the page so the mapping is tested without a browser.
 */

export function searchHref(query: Record<string, string>): string {
  return `/indicators?${new URLSearchParams(query)}`;
}

/**
 * A "by source" bar: global sources filter by id; private indicators are counted under the owning tenant
 * (the tenant itself or its MSSP), which is not a source id, so those search by name instead.
 */
export function sourceHref(row: { key: string; label: string }): string {
  return row.key.startsWith("tnt_") ? searchHref({ q: row.label }) : searchHref({ source: row.key });
}

/** The last `days` entries of the series as chart input (seconds since the epoch, counts). */
export function seriesOf(days: readonly { day: string; count: number }[]): { x: number[]; y: number[] } {
  return { x: days.map((d) => Date.parse(d.day) / 1000), y: days.map((d) => d.count) };
}
