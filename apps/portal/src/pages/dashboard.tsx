import { A } from "@solidjs/router";
import { createResource, For, type JSX, onMount, Show } from "solid-js";
import { listFeeds, listIndicators } from "../api/endpoints.ts";
import type { Indicator } from "../api/types.ts";
import { pageTitle } from "../branding.ts";
import { Async } from "../components/async.tsx";
import { formatCount, formatDate, formatDateTime, ScoreBadge } from "../components/badges.tsx";
import { BarList, SeriesChart } from "../components/chart.tsx";
import { Empty } from "../components/notice.tsx";
import { countBy, perDay } from "../lib/aggregate.ts";

/** Indicators the dashboard aggregates (newest sightings first); small enough for a sub-second first render. */
const sampleSize = 500;

function searchHref(query: Record<string, string>): string {
  return `/indicators?${new URLSearchParams(query)}`;
}

function Widget(props: { title: string; id: string; more?: string; children: JSX.Element }): JSX.Element {
  return (
    <section class="card widget" aria-labelledby={props.id}>
      <header class="widget-head">
        <h2 id={props.id}>{props.title}</h2>
        <Show when={props.more}>{(href) => <A href={href()}>See all</A>}</Show>
      </header>
      {props.children}
    </section>
  );
}

/** The tenant's day at a glance; every widget links to the matching search. */
export default function DashboardPage(): JSX.Element {
  onMount(() => {
    document.title = pageTitle("Dashboard");
    performance.mark("tf-dashboard-start");
  });
  const [indicators, { refetch }] = createResource(() =>
    listIndicators({ sort: "-firstSeen" }, { limit: sampleSize }),
  );
  const [feeds] = createResource(listFeeds);
  const [falsePositives] = createResource(() => listIndicators({ status: "false_positive" }, { limit: 8 }));

  const days = (items: Indicator[]) => perDay(items, 30, new Date());
  // Sources are filtered by id; the list shows names, so the feeds list maps one to the other.
  const sourceHref = (name: string) => {
    const id = (feeds.state === "ready" ? feeds() : [])?.find((f) => f.source === name)?.sourceId;
    return id ? searchHref({ source: id }) : searchHref({ q: name });
  };
  // The list is ordered newest sighting first, so the first sighted rows are the recent sightings.
  const recentSightings = (items: Indicator[]) => items.filter((i) => i.lastSightedAt !== null).slice(0, 8);

  return (
    <section aria-labelledby="dash-title" class="dashboard">
      <h1 id="dash-title">Dashboard</h1>
      <Async of={indicators} retry={refetch} label="Loading indicators…">
        {(page) => (
          <>
            <div
              class="stat-row"
              data-testid="dashboard-ready"
              ref={() => performance.mark("tf-dashboard-ready")}
            >
              <A class="stat card" href="/indicators">
                <span class="stat-value">{formatCount(page.total ?? page.items.length)}</span>
                <span class="stat-label">
                  active indicators{page.nextCursor && page.total === undefined ? " (latest)" : ""}
                </span>
              </A>
              <A class="stat card" href={searchHref({ scoreMin: "70" })}>
                <span class="stat-value">{formatCount(page.items.filter((i) => i.score >= 70).length)}</span>
                <span class="stat-label">high score (70+)</span>
              </A>
              <A class="stat card" href={searchHref({ status: "confirmed" })}>
                <span class="stat-value">
                  {formatCount(page.items.filter((i) => i.status === "confirmed").length)}
                </span>
                <span class="stat-label">confirmed</span>
              </A>
            </div>
            <div class="grid">
              <Widget
                title="New indicators, last 30 days"
                id="w-new"
                more={searchHref({ sort: "-firstSeen" })}
              >
                {(() => {
                  const series = days(page.items);
                  return (
                    <SeriesChart
                      label="New indicators per day"
                      kind="bars"
                      x={series.map((d) => Date.parse(d.day) / 1000)}
                      y={series.map((d) => d.count)}
                      describe={series.map((d) => ({ label: d.day, value: String(d.count) }))}
                    />
                  );
                })()}
              </Widget>
              <Widget title="By type" id="w-type">
                <BarList
                  label="Indicators by type"
                  items={countBy(page.items, (i) => [i.type]).map((c) => ({
                    ...c,
                    href: searchHref({ type: c.label }),
                  }))}
                />
              </Widget>
              <Widget title="By source" id="w-source">
                <BarList
                  label="Indicators by source"
                  items={countBy(page.items, (i) => i.sources).map((c) => ({
                    ...c,
                    href: sourceHref(c.label),
                  }))}
                />
              </Widget>
              <Widget title="Top malware families" id="w-malware">
                <Show
                  when={countBy(page.items, (i) => (i.malwareFamily ? [i.malwareFamily] : [])).length > 0}
                  fallback={<Empty>No malware family is named in the current indicators.</Empty>}
                >
                  <BarList
                    label="Top malware families"
                    items={countBy(page.items, (i) => (i.malwareFamily ? [i.malwareFamily] : [])).map(
                      (c) => ({
                        ...c,
                        href: searchHref({ q: c.label }),
                      }),
                    )}
                  />
                </Show>
              </Widget>
              <Widget title="Top threat types" id="w-threat">
                <Show
                  when={countBy(page.items, (i) => (i.threatType ? [i.threatType] : [])).length > 0}
                  fallback={<Empty>No threat type is named in the current indicators.</Empty>}
                >
                  <BarList
                    label="Top threat types"
                    items={countBy(page.items, (i) => (i.threatType ? [i.threatType] : [])).map((c) => ({
                      ...c,
                      href: searchHref({ q: c.label }),
                    }))}
                  />
                </Show>
              </Widget>
            </div>
          </>
        )}
      </Async>
      <div class="grid">
        <Widget title="Feed health" id="w-feeds">
          <Async of={feeds} label="Loading feeds…">
            {(list) => (
              <Show when={list.length > 0} fallback={<Empty>No feeds yet.</Empty>}>
                <ul class="feed-list">
                  <For each={list.slice(0, 10)}>
                    {(feed) => (
                      <li>
                        <span class={`dot health-${feed.health}`} aria-hidden="true" />
                        <A href={searchHref({ source: feed.source ?? feed.name })}>{feed.name}</A>
                        <span class="muted small">
                          {feed.health} · last run {formatDateTime(feed.lastRunAt)}
                        </span>
                        <Show when={feed.lastError}>
                          <span class="small bad">{feed.lastError}</span>
                        </Show>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            )}
          </Async>
        </Widget>
        <Widget title="Recent sightings" id="w-sightings">
          <Async of={indicators} label="Loading sightings…">
            {(page) => (
              <Show
                when={recentSightings(page.items).length > 0}
                fallback={<Empty>No sightings reported yet.</Empty>}
              >
                <ul class="plain-list">
                  <For each={recentSightings(page.items)}>
                    {(i) => (
                      <li>
                        <A href={`/indicators/${encodeURIComponent(i.id)}`}>
                          <code>{i.value}</code>
                        </A>
                        <span class="muted small">
                          {" "}
                          {i.sightingsCount}× · last {formatDateTime(i.lastSightedAt)}
                        </span>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            )}
          </Async>
        </Widget>
        <Widget title="False-positive reports" id="w-fp" more={searchHref({ status: "false_positive" })}>
          <Async of={falsePositives} label="Loading…">
            {(page) => (
              <Show when={page.items.length > 0} fallback={<Empty>No false positives reported.</Empty>}>
                <ul class="plain-list">
                  <For each={page.items}>
                    {(i) => (
                      <li>
                        <A href={`/indicators/${i.id}`}>
                          <code>{i.value}</code>
                        </A>{" "}
                        <ScoreBadge score={i.score} />{" "}
                        <span class="muted small">{formatDate(i.lastSeen)}</span>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            )}
          </Async>
        </Widget>
      </div>
    </section>
  );
}
