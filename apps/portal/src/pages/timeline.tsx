import { A, useSearchParams } from "@solidjs/router";
import { createMemo, createResource, For, type JSX, onMount, Show } from "solid-js";
import { getIndicator, getIndicatorTimeline, listIndicators } from "../api/endpoints.ts";
import type { Indicator } from "../api/types.ts";
import { pageTitle } from "../branding.ts";
import { Async } from "../components/async.tsx";
import { formatDateTime } from "../components/badges.tsx";
import { SeriesChart } from "../components/chart.tsx";
import { IndicatorValue } from "../components/indicator-value.tsx";
import { Empty } from "../components/notice.tsx";
import { perDay } from "../lib/aggregate.ts";
import { describeFilters, filtersFromParams, filtersToParams } from "../lib/filters.ts";

function SearchTimeline(props: { params: Record<string, string | string[] | undefined> }): JSX.Element {
  const filters = createMemo(() => filtersFromParams(props.params));
  const [page] = createResource(filters, (f) => listIndicators(f, { limit: 5000 }));
  const series = (items: Indicator[]) => ({
    first: perDay(items, 90, new Date()),
    last: perDay(
      items.map((i) => ({ ...i, firstSeen: i.lastSeen })),
      90,
      new Date(),
    ),
  });
  return (
    <Async of={page} label="Loading indicators…">
      {(result) => {
        const s = series(result.items);
        return (
          <>
            <p class="muted">
              {result.items.length.toLocaleString("en-US")} indicators for {describeFilters(filters())} ·{" "}
              <A href={`/indicators?${new URLSearchParams(filtersToParams(filters()))}`}>open as search</A>
            </p>
            <section class="card" aria-labelledby="tl-first">
              <h2 id="tl-first">First seen per day (90 days)</h2>
              <SeriesChart
                label="Indicators first seen per day"
                kind="bars"
                x={s.first.map((d) => Date.parse(d.day) / 1000)}
                y={s.first.map((d) => d.count)}
                describe={s.first
                  .filter((d) => d.count > 0)
                  .map((d) => ({ label: d.day, value: String(d.count) }))}
              />
            </section>
            <section class="card" aria-labelledby="tl-last">
              <h2 id="tl-last">Last seen per day (90 days)</h2>
              <SeriesChart
                label="Indicators last seen per day"
                x={s.last.map((d) => Date.parse(d.day) / 1000)}
                y={s.last.map((d) => d.count)}
                describe={s.last
                  .filter((d) => d.count > 0)
                  .map((d) => ({ label: d.day, value: String(d.count) }))}
              />
            </section>
          </>
        );
      }}
    </Async>
  );
}

function IndicatorHistory(props: { id: string }): JSX.Element {
  const [indicator] = createResource(() => props.id, getIndicator);
  const [events] = createResource(() => props.id, getIndicatorTimeline);
  return (
    <>
      <Show when={indicator.state === "ready" && indicator()}>
        {(ind) => (
          <p>
            History of <IndicatorValue value={ind().value} /> ·{" "}
            <A href={`/indicators/${encodeURIComponent(ind().id)}`}>open the indicator</A>
          </p>
        )}
      </Show>
      <Async of={events} label="Loading history…">
        {(list) => (
          <Show when={list.length > 0} fallback={<Empty>No history yet.</Empty>}>
            <ol class="timeline card">
              <For each={list}>
                {(e) => (
                  <li class={`tl-${e.kind}`}>
                    <time datetime={e.at}>{formatDateTime(e.at)}</time> <span class="badge">{e.kind}</span>{" "}
                    {e.summary}
                    {e.source ? <span class="muted"> · {e.source}</span> : null}
                  </li>
                )}
              </For>
            </ol>
          </Show>
        )}
      </Async>
    </>
  );
}

/** Indicators over time for a search, or the history of one indicator (`?indicator=ID`). */
export default function TimelinePage(): JSX.Element {
  const [params] = useSearchParams();
  onMount(() => {
    document.title = pageTitle("Timeline");
  });
  const indicatorId = () => {
    const v = params.indicator;
    return Array.isArray(v) ? v[0] : v;
  };
  return (
    <section aria-labelledby="timeline-title">
      <h1 id="timeline-title">Timeline</h1>
      <Show when={indicatorId()} fallback={<SearchTimeline params={params} />}>
        {(id) => <IndicatorHistory id={id()} />}
      </Show>
    </section>
  );
}
