import { useSearchParams } from "@solidjs/router";
import { createMemo, createSignal, For, type JSX, onMount, Show } from "solid-js";
import { type BlocklistKind, type ExportFormat, startExport } from "../api/endpoints.ts";
import { pageTitle } from "../branding.ts";
import { ErrorNotice, Notice } from "../components/notice.tsx";
import {
  type ExportProgress,
  fileNameFrom,
  formatBytes,
  readWithProgress,
  saveBlob,
} from "../lib/download.ts";
import { describeFilters, filtersFromParams } from "../lib/filters.ts";

const formats: { value: ExportFormat; label: string; ext: string; hint: string }[] = [
  { value: "csv", label: "CSV", ext: "csv", hint: "Spreadsheets and most SIEM lookups." },
  { value: "stix", label: "STIX 2.1 bundle", ext: "json", hint: "Any TIP or SIEM that reads STIX." },
  { value: "misp", label: "MISP event", ext: "json", hint: "Import into a MISP instance." },
  { value: "ecs", label: "Elastic ECS (NDJSON)", ext: "ndjson", hint: "Elastic Security threat indicators." },
  { value: "cef", label: "CEF", ext: "cef", hint: "ArcSight and other CEF consumers." },
  {
    value: "blocklist",
    label: "Blocklist (one value per line)",
    ext: "txt",
    hint: "Firewalls, proxies, DNS.",
  },
];
const blocklistKinds: { value: BlocklistKind; label: string }[] = [
  { value: "ip", label: "IP addresses" },
  { value: "domain", label: "Domains" },
  { value: "url", label: "URLs" },
];

/** The current search as CSV, STIX 2.1, MISP or a blocklist, streamed with progress. */
export default function ExportPage(): JSX.Element {
  const [params] = useSearchParams();
  const filters = createMemo(() => filtersFromParams(params));
  const [format, setFormat] = createSignal<ExportFormat>("csv");
  const [listType, setListType] = createSignal<BlocklistKind>("ip");
  const [progress, setProgress] = createSignal<ExportProgress | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [done, setDone] = createSignal<string>();
  let controller: AbortController | undefined;
  onMount(() => {
    document.title = pageTitle("Export");
  });

  async function run(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    setProgress({ bytes: 0, lines: 0, total: null });
    controller = new AbortController();
    try {
      const chosen = formats.find((f) => f.value === format()) ?? formats[0];
      const response = await startExport(format(), filters(), listType());
      const blob = await readWithProgress(response, setProgress, controller.signal);
      const name = fileNameFrom(
        response,
        `threatfusion-${format()}${format() === "blocklist" ? `-${listType()}` : ""}.${chosen?.ext ?? "txt"}`,
      );
      saveBlob(blob, name);
      setDone(`${name} is ready (${formatBytes(blob.size)}).`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const percent = () => {
    const p = progress();
    return p?.total ? Math.round((p.bytes / p.total) * 100) : null;
  };

  return (
    <section aria-labelledby="export-title">
      <h1 id="export-title">Export</h1>
      <p>
        Exporting <strong>{describeFilters(filters())}</strong>. False positives and allowlisted indicators
        are left out.
      </p>
      <form class="form card" onSubmit={run}>
        <fieldset class="choices">
          <legend>Format</legend>
          <For each={formats}>
            {(f) => (
              <label class="choice">
                <input
                  type="radio"
                  name="format"
                  value={f.value}
                  checked={format() === f.value}
                  onChange={() => setFormat(f.value)}
                />
                <span>
                  <strong>{f.label}</strong> <span class="muted small">{f.hint}</span>
                </span>
              </label>
            )}
          </For>
        </fieldset>
        <Show when={format() === "blocklist"}>
          <label class="field">
            <span>Blocklist type</span>
            <select value={listType()} onChange={(e) => setListType(e.currentTarget.value as BlocklistKind)}>
              <For each={blocklistKinds}>{(k) => <option value={k.value}>{k.label}</option>}</For>
            </select>
          </label>
        </Show>
        <div class="row">
          <button type="submit" class="button primary" disabled={busy()}>
            {busy() ? "Exporting…" : "Export"}
          </button>
          <Show when={busy()}>
            <button type="button" class="button" onClick={() => controller?.abort()}>
              Cancel
            </button>
          </Show>
        </div>
      </form>
      <Show when={progress()}>
        {(p) => (
          <div class="card" aria-live="polite">
            {/* Without a known length the bar is indeterminate (no value attribute at all). */}
            <Show when={percent() !== null} fallback={<progress aria-label="Export progress" />}>
              <progress max="100" value={percent() ?? 0} aria-label="Export progress" />
            </Show>
            <p class="small" data-testid="export-progress">
              {formatBytes(p().bytes)}
              {p().total ? ` of ${formatBytes(p().total ?? 0)}` : ""} · {p().lines.toLocaleString("en-US")}{" "}
              lines
            </p>
          </div>
        )}
      </Show>
      <Show when={done()}>
        <Notice kind="ok">{done()}</Notice>
      </Show>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The export failed" />
      </Show>
    </section>
  );
}
