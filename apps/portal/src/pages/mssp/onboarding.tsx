import { A } from "@solidjs/router";
import { createResource, createSignal, For, type JSX, Match, onMount, Show, Switch } from "solid-js";
import { withActingTenant as asClient } from "../../api/client.ts";
import {
  createClient,
  createInvitation,
  defaultBranding,
  listFeeds,
  subscribeFeed,
  updateBranding,
} from "../../api/endpoints.ts";
import type { ClientTenant, CreatedToken } from "../../api/types.ts";
import { pageTitle } from "../../branding.ts";
import { Async } from "../../components/async.tsx";
import { ErrorNotice, Notice } from "../../components/notice.tsx";
import { TokenForm, TokenSecret } from "../admin/token-form.tsx";
import { BrandingEditor } from "./branding-editor.tsx";

const steps = ["Client", "Branding", "Feeds", "First admin", "API token"] as const;

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
}

function Stepper(props: { current: number }): JSX.Element {
  return (
    <ol class="stepper" aria-label="Onboarding steps">
      <For each={steps}>
        {(label, i) => (
          <li
            classList={{ done: i() < props.current, current: i() === props.current }}
            aria-current={i() === props.current ? "step" : undefined}
          >
            <span class="step-number">{i() + 1}</span> {label}
          </li>
        )}
      </For>
    </ol>
  );
}

function CreateStep(props: { onDone: (client: ClientTenant) => void }): JSX.Element {
  const [name, setName] = createSignal("");
  const [slug, setSlug] = createSignal("");
  const [slugTouched, setSlugTouched] = createSignal(false);
  const [domain, setDomain] = createSignal("");
  const [error, setError] = createSignal<unknown>();
  const [busy, setBusy] = createSignal(false);
  return (
    <form
      class="form card"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          props.onDone(
            await createClient({
              name: name(),
              slug: slug(),
              ...(domain() ? { customDomain: domain() } : {}),
            }),
          );
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <label class="field">
        <span>Client name</span>
        <input
          name="name"
          required
          value={name()}
          onInput={(e) => {
            setName(e.currentTarget.value);
            if (!slugTouched()) setSlug(slugify(e.currentTarget.value));
          }}
        />
      </label>
      <label class="field">
        <span>Slug (their portal lives at SLUG.your-domain)</span>
        <input
          name="slug"
          required
          pattern="[a-z0-9][a-z0-9-]*"
          value={slug()}
          onInput={(e) => {
            setSlugTouched(true);
            setSlug(e.currentTarget.value);
          }}
        />
      </label>
      <label class="field">
        <span>Custom domain (optional)</span>
        <input name="customDomain" value={domain()} onInput={(e) => setDomain(e.currentTarget.value)} />
      </label>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The client was not created" />
      </Show>
      <button type="submit" class="button primary" disabled={busy()}>
        Create client
      </button>
    </form>
  );
}

function FeedsStep(props: { client: ClientTenant; onDone: () => void }): JSX.Element {
  const [feeds] = createResource(listFeeds);
  const [chosen, setChosen] = createSignal<string[]>([]);
  const [error, setError] = createSignal<unknown>();
  const [busy, setBusy] = createSignal(false);
  return (
    <form
      class="form card"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await asClient(props.client.id, async () => {
            for (const id of chosen()) await subscribeFeed(id);
          });
          props.onDone();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <Async of={feeds} label="Loading feeds…">
        {(list) => (
          <fieldset class="choices">
            <legend>Feeds for {props.client.name}</legend>
            <For each={list}>
              {(feed) => (
                <label class="choice">
                  <input
                    type="checkbox"
                    name="feed"
                    value={feed.id}
                    checked={chosen().includes(feed.id)}
                    onChange={(e) =>
                      setChosen((c) =>
                        e.currentTarget.checked ? [...c, feed.id] : c.filter((x) => x !== feed.id),
                      )
                    }
                  />
                  <span>
                    {feed.name} <span class="muted small">{feed.source ?? ""}</span>
                  </span>
                </label>
              )}
            </For>
          </fieldset>
        )}
      </Async>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The subscriptions were not saved" />
      </Show>
      <div class="row">
        <button type="submit" class="button primary" disabled={busy()}>
          Subscribe and continue
        </button>
        <button type="button" class="button ghost" onClick={() => props.onDone()}>
          Skip
        </button>
      </div>
    </form>
  );
}

