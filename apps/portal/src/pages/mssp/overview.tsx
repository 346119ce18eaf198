import { createResource, For, type JSX, onMount, Show } from "solid-js";
import { listClients, listFeeds } from "../../api/endpoints.ts";
import { pageTitle } from "../../branding.ts";
import { Async } from "../../components/async.tsx";
import { formatCount, formatDateTime } from "../../components/badges.tsx";
import { BarList } from "../../components/chart.tsx";
import { Empty } from "../../components/notice.tsx";

/**
 * Cross-client overview: volumes per client and the health of the feeds the MSSP runs. Only counts and
 * feed states are shown side by side; no client's indicators appear next to another's.
 */
export default function OverviewPage(): JSX.Element {
  onMount(() => {
    document.title = pageTitle("Overview");
  });
  const [clients] = createResource(listClients);
  const [feeds] = createResource(listFeeds);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Cross-client overview</h1>
      <div class="grid">
        <section class="card" aria-labelledby="ov-volume">
          <h2 id="ov-volume">Indicators per client</h2>
          <Async of={clients} label="Loading clients…">
            {(list) => (
              <Show when={list.length > 0} fallback={<Empty>No clients yet.</Empty>}>
                <BarList
                  label="Indicators per client"
                  items={list.map((c) => ({ label: c.name, count: c.indicators ?? 0, href: `/mssp` }))}
                />
              </Show>
            )}
          </Async>
        </section>
        <section class="card" aria-labelledby="ov-issues">
          <h2 id="ov-issues">Open issues</h2>
          <Async of={clients} label="Loading…">
            {(list) => (
              <Show
                when={list.some((c) => c.issues.length > 0)}
                fallback={<Empty>No client has an open issue.</Empty>}
              >
                <ul class="plain-list">
                  <For each={list.filter((c) => c.issues.length > 0)}>
                    {(c) => (
                      <li>
                        <strong>{c.name}</strong>: {c.issues.join("; ")}
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            )}
          </Async>
        </section>
      </div>
      <section class="card" aria-labelledby="ov-feeds">
        <h2 id="ov-feeds">Feeds</h2>
        <Async of={feeds} label="Loading feeds…">
          {(list) => (
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Feed</th>
                  <th scope="col">Health</th>
                  <th scope="col">Last run</th>
                  <th scope="col" class="num">
                    Indicators
                  </th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                <For each={list}>
                  {(f) => (
                    <tr>
                      <td>{f.name}</td>
                      <td>
                        <span class={`dot health-${f.health}`} aria-hidden="true" /> {f.health}
                      </td>
                      <td>{formatDateTime(f.lastRunAt)}</td>
                      <td class="num">{formatCount(f.indicatorCount)}</td>
                      <td class="small">{f.lastError ?? "–"}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          )}
        </Async>
      </section>
    </section>
  );
}
