import { A, useNavigate, useSearchParams } from "@solidjs/router";
import {
  batch,
  createEffect,
  createMemo,
  createResource,
  createSignal,
  For,
  type JSX,
  on,
  onMount,
  Show,
} from "solid-js";
import { createSavedSearch, listFeeds, listIndicators, listSavedSearches } from "../api/endpoints.ts";
import { type Indicator, indicatorStatuses, indicatorTypes, tlpLevels } from "../api/types.ts";
import { pageTitle } from "../branding.ts";
import { statusLabel } from "../components/badges.tsx";
import { indicatorColumns } from "../components/indicator-columns.tsx";
import { Empty, ErrorNotice, Loading } from "../components/notice.tsx";
import { type SortState, sortRows, VirtualTable } from "../components/virtual-table.tsx";
import { describeFilters, filtersFromParams, filtersToParams } from "../lib/filters.ts";

/** The most rows the table keeps in memory; the virtualized table stays smooth at this size. */
const maxRows = 100_000;
const pageSize = 1000;

/** Free text and structured filters, saved searches, and a virtualized results table. */
export default function SearchPage(): JSX.Element {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const filters = createMemo(() => filtersFromParams(params));
  const [rows, setRows] = createSignal<Indicator[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [total, setTotal] = createSignal<number | undefined>();
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [sort, setSort] = createSignal<SortState>(null);
  const [saved, { refetch: refetchSaved }] = createResource(() => listSavedSearches().catch(() => []));
  const [sources] = createResource(async () => {
    const feeds = await listFeeds().catch(() => []);
    const byId = new Map<string, string>();
    for (const feed of feeds) if (feed.sourceId && feed.source) byId.set(feed.sourceId, feed.source);
    return [...byId.entries()]
      .map(([id, name]) => ({ id, name }))
      .sort((a, b) => a.name.localeCompare(b.name));
  });
  const [saveError, setSaveError] = createSignal<unknown>();
  let generation = 0;

  onMount(() => {
    document.title = pageTitle("Search");
  });

  async function loadPage(reset: boolean) {
    if (loading() && !reset) return;
    const mine = ++generation;
    setLoading(true);
    setError(undefined);
    try {
      const page = await listIndicators(filters(), { cursor: reset ? null : cursor(), limit: pageSize });
      if (mine !== generation) return;
      batch(() => {
        setRows((current) => (reset ? page.items : [...current, ...page.items].slice(0, maxRows)));
        setCursor(page.nextCursor);
        setTotal(page.total);
      });
    } catch (e) {
      if (mine === generation) setError(e);
    } finally {
      if (mine === generation) setLoading(false);
    }
  }

  createEffect(on(filters, () => void loadPage(true)));

  const sorted = createMemo(() => sortRows(rows(), indicatorColumns, sort()));
  const canLoadMore = () => cursor() !== null && rows().length < maxRows;

  function applyForm(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next: Record<string, string | undefined> = {};
    for (const [key, value] of form.entries())
      next[key] = typeof value === "string" && value !== "" ? value : undefined;
    setParams(
      { ...Object.fromEntries(Object.keys(params).map((k) => [k, undefined])), ...next },
      { replace: false },
    );
  }

  async function saveCurrent() {
    const name = window.prompt("Name for this search", describeFilters(filters()));
    if (!name) return;
    setSaveError(undefined);
    try {
      await createSavedSearch(name, filters());
      await refetchSaved();
    } catch (e) {
      setSaveError(e);
    }
  }

  const f = filters;
  return (
    <section aria-labelledby="search-title" class="search-page">
      <h1 id="search-title">Indicator search</h1>
      <form class="filters card" onSubmit={applyForm} aria-label="Search filters">
        <label class="field grow">
          <span>Search</span>
          <input
            name="q"
            type="search"
            placeholder="Value, tag, malware family… (defanged is fine)"
            aria-describedby="q-help"
            value={f().q ?? ""}
          />
          <small id="q-help" class="muted">
            Free text is ranked by relevance and combines with the type filter only.
          </small>
        </label>
        <label class="field">
          <span>Type</span>
          <select name="type" value={f().type ?? ""}>
            <option value="">Any</option>
            <For each={indicatorTypes}>{(t) => <option value={t}>{t}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>Status</span>
          <select name="status" value={f().status ?? ""}>
            <option value="">Active (default)</option>
            <For each={indicatorStatuses}>{(s) => <option value={s}>{statusLabel(s)}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>Source</span>
          <select name="source" value={f().source ?? ""}>
            <option value="">Any</option>
            <For each={sources() ?? []}>{(s) => <option value={s.id}>{s.name}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>Tag</span>
          <input name="tag" value={f().tag ?? ""} />
        </label>
        <label class="field narrow">
          <span>Score from</span>
          <input name="scoreMin" type="number" min="0" max="100" value={f().scoreMin ?? ""} />
        </label>
        <label class="field narrow">
          <span>Score to</span>
          <input name="scoreMax" type="number" min="0" max="100" value={f().scoreMax ?? ""} />
        </label>
        <label class="field">
          <span>First seen from</span>
          <input name="firstSeenFrom" type="date" value={f().firstSeenFrom ?? ""} />
        </label>
        <label class="field">
          <span>First seen to</span>
          <input name="firstSeenTo" type="date" value={f().firstSeenTo ?? ""} />
        </label>
        <label class="field">
          <span>Last seen from</span>
          <input name="lastSeenFrom" type="date" value={f().lastSeenFrom ?? ""} />
        </label>
        <label class="field">
          <span>Last seen to</span>
          <input name="lastSeenTo" type="date" value={f().lastSeenTo ?? ""} />
        </label>
        <label class="field">
          <span>TLP</span>
          <select name="tlp" value={f().tlp ?? ""}>
            <option value="">Any</option>
            <For each={tlpLevels}>{(t) => <option value={t}>{t.toUpperCase()}</option>}</For>
          </select>
        </label>
        <div class="filter-actions">
          <button type="submit" class="button primary">
            Search
          </button>
          <button type="button" class="button" onClick={() => navigate("/indicators")}>
            Clear
          </button>
          <button type="button" class="button" onClick={saveCurrent}>
            Save search
          </button>
        </div>
      </form>

      <Show when={saveError()}>
        <ErrorNotice error={saveError()} title="The search was not saved" />
      </Show>
      <Show when={(saved() ?? []).length > 0}>
        <nav class="saved" aria-label="Saved searches">
          <span class="muted small">Saved searches:</span>
          <For each={saved() ?? []}>
            {(s) => (
              <A class="chip" href={`/indicators?${new URLSearchParams(filtersToParams(s.filters))}`}>
                {s.name}
              </A>
            )}
          </For>
        </nav>
      </Show>

      <div class="results-bar">
        <p
          class="muted"
          aria-live="polite"
          data-testid="result-count"
          data-loading={loading() ? "true" : "false"}
        >
          {rows().length.toLocaleString("en-US")}
          {total() !== undefined ? ` of ${total()?.toLocaleString("en-US")}` : canLoadMore() ? "+" : ""}{" "}
          results for {describeFilters(filters())}
        </p>
        <div class="row">
          <Show when={canLoadMore()}>
            <button
              type="button"
              class="button small"
              disabled={loading()}
              onClick={() => void loadPage(false)}
            >
              Load more
            </button>
          </Show>
          <A class="button small" href={`/timeline?${new URLSearchParams(filtersToParams(filters()))}`}>
            Timeline
          </A>
          <A class="button small" href={`/export?${new URLSearchParams(filtersToParams(filters()))}`}>
            Export these
          </A>
        </div>
      </div>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The search failed" retry={() => void loadPage(true)} />
      </Show>
      <Show when={!error() && rows().length === 0}>
        {loading() ? <Loading label="Searching…" /> : <Empty>No indicators match this search.</Empty>}
      </Show>
      <Show when={rows().length > 0}>
        <p class="muted small" id="table-help">
          Use the arrow keys, Page Up/Down, Home and End to move through results; Enter opens the indicator.
        </p>
        <VirtualTable
          rows={sorted()}
          columns={indicatorColumns}
          rowKey={(i) => i.id}
          label="Search results"
          sort={sort()}
          onSort={setSort}
          onOpen={(i) => navigate(`/indicators/${encodeURIComponent(i.id)}`)}
          onEndReached={() => {
            if (canLoadMore() && !loading()) void loadPage(false);
          }}
        />
      </Show>
    </section>
  );
}
