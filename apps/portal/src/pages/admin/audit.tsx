import { createResource, createSignal, For, type JSX, onMount, Show } from "solid-js";
import { apiResponse } from "../../api/client.ts";
import { auditExportPath, listAudit, verifyAudit } from "../../api/endpoints.ts";
import { pageTitle } from "../../branding.ts";
import { Async } from "../../components/async.tsx";
import { formatDateTime } from "../../components/badges.tsx";
import { Empty, ErrorNotice, Notice } from "../../components/notice.tsx";
import { saveBlob } from "../../lib/download.ts";
import { actingTenantId } from "../../session.ts";
import { AdminNav } from "./admin-nav.tsx";

export default function AuditPage(): JSX.Element {
  onMount(() => {
    document.title = pageTitle("Audit log");
  });
  const [page, { refetch }] = createResource(actingTenantId, listAudit);
  const [verification, setVerification] = createSignal<{ ok: boolean; checked: number; message: string }>();
  const [error, setError] = createSignal<unknown>();

  async function verify() {
    setError(undefined);
    try {
      setVerification(await verifyAudit(actingTenantId()));
    } catch (e) {
      setError(e);
    }
  }

  async function exportLines() {
    setError(undefined);
    try {
      const response = await apiResponse("GET", auditExportPath(actingTenantId()), {
        headers: { accept: "application/x-ndjson" },
      });
      saveBlob(await response.blob(), "audit-log.jsonl");
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <AdminNav />
      <div class="row">
        <button type="button" class="button" onClick={verify}>
          Verify the hash chain
        </button>
        <button type="button" class="button" onClick={exportLines}>
          Export as JSON lines
        </button>
      </div>
      <Show when={verification()}>
        {(v) => (
          <Notice kind={v().ok ? "ok" : "warn"}>
            {v().ok
              ? `The chain is intact (${v().checked} entries checked).`
              : `The chain does not verify: ${v().message || "an entry was changed or removed"}.`}
          </Notice>
        )}
      </Show>
      <Show when={error()}>
        <ErrorNotice error={error()} />
      </Show>
      <Async of={page} retry={refetch} label="Loading the audit log…">
        {(result) => (
          <Show when={result.items.length > 0} fallback={<Empty>No entries yet.</Empty>}>
            <table class="table card">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Who</th>
                  <th scope="col">Target</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                <For each={result.items}>
                  {(e) => (
                    <tr>
                      <td class="num">{e.seq}</td>
                      <td>{formatDateTime(e.at)}</td>
                      <td>
                        <code>{e.action}</code>
                      </td>
                      <td>{e.actor ?? "–"}</td>
                      <td>{e.target ?? "–"}</td>
                      <td>{e.ip ?? "–"}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        )}
      </Async>
    </section>
  );
}
