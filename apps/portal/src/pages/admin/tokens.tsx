import { createResource, createSignal, For, type JSX, onMount, Show } from "solid-js";
import { listTokens, revokeToken } from "../../api/endpoints.ts";
import type { CreatedToken } from "../../api/types.ts";
import { pageTitle } from "../../branding.ts";
import { Async } from "../../components/async.tsx";
import { formatDateTime } from "../../components/badges.tsx";
import { Modal } from "../../components/dialog.tsx";
import { Empty, ErrorNotice } from "../../components/notice.tsx";
import { AdminNav } from "./admin-nav.tsx";
import { TokenForm, TokenSecret } from "./token-form.tsx";

export default function TokensPage(): JSX.Element {
  onMount(() => {
    document.title = pageTitle("API tokens");
  });
  const [tokens, { refetch }] = createResource(listTokens);
  const [created, setCreated] = createSignal<CreatedToken | null>(null);
  const [error, setError] = createSignal<unknown>();

  async function revoke(id: string, name: string) {
    if (!window.confirm(`Revoke "${name}"? Anything using it stops working immediately.`)) return;
    setError(undefined);
    try {
      await revokeToken(id);
      await refetch();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">API tokens</h1>
      <AdminNav />
      <p class="muted">
        Tokens let SIEMs, firewalls and scripts use the API and TAXII. Give each tool its own token with only
        the scopes it needs.
      </p>
      <TokenForm
        onCreated={(token) => {
          setCreated(token);
          void refetch();
        }}
      />
      <Modal
        open={created() !== null}
        onOpenChange={(open) => !open && setCreated(null)}
        title={`Token "${created()?.token.name ?? ""}" created`}
      >
        <Show when={created()}>{(c) => <TokenSecret created={c()} />}</Show>
      </Modal>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The token was not revoked" />
      </Show>
      <Async of={tokens} retry={refetch} label="Loading tokens…">
        {(list) => (
          <Show when={list.length > 0} fallback={<Empty>No tokens yet.</Empty>}>
            <table class="table card">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={list}>
                  {(t) => (
                    <tr classList={{ revoked: t.revokedAt !== null }}>
                      <td>{t.name}</td>
                      <td>
                        <code>{t.prefix}</code>
                      </td>
                      <td>{t.scopes.join(", ")}</td>
                      <td>{t.expiresAt ? formatDateTime(t.expiresAt) : "never"}</td>
                      <td>
                        {formatDateTime(t.lastUsedAt)}
                        {t.lastUsedIp ? <span class="muted small"> from {t.lastUsedIp}</span> : null}
                      </td>
                      <td>
                        <Show when={!t.revokedAt} fallback={<span class="muted">revoked</span>}>
                          <button
                            type="button"
                            class="button small danger"
                            onClick={() => void revoke(t.id, t.name)}
                          >
                            Revoke<span class="visually-hidden"> {t.name}</span>
                          </button>
                        </Show>
                      </td>
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
