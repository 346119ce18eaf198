import { useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal, type JSX, onMount, Show } from "solid-js";
import { signIn } from "../api/endpoints.ts";
import { branding } from "../branding.ts";
import { ErrorNotice, Notice } from "../components/notice.tsx";
import { session } from "../session.ts";

/** Only same-origin paths are followed after sign-in (no open redirect through `?next=`). */
export function safeNext(next: string | undefined): string {
  return next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/sign-in") ? next : "/";
}

/** Sign-in in the tenant's brand: email and password, then the TOTP code when the account has MFA. */
export function SignInPage(): JSX.Element {
  const [params] = useSearchParams<{ next?: string; expired?: string }>();
  const navigate = useNavigate();
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [totp, setTotp] = createSignal("");
  const [step, setStep] = createSignal<"password" | "totp">("password");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  let totpInput: HTMLInputElement | undefined;

  onMount(() => {
    document.title = `Sign in · ${branding().productName}`;
    if (session.me()) navigate(safeNext(params.next), { replace: true });
  });

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const result = await signIn({
        email: email(),
        password: password(),
        ...(step() === "totp" ? { totp: totp().replace(/\s/g, "") } : {}),
      });
      if (result.status === "mfa_required") {
        setStep("totp");
        queueMicrotask(() => totpInput?.focus());
        return;
      }
      await session.refresh();
      navigate(safeNext(params.next), { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <div class="sign-in-card">
        <div class="sign-in-brand">
          <img src={branding().logoUrl ?? "/favicon.svg"} alt="" width="48" height="48" />
          <span class="sign-in-product">{branding().productName}</span>
        </div>
        <h1 id="sign-in-title">{step() === "totp" ? "Enter your authentication code" : "Sign in"}</h1>
        <Show when={params.expired}>
          <Notice kind="warn">Your session ended. Sign in again to continue where you were.</Notice>
        </Show>
        <Show when={error()}>
          <ErrorNotice error={error()} title="Sign-in failed" />
        </Show>
        <form onSubmit={submit} class="form">
          <Show
            when={step() === "totp"}
            fallback={
              <>
                <label class="field">
                  <span>Email</span>
                  <input
                    type="email"
                    name="email"
                    autocomplete="username"
                    required
                    value={email()}
                    onInput={(e) => setEmail(e.currentTarget.value)}
                  />
                </label>
                <label class="field">
                  <span>Password</span>
                  <input
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                    value={password()}
                    onInput={(e) => setPassword(e.currentTarget.value)}
                  />
                </label>
              </>
            }
          >
            <label class="field">
              <span>6-digit code from your authenticator app (or a recovery code)</span>
              <input
                ref={totpInput}
                name="totp"
                inputmode="numeric"
                autocomplete="one-time-code"
                required
                value={totp()}
                onInput={(e) => setTotp(e.currentTarget.value)}
              />
            </label>
          </Show>
          <button type="submit" class="button primary" disabled={busy()}>
            {busy() ? "Signing in…" : step() === "totp" ? "Verify" : "Sign in"}
          </button>
          <Show when={step() === "totp"}>
            <button type="button" class="button ghost" onClick={() => setStep("password")}>
              Use a different account
            </button>
          </Show>
        </form>
      </div>
    </section>
  );
}
