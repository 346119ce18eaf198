import { A, useParams } from "@solidjs/router";
import { createResource, createSignal, For, type JSX, Show } from "solid-js";
import { getIndicator, getIndicatorTimeline, getRelated, updateOverlay } from "../api/endpoints.ts";
import type { IndicatorDetail, IndicatorStatus } from "../api/types.ts";
import { pageTitle } from "../branding.ts";
import { Async } from "../components/async.tsx";
import {
  formatDate,
  formatDateTime,
  ScoreBadge,
  StatusBadge,
  statusLabel,
  TlpBadge,
} from "../components/badges.tsx";
import { Modal } from "../components/dialog.tsx";
import { IndicatorValue } from "../components/indicator-value.tsx";
import { Empty, ErrorNotice, Notice } from "../components/notice.tsx";
import { hasRole, writerRoles } from "../session.ts";

const statusActions: { status: IndicatorStatus; label: string; confirm: string }[] = [
  {
    status: "false_positive",
    label: "Mark false positive",
    confirm: "It will be left out of exports, blocklists and TAXII.",
  },
  {
    status: "confirmed",
    label: "Mark confirmed",
    confirm: "It stays in every export with a confirmed status.",
  },
  {
    status: "allowlisted",
    label: "Allowlist",
    confirm: "It will be left out of exports and blocklists from now on.",
  },
];

function Actions(props: {
  indicator: IndicatorDetail;
  onChange: (next: IndicatorDetail) => void;
}): JSX.Element {
  const [pending, setPending] = createSignal<(typeof statusActions)[number] | null>(null);
  const [reason, setReason] = createSignal("");
  const [note, setNote] = createSignal("");
  const [tag, setTag] = createSignal("");
  const [error, setError] = createSignal<unknown>();
  const [done, setDone] = createSignal<string>();
  const canWrite = () => hasRole(writerRoles);

  async function run(change: Parameters<typeof updateOverlay>[1], message: string) {
    setError(undefined);
    setDone(undefined);
    try {
      props.onChange(await updateOverlay(props.indicator.id, change));
      setDone(message);
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  }

  return (
    <section class="card" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <Show
        when={canWrite()}
        fallback={<p class="muted">Your role can read this indicator but not change it.</p>}
      >
        <div class="row wrap">
          <For each={statusActions}>
            {(action) => (
              <button
                type="button"
                class="button"
                aria-pressed={props.indicator.status === action.status}
                onClick={() => setPending(action)}
              >
                {action.label}
              </button>
            )}
          </For>
          <Show when={props.indicator.status !== "new" && props.indicator.status !== "investigating"}>
            <button
              type="button"
              class="button ghost"
              onClick={() => void run({ status: "investigating" }, "Status reset to investigating.")}
            >
              Reopen
            </button>
          </Show>
        </div>
        <form
          class="inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            const text = note().trim();
            if (!text) return;
            const notes = props.indicator.notes ? `${props.indicator.notes}\n${text}` : text;
            if (await run({ notes }, "Note added.")) setNote("");
          }}
        >
          <label class="field grow">
            <span>Add a note</span>
            <textarea rows="2" value={note()} onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <button type="submit" class="button">
            Add note
          </button>
        </form>
        <form
          class="inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            const value = tag().trim().toLowerCase();
            if (!value) return;
            if (await run({ addTags: [value] }, `Tag "${value}" added.`)) setTag("");
          }}
        >
          <label class="field">
            <span>Add a tag</span>
            <input value={tag()} onInput={(e) => setTag(e.currentTarget.value)} />
          </label>
          <button type="submit" class="button">
            Add tag
          </button>
        </form>
      </Show>
      <Show when={done()}>
        <Notice kind="ok">{done()}</Notice>
      </Show>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The change was not saved" />
      </Show>
      <Modal
        open={pending() !== null}
        onOpenChange={(open) => !open && setPending(null)}
        title={pending()?.label ?? ""}
        description={pending()?.confirm ?? ""}
      >
        <form
          class="form"
          onSubmit={async (e) => {
            e.preventDefault();
            const action = pending();
            if (!action) return;
            // The reason is kept with the indicator's notes; the status change itself is audited by the API.
            const why = reason().trim();
            const line = why ? `${statusLabel(action.status)}: ${why}` : "";
            const notes = line
              ? props.indicator.notes
                ? `${props.indicator.notes}\n${line}`
                : line
              : undefined;
            const ok = await run(
              { status: action.status, ...(notes !== undefined ? { notes } : {}) },
              `Marked ${statusLabel(action.status).toLowerCase()}.`,
            );
            if (ok) {
              setPending(null);
              setReason("");
            }
          }}
        >
          <label class="field">
            <span>Reason (kept in the indicator's notes)</span>
            <input value={reason()} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <div class="row">
            <button type="submit" class="button primary">
              Confirm
            </button>
            <button type="button" class="button" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </form>
      </Modal>
    </section>
  );
}

