import { A } from "@solidjs/router";
import { extract, type Finding } from "@threatfusion/ioc";
import { createMemo, createSignal, For, type JSX, onMount, Show } from "solid-js";
import { lookupValues } from "../api/endpoints.ts";
import type { LookupMatch } from "../api/types.ts";
import { pageTitle } from "../branding.ts";
import { ScoreBadge, StatusBadge } from "../components/badges.tsx";
import { IndicatorValue } from "../components/indicator-value.tsx";
import { Empty, ErrorNotice, Loading } from "../components/notice.tsx";
import { segmentText } from "../lib/highlight.ts";

const maxValues = 10_000;

/**
 * Paste a report or a list (defanged or not): indicators are found in the browser, then looked up on the
 * server; the text is shown as pasted with each indicator highlighted known/unknown with its score.
 */
export default function LookupPage(): JSX.Element {
  const [text, setText] = createSignal("");
  const [findings, setFindings] = createSignal<Finding[]>([]);
  const [analysed, setAnalysed] = createSignal("");
  const [results, setResults] = createSignal<Map<string, LookupMatch>>(new Map());
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  onMount(() => {
    document.title = pageTitle("Bulk lookup");
  });

  const uniqueValues = createMemo(() => [
    ...new Set(
      findings()
        .filter((f) => !f.derivedFrom)
        .map((f) => f.value),
    ),
  ]);
  const segments = createMemo(() => segmentText(analysed(), findings()));
  const knownCount = () => [...results().values()].filter((r) => r.known).length;

  async function run(event: SubmitEvent) {
    event.preventDefault();
    setError(undefined);
    const input = text();
    const found = extract(input, { offsets: true });
    setFindings(found);
    setAnalysed(input);
    setResults(new Map());
    const values = [...new Set(found.filter((f) => !f.derivedFrom).map((f) => f.value))].slice(0, maxValues);
    if (values.length === 0) return;
    setBusy(true);
    try {
      const matches = await lookupValues(values);
      setResults(new Map(matches.map((m) => [m.value, m])));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const stateOf = (value: string) => {
    const match = results().get(value);
    return match ? (match.known ? "known" : "unknown") : busy() ? "pending" : error() ? "error" : "unknown";
  };

  return (
    <section aria-labelledby="lookup-title" class="lookup">
      <h1 id="lookup-title">Bulk lookup</h1>
      <form class="form card" onSubmit={run}>
        <label class="field">
          <span>Paste a report, an email or a list of indicators (defanged is fine: hxxp, [.], (dot) …)</span>
          <textarea
            name="text"
            rows="8"
            value={text()}
            onInput={(e) => setText(e.currentTarget.value)}
            placeholder="e.g. Beacon to 185.220.101[.]7 and hxxps://login-micros0ft[.]com/auth"
          />
        </label>
        <div class="row">
          <button type="submit" class="button primary" disabled={busy() || text().trim() === ""}>
            Look up
          </button>
          <span class="muted small">Up to {maxValues.toLocaleString("en-US")} indicators per lookup.</span>
        </div>
      </form>
      <Show when={error()}>
        <ErrorNotice
          error={error()}
          title="The lookup failed; the indicators below are found but not checked"
        />
      </Show>
      <Show when={analysed() !== ""}>
        <Show
          when={uniqueValues().length > 0}
          fallback={<Empty>No indicators were found in this text.</Empty>}
        >
          <p aria-live="polite" data-testid="lookup-summary">
            {uniqueValues().length} indicators found
            <Show when={results().size > 0}>
              {" "}
              · <strong>{knownCount()} known</strong> · {uniqueValues().length - knownCount()} unknown
            </Show>
          </p>
          <Show when={busy()}>
            <Loading label="Checking against your intelligence…" />
          </Show>
          <section class="card" aria-labelledby="lookup-text-title">
            <h2 id="lookup-text-title">Your text</h2>
            <p class="legend small">
              <mark class="hl hl-known">known</mark> <mark class="hl hl-unknown">unknown</mark>
            </p>
            <pre class="highlighted">
              <For each={segments()}>
                {(segment) =>
                  segment.kind === "text" ? (
                    segment.text
                  ) : (
                    <mark
                      class={`hl hl-${stateOf(segment.finding.value)}`}
                      title={`${segment.finding.type}: ${stateOf(segment.finding.value)}${
                        results().get(segment.finding.value)?.score != null
                          ? `, score ${results().get(segment.finding.value)?.score}`
                          : ""
                      }`}
                    >
                      {segment.text}
                    </mark>
                  )
                }
              </For>
            </pre>
          </section>
          <section class="card" aria-labelledby="lookup-results-title">
            <h2 id="lookup-results-title">Indicators</h2>
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Indicator</th>
                  <th scope="col">Type</th>
                  <th scope="col">Known</th>
                  <th scope="col">Score</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                <For each={uniqueValues()}>
                  {(value) => {
                    const match = () => results().get(value);
                    const finding = () => findings().find((f) => f.value === value);
                    return (
                      <tr data-state={stateOf(value)}>
                        <td>
                          <IndicatorValue value={value} />
                        </td>
                        <td>{finding()?.type}</td>
                        <td>
                          <Show
                            when={match()?.known}
                            fallback={
                              <span class="muted">
                                {stateOf(value) === "pending" ? "checking…" : "unknown"}
                              </span>
                            }
                          >
                            <Show when={match()?.indicatorId} fallback={<strong>known</strong>}>
                              {(id) => <A href={`/indicators/${encodeURIComponent(id())}`}>known</A>}
                            </Show>
                          </Show>
                        </td>
                        <td>
                          <Show when={match()?.known} fallback="–">
                            <ScoreBadge score={match()?.score} />
                          </Show>
                        </td>
                        <td>
                          <Show when={match()?.status} fallback="–">
                            {(s) => <StatusBadge status={s()} />}
                          </Show>
                        </td>
                      </tr>
                    );
                  }}
                </For>
              </tbody>
            </table>
          </section>
        </Show>
      </Show>
    </section>
  );
}
