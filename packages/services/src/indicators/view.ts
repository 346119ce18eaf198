import type { ActiveIndicator } from "./active-indicators.ts";

/** The public JSON shape of one indicator (REST, search results, lookups): the row without its cursor. */
export type IndicatorView = Omit<ActiveIndicator, "cursor">;

/** Drops the keyset position, which only the paging layer needs. */
export function toIndicatorView(row: ActiveIndicator): IndicatorView {
  const { cursor: _cursor, ...view } = row;
  return view;
}
