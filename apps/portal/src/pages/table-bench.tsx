import { useSearchParams } from "@solidjs/router";
import { createMemo, createSignal, type JSX } from "solid-js";
import type { Indicator, IndicatorStatus } from "../api/types.ts";
import { indicatorColumns } from "../components/indicator-columns.tsx";
import { type SortState, sortRows, VirtualTable } from "../components/virtual-table.tsx";

const statuses: IndicatorStatus[] = ["new", "investigating", "confirmed", "false_positive"];

/** Deterministic synthetic rows for the table benchmark (apps/portal/bench/table-scroll.ts). */
export function syntheticIndicators(count: number): Indicator[] {
  const rows: Indicator[] = [];
  for (let i = 0; i < count; i++) {
    const a = (i >> 16) & 255;
    const b = (i >> 8) & 255;
    const c = i & 255;
    const isDomain = i % 3 === 0;
    rows.push({
      id: `ind_bench_${i}`,
      type: isDomain ? "domain" : "ipv4",
      value: isDomain ? `host-${i}.example.com` : `10.${a}.${b}.${c}`,
      score: (i * 37) % 101,
      confidence: 50,
      status: statuses[i % statuses.length] ?? "new",
      tlp: "clear",
      tags: [],
      firstSeen: new Date(Date.UTC(2026, 0, 1) + (i % 300) * 86_400_000).toISOString(),
      lastSeen: new Date(Date.UTC(2026, 10, 1) + (i % 20) * 86_400_000).toISOString(),
      sources: [`feed-${i % 7}`],
      malwareFamily: null,
      threatType: null,
      private: false,
      globalScore: (i * 37) % 101,
      sightingsCount: i % 5,
      lastSightedAt: null,
    });
  }
  return rows;
}

/** Not linked from the navigation: the results table with N synthetic rows, for the scroll benchmark. */
export default function TableBenchPage(): JSX.Element {
  const [params] = useSearchParams<{ rows?: string }>();
  const count = () => Math.min(500_000, Math.max(1, Number(params.rows ?? 100_000) || 100_000));
  const rows = createMemo(() => syntheticIndicators(count()));
  const [sort, setSort] = createSignal<SortState>(null);
  const sorted = createMemo(() => sortRows(rows(), indicatorColumns, sort()));
  return (
    <section aria-labelledby="bench-title">
      <h1 id="bench-title">Results table benchmark ({count().toLocaleString("en-US")} rows)</h1>
      <VirtualTable
        rows={sorted()}
        columns={indicatorColumns}
        rowKey={(i) => i.id}
        label="Benchmark rows"
        sort={sort()}
        onSort={setSort}
        height="70vh"
      />
    </section>
  );
}
