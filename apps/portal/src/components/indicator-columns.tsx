import type { Indicator } from "../api/types.ts";
import { formatDate, ScoreBadge, StatusBadge, TlpBadge } from "./badges.tsx";
import { IndicatorValue } from "./indicator-value.tsx";
import type { Column } from "./virtual-table.tsx";

/** The results-table columns shared by search and the table benchmark. */
export const indicatorColumns: Column<Indicator>[] = [
  {
    id: "value",
    header: "Indicator",
    width: "minmax(16rem, 3fr)",
    sortValue: (i) => i.value,
    cell: (i) => <IndicatorValue value={i.value} />,
  },
  { id: "type", header: "Type", width: "6rem", sortValue: (i) => i.type, cell: (i) => i.type },
  {
    id: "score",
    header: "Score",
    width: "5rem",
    sortValue: (i) => i.score,
    cell: (i) => <ScoreBadge score={i.score} />,
  },
  {
    id: "status",
    header: "Status",
    width: "8.5rem",
    sortValue: (i) => i.status,
    cell: (i) => <StatusBadge status={i.status} />,
  },
  {
    id: "sources",
    header: "Sources",
    width: "minmax(8rem, 1.5fr)",
    sortValue: (i) => i.sources.join(","),
    cell: (i) => <span class="truncate">{i.sources.join(", ") || "–"}</span>,
  },
  {
    id: "firstSeen",
    header: "First seen",
    width: "7rem",
    sortValue: (i) => i.firstSeen,
    cell: (i) => formatDate(i.firstSeen),
  },
  {
    id: "lastSeen",
    header: "Last seen",
    width: "7rem",
    sortValue: (i) => i.lastSeen,
    cell: (i) => formatDate(i.lastSeen),
  },
  {
    id: "tlp",
    header: "TLP",
    width: "7.5rem",
    sortValue: (i) => i.tlp,
    cell: (i) => <TlpBadge tlp={i.tlp} />,
  },
];
