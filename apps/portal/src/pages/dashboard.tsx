import { A } from "@solidjs/router";
import { createResource, For, type JSX, onMount, Show } from "solid-js";
import { getDashboardSummary } from "../api/endpoints.ts";
import type { DashboardSummary } from "../api/types.ts";
import { pageTitle } from "../branding.ts";
import { Async } from "../components/async.tsx";
import { formatCount, formatDate, formatDateTime, ScoreBadge } from "../components/badges.tsx";
import { BarList, SeriesChart } from "../components/chart.tsx";
import { Empty } from "../components/notice.tsx";
import { searchHref, seriesOf, sourceHref } from "../lib/dashboard-links.ts";

const windowDays = 30;

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

function NamedCounts(props: {
  label: string;
  rows: DashboardSummary["topMalwareFamilies"];
  empty: string;
  href: (row: { key: string; label: string }) => string;
}): JSX.Element {
  return (
    <Show when={props.rows.length > 0} fallback={<Empty>{props.empty}</Empty>}>
      <BarList
        label={props.label}
        items={props.rows.map((row) => ({ label: row.label, count: row.count, href: props.href(row) }))}
      />
    </Show>
  );
}

/**
 * The tenant's day at a glance, from one summary call computed in SQL over the tenant's whole view (not a
 * sample); every widget links to the matching search.
 */
export default function DashboardPage(): JSX.Element {
  onMount(() => {
    document.title = pageTitle("Dashboard");
    performance.mark("tf-dashboard-start");
  });
  const [summary, { refetch }] = createResource(() => getDashboardSummary(windowDays));

  return (
    <section aria-labelledby="dash-title" class="dashboard">
      <h1 id="dash-title">Dashboard</h1>
      <Async of={summary} retry={refetch} label="Loading the dashboard…">
        {(data) => (
          <>
            <div
              class="stat-row"
              data-testid="dashboard-ready"
              ref={() => performance.mark("tf-dashboard-ready")}
            >
              <A class="stat card" href="/indicators">
                <span class="stat-value">{formatCount(data.totals.active)}</span>
                <span class="stat-label">active indicators</span>
              </A>
              <A class="stat card" href={searchHref({ scoreMin: "70" })}>
                <span class="stat-value">{formatCount(data.totals.highScore)}</span>
                <span class="stat-label">high score (70+)</span>
              </A>
              <A class="stat card" href={searchHref({ status: "confirmed" })}>
                <span class="stat-value">{formatCount(data.totals.confirmed)}</span>
                <span class="stat-label">confirmed</span>
              </A>
              <A class="stat card" href={searchHref({ status: "false_positive" })}>
                <span class="stat-value">{formatCount(data.totals.falsePositives)}</span>
                <span class="stat-label">false positives</span>
              </A>
            </div>
            <div class="grid">
              <Widget
                title={`New indicators, last ${windowDays} days`}
                id="w-new"
                more={searchHref({ sort: "-firstSeen", firstSeenFrom: data.newPerDay[0]?.day ?? "" })}
              >
                {(() => {
                  const series = seriesOf(data.newPerDay);
                  return (
                    <SeriesChart
                      label="New indicators per day"
                      kind="bars"
                      x={series.x}
                      y={series.y}
                      describe={data.newPerDay.map((d) => ({ label: d.day, value: String(d.count) }))}
                    />
                  );
                })()}
              </Widget>
              <Widget title="By type" id="w-type">
                <NamedCounts
                  label="Indicators by type"
                  rows={data.byType}
                  empty="No active indicators yet."
                  href={(row) => searchHref({ type: row.key })}
                />
              </Widget>
              <Widget title="By source" id="w-source">
                <NamedCounts
                  label="Indicators by source"
                  rows={data.bySource}
                  empty="No source has reported an active indicator yet."
                  href={sourceHref}
                />
              </Widget>
              <Widget title="Top malware families" id="w-malware">
                <NamedCounts
                  label="Top malware families"
                  rows={data.topMalwareFamilies}
                  empty="No malware family is named in the active indicators."
                  href={(row) => searchHref({ q: row.label })}
                />
              </Widget>
              <Widget title="Top threat types" id="w-threat">
                <NamedCounts
                  label="Top threat types"
                  rows={data.topThreatTypes}
                  empty="No threat type is named in the active indicators."
                  href={(row) => searchHref({ q: row.label })}
                />
              </Widget>
            </div>
            <div class="grid">
              <Widget title="Feed health" id="w-feeds">
                <Show when={data.feeds.items.length > 0} fallback={<Empty>No feeds yet.</Empty>}>
                  <p class="muted small">
                    {data.feeds.ok} of {data.feeds.total} healthy
                    {data.feeds.failing > 0 ? ` · ${data.feeds.failing} failing` : ""}
                  </p>
                  <ul class="feed-list">
                    <For each={data.feeds.items}>
                      {(feed) => (
                        <li>
                          <span class={`dot health-${feed.health}`} aria-hidden="true" />
                          <A href={searchHref({ source: feed.sourceId })}>{feed.name}</A>
                          <span class="muted small">
                            {feed.health} · last success {formatDateTime(feed.lastSuccessAt)}
                          </span>
                          <Show when={feed.lastError}>
                            <span class="small bad">{feed.lastError}</span>
                          </Show>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              </Widget>
              <Widget title="Recent sightings" id="w-sightings">
                <Show
                  when={data.recentSightings.length > 0}
                  fallback={<Empty>No sightings reported yet.</Empty>}
                >
                  <ul class="plain-list">
                    <For each={data.recentSightings}>
                      {(sighting) => (
                        <li>
                          <A href={`/indicators/${encodeURIComponent(sighting.id)}`}>
                            <code>{sighting.value}</code>
                          </A>
                          <span class="muted small">
                            {" "}
                            {sighting.sightings}× · {formatDateTime(sighting.at)}
                            {sighting.sensor ? ` · ${sighting.sensor}` : ""}
                          </span>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              </Widget>
              <Widget
                title="False-positive reports"
                id="w-fp"
                more={searchHref({ status: "false_positive" })}
              >
                <Show
                  when={data.recentFalsePositives.length > 0}
                  fallback={<Empty>No false positives reported.</Empty>}
                >
                  <ul class="plain-list">
                    <For each={data.recentFalsePositives}>
                      {(indicator) => (
                        <li>
                          <A href={`/indicators/${encodeURIComponent(indicator.id)}`}>
                            <code>{indicator.value}</code>
                          </A>{" "}
                          <ScoreBadge score={indicator.score} />{" "}
                          <span class="muted small">{formatDate(indicator.at)}</span>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              </Widget>
            </div>
          </>
        )}
      </Async>
    </section>
  );
}
