/**
 * The maths of the results table's windowing, kept pure so it is tested without a browser. Rows have one
 * fixed height; a fixed pool of row slots is recycled as the window moves: slot `s` always shows the row
 * whose index is congruent to `s` modulo the pool size, so scrolling by one row repaints one slot, not all.
 */

export interface RowWindow {
  /** Index of the first row in the window (overscan included). */
  first: number;
  /** Rows in the window: never more than the pool size, fewer at the end of the data. */
  count: number;
}

/** How many slots the pool needs for a viewport: the rows that fit, one partial row, overscan both sides. */
export function slotCount(viewportHeight: number, rowHeight: number, overscan: number): number {
  return Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1 + 2 * overscan;
}

/** The window of rows to show for a scroll position. */
export function rowWindow(input: {
  scrollTop: number;
  rowHeight: number;
  total: number;
  slots: number;
  overscan: number;
}): RowWindow {
  const { scrollTop, rowHeight, total, slots, overscan } = input;
  const firstVisible = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const first = Math.max(0, Math.min(firstVisible - overscan, total - slots));
  return { first, count: Math.max(0, Math.min(slots, total - first)) };
}

/** The row a slot shows in a window, or -1 when the slot is unused (fewer rows than slots). */
export function rowOfSlot(slot: number, window: RowWindow, slots: number): number {
  const offset = (((slot - window.first) % slots) + slots) % slots;
  return offset < window.count ? window.first + offset : -1;
}
