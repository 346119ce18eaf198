import { createResource, createSignal, For, type JSX, onMount, Show } from "solid-js";
import { createInvitation, listInvitations } from "../../api/endpoints.ts";
import type { Invitation, Role } from "../../api/types.ts";
import { pageTitle } from "../../branding.ts";
import { Async } from "../../components/async.tsx";
import { formatDateTime } from "../../components/badges.tsx";
import { Empty, ErrorNotice, Notice } from "../../components/notice.tsx";
import { actingTenantId, session } from "../../session.ts";
import { AdminNav } from "./admin-nav.tsx";
import { roleLabels, rolesForKind } from "./roles.ts";

export default function InvitationsPage(): JSX.Element {
  onMount(() => {
    document.title = pageTitle("Invitations");
  });
  const [invitations, { refetch }] = createResource(actingTenantId, listInvitations);
  const kind = () => (session.acting() ? "client" : (session.me()?.tenant.kind ?? "client"));
  const [email, setEmail] = createSignal("");
  const [role, setRole] = createSignal<Role>("analyst");
  const [created, setCreated] = createSignal<Invitation>();
  const [error, setError] = createSignal<unknown>();

  async function invite(event: SubmitEvent) {
    event.preventDefault();
    setError(undefined);
    try {
      setCreated(await createInvitation(actingTenantId(), { email: email(), role: role() }));
      setEmail("");
      await refetch();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section aria-labelledby="inv-title">
      <h1 id="inv-title">Invitations</h1>
      <AdminNav />
      <form class="inline-form card" onSubmit={invite}>
        <label class="field grow">
          <span>Email</span>
          <input type="email" required value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Role</span>
          <select value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <For each={rolesForKind(kind())}>{(r) => <option value={r}>{roleLabels[r]}</option>}</For>
          </select>
        </label>
        <button type="submit" class="button primary">
          Send invitation
        </button>
      </form>
      <Show when={created()}>
        {(inv) => (
          <Notice kind="ok">
            Invitation sent to {inv().email}. It is single-use and expires {formatDateTime(inv().expiresAt)}.
            <Show when={inv().link}>
              {(link) => (
                <p>
                  Invitation link (shown here because mail is not configured in this environment):{" "}
                  <code class="break">{link()}</code>
                </p>
              )}
            </Show>
          </Notice>
        )}
      </Show>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The invitation was not sent" />
      </Show>
      <Async of={invitations} retry={refetch} label="Loading invitations…">
        {(list) => (
          <Show when={list.length > 0} fallback={<Empty>No open invitations.</Empty>}>
            <table class="table card">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Expires</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                <For each={list}>
                  {(inv) => (
                    <tr>
                      <td>{inv.email}</td>
                      <td>{roleLabels[inv.role] ?? inv.role}</td>
                      <td>{formatDateTime(inv.expiresAt)}</td>
                      <td>{inv.acceptedAt ? `Accepted ${formatDateTime(inv.acceptedAt)}` : "Pending"}</td>
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
