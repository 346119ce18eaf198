import { createResource, createSignal, For, type JSX, onMount, Show } from "solid-js";
import { changeRole, listUsers } from "../../api/endpoints.ts";
import type { Role } from "../../api/types.ts";
import { pageTitle } from "../../branding.ts";
import { Async } from "../../components/async.tsx";
import { formatDateTime } from "../../components/badges.tsx";
import { ErrorNotice, Notice } from "../../components/notice.tsx";
import { actingTenantId, session } from "../../session.ts";
import { AdminNav } from "./admin-nav.tsx";
import { roleLabels, rolesForKind } from "./roles.ts";

export default function UsersPage(): JSX.Element {
  onMount(() => {
    document.title = pageTitle("Users and roles");
  });
  const [users, { refetch }] = createResource(actingTenantId, listUsers);
  const [error, setError] = createSignal<unknown>();
  const [saved, setSaved] = createSignal<string>();
  const kind = () => (session.acting() ? "client" : (session.me()?.tenant.kind ?? "client"));

  async function updateRole(userId: string, email: string, role: Role) {
    setError(undefined);
    setSaved(undefined);
    try {
      await changeRole(actingTenantId(), userId, role);
      setSaved(`${email} is now ${roleLabels[role]}.`);
      await refetch();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users and roles</h1>
      <AdminNav />
      <Show when={saved()}>
        <Notice kind="ok">{saved()}</Notice>
      </Show>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The role was not changed" />
      </Show>
      <Async of={users} retry={refetch} label="Loading users…">
        {(list) => (
          <table class="table card">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">MFA</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              <For each={list}>
                {(user) => (
                  <tr>
                    <td>
                      {user.displayName ?? user.email}
                      <div class="muted small">{user.email}</div>
                    </td>
                    <td>
                      <label>
                        <span class="visually-hidden">Role of {user.email}</span>
                        <select
                          value={user.role}
                          disabled={user.id === session.me()?.user.id}
                          onChange={(e) =>
                            void updateRole(user.id, user.email, e.currentTarget.value as Role)
                          }
                        >
                          <For each={[...new Set([user.role, ...rolesForKind(kind())])]}>
                            {(role) => <option value={role}>{roleLabels[role]}</option>}
                          </For>
                        </select>
                      </label>
                    </td>
                    <td>{user.mfaEnabled ? "On" : "Off"}</td>
                    <td>{formatDateTime(user.lastSignInAt)}</td>
                    <td>{user.disabled ? "Disabled" : "Active"}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}
