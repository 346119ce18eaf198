import { describe, expect, it } from "vitest";
import { rowOfSlot, rowWindow, slotCount } from "./row-window.ts";

const slots = slotCount(360, 36, 4);

function shownRows(scrollTop: number, total: number): number[] {
  const window = rowWindow({ scrollTop, rowHeight: 36, total, slots, overscan: 4 });
  return Array.from({ length: slots }, (_, slot) => rowOfSlot(slot, window, slots));
}

describe("row window", () => {
  it("sizes the pool for the viewport plus a partial row and overscan on both sides", () => {
    expect(slots).toBe(10 + 1 + 8);
  });

  it("shows every row of the window exactly once, whatever the scroll position", () => {
    for (const scrollTop of [0, 17, 36 * 5, 36 * 1000 + 11, 36 * 99_990]) {
      const shown = shownRows(scrollTop, 100_000).filter((row) => row >= 0);
      const window = rowWindow({ scrollTop, rowHeight: 36, total: 100_000, slots, overscan: 4 });
      expect(shown.sort((a, b) => a - b)).toEqual(
        Array.from({ length: window.count }, (_, i) => window.first + i),
      );
      expect(window.first).toBeLessThanOrEqual(Math.floor(scrollTop / 36));
    }
  });

  it("repaints only the slot whose row left the window when scrolling by one row", () => {
    const before = shownRows(36 * 500, 100_000);
    const after = shownRows(36 * 501, 100_000);
    expect(before.filter((row, slot) => after[slot] !== row)).toHaveLength(1);
  });

  it("stops at the last row and leaves spare slots unused for short lists", () => {
    const atEnd = rowWindow({ scrollTop: 36 * 100_000, rowHeight: 36, total: 100_000, slots, overscan: 4 });
    expect(atEnd.first + atEnd.count).toBe(100_000);
    expect(shownRows(0, 3).filter((row) => row >= 0)).toEqual([0, 1, 2]);
    expect(shownRows(0, 0).every((row) => row === -1)).toBe(true);
  });
});