function InviteStep(props: { client: ClientTenant; onDone: (link: string | null) => void }): JSX.Element {
  const [email, setEmail] = createSignal("");
  const [error, setError] = createSignal<unknown>();
  return (
    <form
      class="form card"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        try {
          const invitation = await asClient(props.client.id, () =>
            createInvitation(props.client.id, { email: email(), role: "tenant_admin" }),
          );
          props.onDone(invitation.link ?? null);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <label class="field">
        <span>Email of {props.client.name}'s first admin</span>
        <input
          type="email"
          name="email"
          required
          value={email()}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </label>
      <Show when={error()}>
        <ErrorNotice error={error()} title="The invitation was not sent" />
      </Show>
      <button type="submit" class="button primary">
        Send invitation
      </button>
    </form>
  );
}

/** MSSP onboarding: create tenant -> branding -> feed subscriptions -> invite first admin -> first API token. */
export default function OnboardingPage(): JSX.Element {
  onMount(() => {
    document.title = pageTitle("Onboard a client");
  });
  const [step, setStep] = createSignal(0);
  const [client, setClient] = createSignal<ClientTenant>();
  const [inviteLink, setInviteLink] = createSignal<string | null>(null);
  const [token, setToken] = createSignal<CreatedToken>();
  let heading: HTMLHeadingElement | undefined;
  const go = (next: number) => {
    setStep(next);
    queueMicrotask(() => heading?.focus());
  };

  return (
    <section aria-labelledby="onb-title">
      <h1 id="onb-title">Onboard a client</h1>
      <Stepper current={step()} />
      <h2 ref={heading} tabindex="-1" class="step-title">
        {step() < steps.length ? `Step ${step() + 1}: ${steps[step()]}` : "Done"}
      </h2>
      <Switch>
        <Match when={step() === 0}>
          <CreateStep
            onDone={(c) => {
              setClient(c);
              go(1);
            }}
          />
        </Match>
        <Match when={step() === 1 && client()}>
          {(c) => (
            <BrandingEditor
              initial={{ ...defaultBranding, productName: `${c().name} SOC` }}
              saveLabel="Save branding and continue"
              onSave={async (draft) => {
                await updateBranding(c().id, draft);
                go(2);
              }}
            />
          )}
        </Match>
        <Match when={step() === 2 && client()}>
          {(c) => <FeedsStep client={c()} onDone={() => go(3)} />}
        </Match>
        <Match when={step() === 3 && client()}>
          {(c) => (
            <InviteStep
              client={c()}
              onDone={(link) => {
                setInviteLink(link);
                go(4);
              }}
            />
          )}
        </Match>
        <Match when={step() === 4 && client()}>
          {(c) => (
            <>
              <Show when={inviteLink()}>
                {(link) => (
                  <Notice kind="ok">
                    Invitation link (mail is not configured here): <code class="break">{link()}</code>
                  </Notice>
                )}
              </Show>
              <Show
                when={token()}
                fallback={
                  <TokenForm
                    tenantId={c().id}
                    defaultName={`${c().name} SIEM`}
                    onCreated={(t) => setToken(t)}
                  />
                }
              >
                {(t) => (
                  <>
                    <TokenSecret created={t()} />
                    <button type="button" class="button primary" onClick={() => go(5)}>
                      Finish
                    </button>
                  </>
                )}
              </Show>
            </>
          )}
        </Match>
        <Match when={step() >= 5 && client()}>
          {(c) => (
            <Notice kind="ok">
              <strong>{c().name}</strong> is ready. <A href="/mssp">Back to clients</A>
            </Notice>
          )}
        </Match>
      </Switch>
    </section>
  );
}
