import { createSignal, For, type JSX, Show } from "solid-js";
import { withActingTenant } from "../../api/client.ts";
import { createToken } from "../../api/endpoints.ts";
import type { CreatedToken } from "../../api/types.ts";
import { ErrorNotice } from "../../components/notice.tsx";

export const tokenScopes: { value: string; label: string }[] = [
  { value: "indicators:read", label: "Read indicators" },
  { value: "indicators:write", label: "Write indicators" },
  { value: "sightings:write", label: "Report sightings" },
  { value: "exports:read", label: "Exports and TAXII" },
  { value: "admin", label: "Administration" },
];

const expiries: { label: string; minutes: number | undefined }[] = [
  { label: "1 hour", minutes: 60 },
  { label: "7 days", minutes: 7 * 24 * 60 },
  { label: "30 days", minutes: 30 * 24 * 60 },
  { label: "90 days", minutes: 90 * 24 * 60 },
  { label: "1 year", minutes: 365 * 24 * 60 },
  { label: "Never (if your MSSP allows it)", minutes: undefined },
];

/** Parse an IP allowlist typed one per line or comma-separated. */
export function parseAllowlist(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Create an API token with scopes, expiry and an optional IP allowlist; used by admin and onboarding. */
export function TokenForm(props: {
  onCreated: (token: CreatedToken) => void;
  defaultName?: string;
  /** Create the token in this client tenant (MSSP onboarding); default: the acting tenant. */
  tenantId?: string;
}): JSX.Element {
  const [name, setName] = createSignal(props.defaultName ?? "");
  const [scopes, setScopes] = createSignal<string[]>(["indicators:read"]);
  const [expiry, setExpiry] = createSignal(2);
  const [allowlist, setAllowlist] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const ips = parseAllowlist(allowlist());
      const input = {
        name: name(),
        scopes: scopes(),
        expiresInMinutes: expiries[expiry()]?.minutes,
        ...(ips.length > 0 ? { ipAllowlist: ips } : {}),
      };
      const tenantId = props.tenantId;
      props.onCreated(
        await (tenantId ? withActingTenant(tenantId, () => createToken(input)) : createToken(input)),
      );
      setName("");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form card" onSubmit={submit} aria-label="Create an API token">
      <label class="field">
        <span>Name (what will use it, e.g. "Splunk TAXII poller")</span>
        <input name="token-name" required value={name()} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <fieldset class="choices">
        <legend>Scopes</legend>
        <For each={tokenScopes}>
          {(scope) => (
            <label class="choice">
              <input
                type="checkbox"
                value={scope.value}
                checked={scopes().includes(scope.value)}
                onChange={(e) =>
                  setScopes((current) =>
                    e.currentTarget.checked
                      ? [...current, scope.value]
                      : current.filter((s) => s !== scope.value),
                  )
                }
              />
              <span>
                {scope.label} <code class="small">{scope.value}</code>
              </span>
            </label>
          )}
        </For>
      </fieldset>
      <label class="field">
        <span>Expires after</span>
        <select value={expiry()} onChange={(e) => setExpiry(Number(e.currentTarget.value))}>
          <For each={expiries}>{(x, i) => <option value={i()}>{x.label}</option>}</For>
        </select>
      </label>
      <label class="field">
        <span>Allowed IP addresses or CIDR ranges (optional; one per line)</span>
        <textarea rows="2" value={allowlist()} onInput={(e) => setAllowlist(e.currentTarget.value)} />
      </label>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The token was not created" />
      </Show>
      <button type="submit" class="button primary" disabled={busy() || scopes().length === 0}>
        Create token
      </button>
    </form>
  );
}

/** The secret, shown once with a copy button; it cannot be shown again. */
export function TokenSecret(props: { created: CreatedToken }): JSX.Element {
  const [copied, setCopied] = createSignal(false);
  return (
    <div class="secret" data-testid="token-secret">
      <p>
        <strong>Copy this token now.</strong> It is shown only once; we store only a hash of it.
      </p>
      <code class="break secret-value">{props.created.secret}</code>
      <button
        type="button"
        class="button small"
        onClick={async () => {
          await navigator.clipboard.writeText(props.created.secret).catch(() => undefined);
          setCopied(true);
        }}
      >
        {copied() ? "Copied" : "Copy token"}
      </button>
    </div>
  );
}
