import { defang, refang } from "@threatfusion/ioc";
import type { Indicator } from "../api/types.ts";
import { formatDate, scoreBand, statusLabel } from "./badges.tsx";
import type { Column } from "./virtual-table.tsx";

/** Copies the real (refanged) value and shows a tick on the button for a moment. */
async function copyRefanged(indicator: Indicator, button: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(refang(indicator.value));
    button.textContent = "✓";
    setTimeout(() => {
      button.textContent = "⧉";
    }, 1500);
  } catch {
    button.textContent = "⧉";
  }
}

/**
 * The results-table columns shared by search and the table benchmark. Cells are text plus a class (the same
 * classes as the badges in badges.tsx), so the virtualized table writes them into recycled rows.
 */
export const indicatorColumns: Column<Indicator>[] = [
  {
    id: "value",
    header: "Indicator",
    width: "minmax(16rem, 3fr)",
    sortValue: (i) => i.value,
    text: (i) => defang(i.value),
    className: () => "ioc-value",
    title: (i) => defang(i.value),
    action: {
      icon: "⧉",
      title: "Copy the real (refanged) value",
      label: (i) => `Copy ${defang(i.value)} refanged`,
      run: (i, button) => void copyRefanged(i, button),
    },
  },
  { id: "type", header: "Type", width: "6rem", sortValue: (i) => i.type, text: (i) => i.type },
  {
    id: "score",
    header: "Score",
    width: "5rem",
    sortValue: (i) => i.score,
    text: (i) => String(i.score),
    className: (i) => `badge score score-${scoreBand(i.score)}`,
    title: (i) => `Score ${i.score} (${scoreBand(i.score)})`,
  },
  {
    id: "status",
    header: "Status",
    width: "8.5rem",
    sortValue: (i) => i.status,
    text: (i) => statusLabel(i.status),
    className: (i) => `badge status-${i.status}`,
  },
  {
    id: "sources",
    header: "Sources",
    width: "minmax(8rem, 1.5fr)",
    sortValue: (i) => i.sources.join(","),
    text: (i) => i.sources.join(", ") || "–",
    className: () => "truncate",
  },
  {
    id: "firstSeen",
    header: "First seen",
    width: "7rem",
    sortValue: (i) => i.firstSeen,
    text: (i) => formatDate(i.firstSeen),
  },
  {
    id: "lastSeen",
    header: "Last seen",
    width: "7rem",
    sortValue: (i) => i.lastSeen,
    text: (i) => formatDate(i.lastSeen),
  },
  {
    id: "tlp",
    header: "TLP",
    width: "7.5rem",
    sortValue: (i) => i.tlp,
    text: (i) => `TLP:${i.tlp.toUpperCase()}`,
    className: (i) => `badge tlp tlp-${i.tlp.replace("+", "-")}`,
  },
];
