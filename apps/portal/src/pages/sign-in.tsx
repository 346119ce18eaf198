import { useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal, For, type JSX, onMount, Show } from "solid-js";
import { confirmTotpEnrolment, signIn, startTotpEnrolment, verifySecondFactor } from "../api/endpoints.ts";
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
  const [step, setStep] = createSignal<"password" | "totp" | "enrol" | "recovery">("password");
  const [enrolment, setEnrolment] = createSignal<{ secret: string; uri: string }>();
  const [recoveryCodes, setRecoveryCodes] = createSignal<string[]>([]);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  let totpInput: HTMLInputElement | undefined;

  onMount(() => {
    document.title = `Sign in · ${branding().productName}`;
    if (session.me()) navigate(safeNext(params.next), { replace: true });
  });

  async function finish() {
    await session.refresh();
    navigate(safeNext(params.next), { replace: true });
  }

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (step() === "totp") {
        await verifySecondFactor(totp().replace(/\s/g, ""));
        await finish();
        return;
      }
      if (step() === "enrol") {
        setRecoveryCodes(await confirmTotpEnrolment(totp().replace(/\s/g, "")));
        setStep("recovery");
        return;
      }
      const result = await signIn({ email: email(), password: password() });
      if (result.status === "mfa_required") {
        setStep("totp");
        queueMicrotask(() => totpInput?.focus());
        return;
      }
      if (result.status === "enrolment_required") {
        setEnrolment(await startTotpEnrolment());
        setStep("enrol");
        queueMicrotask(() => totpInput?.focus());
        return;
      }
      await finish();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const heading = () =>
    ({
      password: "Sign in",
      totp: "Enter your authentication code",
      enrol: "Set up two-factor authentication",
      recovery: "Save your recovery codes",
    })[step()];

  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <div class="sign-in-card">
        <div class="sign-in-brand">
          <img src={branding().logoUrl ?? "/favicon.svg"} alt="" width="48" height="48" />
          <span class="sign-in-product">{branding().productName}</span>
        </div>
        <h1 id="sign-in-title">{heading()}</h1>
        <Show when={params.expired}>
          <Notice kind="warn">Your session ended. Sign in again to continue where you were.</Notice>
        </Show>
        <Show when={error()}>
          <ErrorNotice error={error()} title="Sign-in failed" />
        </Show>
        <Show when={step() === "enrol" && enrolment()}>
          {(e) => (
            <div class="notice">
              <p>
                Your organisation requires a second factor. Add this key to your authenticator app, then enter
                the code it shows.
              </p>
              <p>
                Key:{" "}
                <code class="break" data-testid="totp-secret">
                  {e().secret}
                </code>
              </p>
              <p class="small">
                Or open <a href={e().uri}>this otpauth link</a> on a device with an authenticator app.
              </p>
            </div>
          )}
        </Show>
        <Show when={step() === "recovery"}>
          <div class="notice notice-ok">
            <p>
              Two-factor authentication is on. Keep these single-use recovery codes somewhere safe; they are
              shown once.
            </p>
            <ul class="plain-list">
              <For each={recoveryCodes()}>
                {(code) => (
                  <li>
                    <code>{code}</code>
                  </li>
                )}
              </For>
            </ul>
            <button type="button" class="button primary" onClick={() => void finish()}>
              Continue
            </button>
          </div>
        </Show>
        <form onSubmit={submit} class="form" hidden={step() === "recovery"}>
          <Show
            when={step() === "totp" || step() === "enrol"}
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
            {busy() ? "Signing in…" : step() === "password" ? "Sign in" : "Verify"}
          </button>
          <Show when={step() !== "password"}>
            <button type="button" class="button ghost" onClick={() => setStep("password")}>
              Use a different account
            </button>
          </Show>
        </form>
      </div>
    </section>
  );
}