/** One indicator: value, scores with their explanation, sources, context, sightings, related, notes, actions. */
export default function IndicatorPage(): JSX.Element {
  const params = useParams<{ id: string }>();
  const [indicator, { mutate, refetch }] = createResource(
    () => params.id,
    async (id) => {
      const detail = await getIndicator(id);
      document.title = pageTitle(detail.value);
      return detail;
    },
  );
  const [timeline] = createResource(() => params.id, getIndicatorTimeline);
  const [related] = createResource(() => params.id, getRelated);

  return (
    <Async of={indicator} retry={refetch} label="Loading indicator…">
      {(ind) => (
        <article class="detail" aria-labelledby="ind-title">
          <nav class="muted small" aria-label="Breadcrumb">
            <A href="/indicators">Search</A> › {ind.type}
          </nav>
          <h1 id="ind-title" class="detail-title">
            <IndicatorValue value={ind.value} />
          </h1>
          <div class="row wrap">
            <span class="badge">{ind.type}</span>
            <StatusBadge status={ind.status} />
            <TlpBadge tlp={ind.tlp} />
            <span>
              Score <ScoreBadge score={ind.score} />
            </span>
            <Show when={ind.confidence !== null}>
              <span class="muted">Confidence {ind.confidence}</span>
            </Show>
            <Show when={ind.private}>
              <span class="badge">Private to your organisation</span>
            </Show>
          </div>
          <Show when={ind.status === "false_positive" || ind.status === "allowlisted"}>
            <Notice kind="warn">
              This indicator is {statusLabel(ind.status).toLowerCase()}: it is left out of exports, blocklists
              and TAXII by default.
            </Notice>
          </Show>
          <div class="grid detail-grid">
            <section class="card" aria-labelledby="score-title">
              <h2 id="score-title">Why this score</h2>
              <Show
                when={ind.explanation.length > 0}
                fallback={<Empty>No explanation was recorded for this score.</Empty>}
              >
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Factor</th>
                      <th scope="col" class="num">
                        Points
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={ind.explanation}>
                      {(f) => (
                        <tr>
                          <td>
                            {f.label}
                            <Show when={f.detail}>
                              <div class="muted small">{f.detail}</div>
                            </Show>
                          </td>
                          <td class="num">
                            {f.contribution > 0 ? "+" : ""}
                            {f.contribution}
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Show>
              <Show when={ind.baseScore !== null}>
                <p class="muted small">
                  Base score from the sources: {ind.baseScore}; effective score for your organisation:{" "}
                  {ind.score}.
                </p>
              </Show>
            </section>
            <section class="card" aria-labelledby="ctx-title">
              <h2 id="ctx-title">Context</h2>
              <dl class="facts">
                <dt>Malware family</dt>
                <dd>{ind.malwareFamily ?? "–"}</dd>
                <dt>Threat type</dt>
                <dd>{ind.threatType ?? "–"}</dd>
                <dt>First seen</dt>
                <dd>{formatDateTime(ind.firstSeen)}</dd>
                <dt>Last seen</dt>
                <dd>{formatDateTime(ind.lastSeen)}</dd>
                <dt>Sightings</dt>
                <dd>
                  {ind.sightingsCount}{" "}
                  {ind.lastSightedAt ? `(last ${formatDateTime(ind.lastSightedAt)})` : ""}
                </dd>
                <dt>Tags</dt>
                <dd>
                  <Show when={ind.tags.length > 0} fallback="–">
                    <For each={ind.tags}>
                      {(t) => (
                        <A class="chip" href={`/indicators?tag=${encodeURIComponent(t)}`}>
                          {t}
                        </A>
                      )}
                    </For>
                  </Show>
                </dd>
              </dl>
              <Show when={ind.references.length > 0}>
                <h3>References</h3>
                <ul class="plain-list">
                  <For each={ind.references}>
                    {(r) => (
                      <li>
                        <a href={r} rel="noopener noreferrer nofollow" target="_blank">
                          {r}
                        </a>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
              <Show when={ind.notes}>
                <h3>Notes</h3>
                <p class="notes">{ind.notes}</p>
              </Show>
            </section>
          </div>
          <section class="card" aria-labelledby="src-title">
            <h2 id="src-title">Sources</h2>
            <Show
              when={ind.sourceDetails.length > 0}
              fallback={<Empty>Reported by {ind.sources.join(", ") || "your organisation"}.</Empty>}
            >
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col">First seen</th>
                    <th scope="col">Last seen</th>
                    <th scope="col" class="num">
                      Reports
                    </th>
                    <th scope="col">Malware</th>
                    <th scope="col">Threat type</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={ind.sourceDetails}>
                    {(s) => (
                      <tr>
                        <td>{s.name}</td>
                        <td>{formatDate(s.firstSeen)}</td>
                        <td>{formatDate(s.lastSeen)}</td>
                        <td class="num">{s.reportCount}</td>
                        <td>{s.malwareFamily ?? "–"}</td>
                        <td>{s.threatType ?? "–"}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </Show>
          </section>
          <Actions indicator={ind} onChange={(next) => mutate(next)} />
          <div class="grid detail-grid">
            <section class="card" aria-labelledby="hist-title">
              <h2 id="hist-title">History and sightings</h2>
              <Async of={timeline} label="Loading history…">
                {(events) => (
                  <Show when={events.length > 0} fallback={<Empty>No history yet.</Empty>}>
                    <ol class="timeline">
                      <For each={events}>
                        {(e) => (
                          <li class={`tl-${e.kind}`}>
                            <time datetime={e.at}>{formatDateTime(e.at)}</time>{" "}
                            <span class="badge">{e.kind}</span> {e.summary}
                            {e.source ? <span class="muted"> · {e.source}</span> : null}
                          </li>
                        )}
                      </For>
                    </ol>
                  </Show>
                )}
              </Async>
            </section>
            <section class="card" aria-labelledby="rel-title">
              <h2 id="rel-title">Related indicators</h2>
              <Async of={related} label="Loading related indicators…">
                {(list) => (
                  <Show when={list.length > 0} fallback={<Empty>Nothing related found.</Empty>}>
                    <ul class="plain-list">
                      <For each={list}>
                        {(r) => (
                          <li>
                            <A href={`/indicators/${encodeURIComponent(r.indicator.id)}`}>
                              <IndicatorValue value={r.indicator.value} copy={false} />
                            </A>{" "}
                            <span class="muted small">{r.relation.replaceAll("_", " ")}</span>{" "}
                            <ScoreBadge score={r.indicator.score} />
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                )}
              </Async>
            </section>
          </div>
        </article>
      )}
    </Async>
  );
}
