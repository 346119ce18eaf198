import { A, useNavigate } from "@solidjs/router";
import { createResource, createSignal, type JSX, onMount, Show } from "solid-js";
import { acceptInvitation, previewInvitation, readBranding, signIn } from "../api/endpoints.ts";
import { branding, setBranding } from "../branding.ts";
import { Async } from "../components/async.tsx";
import { ErrorNotice, Notice } from "../components/notice.tsx";
import { session } from "../session.ts";

/** Passwords shorter than this are refused by the API's policy; said up front instead of after a round trip. */
const minimumPasswordLength = 12;

const roleNames: Record<string, string> = {
  tenant_admin: "administrator",
  analyst: "analyst",
  viewer: "viewer",
  mssp_admin: "MSSP administrator",
  mssp_analyst: "MSSP analyst",
  platform_admin: "platform administrator",
};

/**
 * The page an invitation link opens (`/invitations/accept#<token>`): in the invited tenant's brand, the
 * invitee chooses a display name and password (or confirms an existing account's password), and lands
 * signed in. The token travels in the fragment, so it never reaches a server log; it is dropped from the
 * address bar once read.
 */
export default function AcceptInvitationPage(): JSX.Element {
  const navigate = useNavigate();
  const token = window.location.hash.replace(/^#/, "");
  onMount(() => {
    if (token) history.replaceState(null, "", window.location.pathname);
  });
  const [preview] = createResource(async () => {
    if (!token) throw new Error("This link is incomplete. Open the link from the invitation e-mail again.");
    const found = await previewInvitation(token);
    setBranding(readBranding({ slug: found.tenant.slug, name: found.tenant.name, branding: found.branding }));
    document.title = `Join ${found.tenant.name} · ${branding().productName}`;
    return found;
  });
  const [displayName, setDisplayName] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [repeated, setRepeated] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [needsSecondFactor, setNeedsSecondFactor] = createSignal(false);

  async function submit(event: SubmitEvent, email: string, existingAccount: boolean) {
    event.preventDefault();
    setError(undefined);
    if (!existingAccount && password() !== repeated()) {
      setError(new Error("The two passwords differ. Type the same password twice."));
      return;
    }
    setBusy(true);
    try {
      await acceptInvitation(
        existingAccount
          ? { token }
          : {
              token,
              password: password(),
              ...(displayName().trim() ? { displayName: displayName().trim() } : {}),
            },
      );
      const signedIn = await signIn({ email, password: password() });
      if (signedIn.status !== "signed_in") {
        setNeedsSecondFactor(true);
        return;
      }
      await session.refresh();
      navigate("/", { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="sign-in" aria-labelledby="accept-title">
      <div class="sign-in-card">
        <div class="sign-in-brand">
          <img src={branding().logoUrl ?? "/favicon.svg"} alt="" width="48" height="48" />
          <span class="sign-in-product">{branding().productName}</span>
        </div>
        <Async of={preview} label="Opening your invitation…">
          {(invitation) => (
            <>
              <h1 id="accept-title">Join {invitation.tenant.name}</h1>
              <p>
                You are invited as <strong>{roleNames[invitation.role] ?? invitation.role}</strong> with the
                address <strong data-testid="invited-email">{invitation.email}</strong>.
              </p>
              <Show when={needsSecondFactor()}>
                <Notice kind="ok">
                  Your account is ready. {invitation.tenant.name} requires a second factor:{" "}
                  <A href="/sign-in">sign in</A> to set it up.
                </Notice>
              </Show>
              <Show when={error()}>
                <ErrorNotice error={error()} title="The invitation could not be accepted" />
              </Show>
              <form
                class="form"
                hidden={needsSecondFactor()}
                onSubmit={(event) => void submit(event, invitation.email, invitation.existingAccount)}
              >
                <input type="hidden" name="username" autocomplete="username" value={invitation.email} />
                <Show
                  when={!invitation.existingAccount}
                  fallback={
                    <p class="small">
                      You already have an account. Enter its password to add {invitation.tenant.name} to it.
                    </p>
                  }
                >
                  <label class="field">
                    <span>Your name</span>
                    <input
                      type="text"
                      name="name"
                      autocomplete="name"
                      maxLength={200}
                      value={displayName()}
                      onInput={(e) => setDisplayName(e.currentTarget.value)}
                    />
                  </label>
                </Show>
                <label class="field">
                  <span>{invitation.existingAccount ? "Password" : "Choose a password"}</span>
                  <input
                    type="password"
                    name="password"
                    autocomplete={invitation.existingAccount ? "current-password" : "new-password"}
                    required
                    minLength={invitation.existingAccount ? undefined : minimumPasswordLength}
                    aria-describedby={invitation.existingAccount ? undefined : "password-hint"}
                    value={password()}
                    onInput={(e) => setPassword(e.currentTarget.value)}
                  />
                </label>
                <Show when={!invitation.existingAccount}>
                  <p id="password-hint" class="small muted">
                    At least {minimumPasswordLength} characters; a few unrelated words make a good one.
                  </p>
                  <label class="field">
                    <span>Repeat the password</span>
                    <input
                      type="password"
                      name="password-repeat"
                      autocomplete="new-password"
                      required
                      value={repeated()}
                      onInput={(e) => setRepeated(e.currentTarget.value)}
                    />
                  </label>
                </Show>
                <button type="submit" class="button primary" disabled={busy()}>
                  {busy() ? "Joining…" : `Join ${invitation.tenant.name}`}
                </button>
              </form>
            </>
          )}
        </Async>
      </div>
    </section>
  );
}
