import { A, useNavigate } from "@solidjs/router";
import { createResource, createSignal, For, type JSX, onMount, Show } from "solid-js";
import { listClients } from "../../api/endpoints.ts";
import type { ClientTenant } from "../../api/types.ts";
import { pageTitle } from "../../branding.ts";
import { Async } from "../../components/async.tsx";
import { formatCount, formatDateTime } from "../../components/badges.tsx";
import { Empty, ErrorNotice } from "../../components/notice.tsx";
import { session } from "../../session.ts";

/**
 * Enter a client's workspace: the API switches the session into the client (checking the reach, auditing in
 * both tenants) and keeps it there server-side; a banner marks every page until the user returns.
 */
export async function enterClientWorkspace(client: ClientTenant): Promise<void> {
  await session.enterClient(client.id);
}

export default function ClientsPage(): JSX.Element {
  onMount(() => {
    document.title = pageTitle("Clients");
  });
  const navigate = useNavigate();
  const [clients, { refetch }] = createResource(listClients);
  const [error, setError] = createSignal<unknown>();

  async function enter(client: ClientTenant) {
    setError(undefined);
    try {
      await enterClientWorkspace(client);
      navigate("/dashboard");
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section aria-labelledby="clients-title">
      <div class="row spread">
        <h1 id="clients-title">Clients</h1>
        <A class="button primary" href="/mssp/onboarding">
          Onboard a client
        </A>
      </div>
      <Show when={error()}>
        <ErrorNotice error={error()} title="Could not open the client's workspace" />
      </Show>
      <Async of={clients} retry={refetch} label="Loading clients…">
        {(list) => (
          <Show
            when={list.length > 0}
            fallback={<Empty>No clients yet. Start with "Onboard a client".</Empty>}
          >
            <ul class="client-grid">
              <For each={list}>
                {(client) => (
                  <li
                    class="card client-card"
                    classList={{ attention: client.issues.length > 0 || client.suspended }}
                  >
                    <h2>{client.name}</h2>
                    <p class="muted small">
                      {client.customDomain ?? `${client.slug}.…`}
                      {client.suspended ? " · suspended" : ""}
                    </p>
                    <dl class="facts compact">
                      <dt>Users</dt>
                      <dd>{formatCount(client.users)}</dd>
                      <dt>Feeds</dt>
                      <dd>{formatCount(client.feeds)}</dd>
                      <dt>Indicators</dt>
                      <dd>{formatCount(client.indicators)}</dd>
                      <dt>Last activity</dt>
                      <dd>{formatDateTime(client.lastActivityAt)}</dd>
                    </dl>
                    <Show
                      when={client.issues.length > 0}
                      fallback={
                        <p class="ok small">
                          <span aria-hidden="true">●</span> No open issues
                        </p>
                      }
                    >
                      <ul class="issues small">
                        <For each={client.issues}>
                          {(issue) => (
                            <li class="bad">
                              <span aria-hidden="true">▲</span> {issue}
                            </li>
                          )}
                        </For>
                      </ul>
                    </Show>
                    <div class="row">
                      <button type="button" class="button primary small" onClick={() => void enter(client)}>
                        Open workspace<span class="visually-hidden"> of {client.name}</span>
                      </button>
                      <A
                        class="button small"
                        href={`/mssp/clients/${encodeURIComponent(client.id)}/branding`}
                      >
                        Branding<span class="visually-hidden"> of {client.name}</span>
                      </A>
                    </div>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Async>
    </section>
  );
}
