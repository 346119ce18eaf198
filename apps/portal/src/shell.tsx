/**
 * The portal's frame: resolves the host's branding before anything else (so the sign-in page is already the
 * client's), checks the session, guards private routes, and draws the navigation for the actor's role.
 * MSSP staff working inside a client see a banner that says so on every page.
 */
import { A, type RouteSectionProps, useLocation, useNavigate } from "@solidjs/router";
import { createResource, createSignal, ErrorBoundary, For, type JSX, onMount, Show } from "solid-js";
import { humanMessage, setSessionExpiredHandler } from "./api/client.ts";
import { getBranding, signOut } from "./api/endpoints.ts";
import type { ThemeChoice } from "./api/types.ts";
import { branding, setBranding, setThemeChoice, themeChoice } from "./branding.ts";
import { ErrorNotice, Loading } from "./components/notice.tsx";
import { adminRoles, hasRole, inMsspConsole, msspRoles, session } from "./session.ts";

const publicPaths = ["/sign-in", "/status", "/invitations/accept", "/bench"];

interface NavItem {
  href: string;
  label: string;
  show: () => boolean;
}

const navItems: NavItem[] = [
  { href: "/mssp", label: "Clients", show: inMsspConsole },
  { href: "/mssp/overview", label: "Overview", show: inMsspConsole },
  { href: "/dashboard", label: "Dashboard", show: () => !inMsspConsole() },
  { href: "/indicators", label: "Search", show: () => true },
  { href: "/timeline", label: "Timeline", show: () => true },
  { href: "/lookup", label: "Bulk lookup", show: () => true },
  { href: "/export", label: "Export", show: () => true },
  { href: "/admin/users", label: "Admin", show: () => hasRole(adminRoles) },
];

function ThemeSwitch(): JSX.Element {
  const choices: { value: ThemeChoice; label: string }[] = [
    { value: "system", label: "System" },
    { value: "light", label: "Light" },
    { value: "dark", label: "Dark" },
  ];
  return (
    <label class="theme-switch">
      <span class="visually-hidden">Theme</span>
      <select value={themeChoice()} onChange={(e) => setThemeChoice(e.currentTarget.value as ThemeChoice)}>
        <For each={choices}>{(c) => <option value={c.value}>{c.label} theme</option>}</For>
      </select>
    </label>
  );
}

function Brand(): JSX.Element {
  return (
    <A class="brand" href="/" aria-label={`${branding().productName} home`}>
      <img src={branding().logoUrl ?? "/favicon.svg"} alt="" width="28" height="28" />
      <span>{branding().productName}</span>
    </A>
  );
}

/** Marks every page while MSSP staff act inside a client, with the way back to their own console. */
export function ClientBanner(): JSX.Element {
  const navigate = useNavigate();
  const [error, setError] = createSignal<unknown>();
  const [leaving, setLeaving] = createSignal(false);
  async function leave() {
    setError(undefined);
    setLeaving(true);
    try {
      await session.enterClient(null);
      navigate("/mssp");
    } catch (e) {
      setError(e);
    } finally {
      setLeaving(false);
    }
  }
  return (
    <Show when={session.acting()}>
      {(tenant) => (
        <section class="client-banner" aria-label="Client workspace" data-testid="client-banner">
          <span>
            Acting in <strong>{tenant().name}</strong> as {session.me()?.tenant.name || "MSSP"} staff. Every
            action is recorded in both audit logs.
          </span>
          <button type="button" class="button small" onClick={leave} disabled={leaving()}>
            Return to {session.me()?.tenant.name || "MSSP console"}
          </button>
          <Show when={error()}>
            <span role="alert">{humanMessage(error())}</span>
          </Show>
        </section>
      )}
    </Show>
  );
}

/**
 * A page that throws while rendering, or whose code cannot be fetched (a new version was deployed while the
 * tab was open), shows a message and a way out instead of a blank screen.
 */
function PageBoundary(props: { children: JSX.Element }): JSX.Element {
  return (
    <ErrorBoundary
      fallback={(error) => (
        <ErrorNotice
          error={
            error instanceof TypeError &&
            /dynamically imported module|Importing a module script/.test(error.message)
              ? new Error(
                  "This page could not be loaded; the portal may have been updated. Reload to continue.",
                )
              : error
          }
          title="This page could not be shown"
          retry={() => window.location.reload()}
        />
      )}
    >
      {props.children}
    </ErrorBoundary>
  );
}

export function Shell(props: RouteSectionProps): JSX.Element {
  const location = useLocation();
  const navigate = useNavigate();
  const isPublic = () =>
    publicPaths.some((p) => location.pathname === p || location.pathname.startsWith(`${p}/`));

  const [brandingLoaded] = createResource(async () => {
    try {
      setBranding(await getBranding());
    } catch {
      // Unknown host or API down: the default brand still gives a working sign-in page.
    }
    return true;
  });

  const [checked, { refetch }] = createResource(async () => {
    const me = await session.refresh();
    if (!me && !isPublic()) {
      navigate(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    }
    return true;
  });

  onMount(() => {
    setSessionExpiredHandler(() => {
      if (isPublic()) return;
      session.clear();
      navigate(`/sign-in?expired=1&next=${encodeURIComponent(location.pathname + location.search)}`, {
        replace: true,
      });
    });
  });

  async function doSignOut() {
    await signOut().catch(() => undefined);
    session.clear();
    navigate("/sign-in", { replace: true });
  }

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Show
        when={brandingLoaded.state === "ready" && (checked.state === "ready" || checked.state === "errored")}
        fallback={<Loading label="Starting…" />}
      >
        <Show
          when={session.me()}
          fallback={
            <main id="main" tabindex="-1" class="public-main">
              {checked.error && !isPublic() ? (
                <ErrorNotice error={checked.error} title="The platform did not answer" retry={refetch} />
              ) : (
                props.children
              )}
            </main>
          }
        >
          {(me) => (
            <>
              <header class="topbar">
                <Brand />
                <nav aria-label="Main">
                  <ul class="nav">
                    <For each={navItems.filter((item) => item.show())}>
                      {(item) => (
                        <li>
                          <A href={item.href} end={item.href === "/mssp"} activeClass="active">
                            {item.label}
                          </A>
                        </li>
                      )}
                    </For>
                  </ul>
                </nav>
                <div class="topbar-end">
                  <ThemeSwitch />
                  <span class="who" data-testid="who">
                    <span class="who-name">{me().user.displayName ?? me().user.email}</span>
                    <span class="muted small">
                      <Show when={me().user.displayName}> {me().user.email} ·</Show> {me().tenant.name}
                    </span>
                  </span>
                  <button type="button" class="button ghost" onClick={doSignOut}>
                    Sign out
                  </button>
                </div>
              </header>
              <ClientBanner />
              <main id="main" tabindex="-1">
                <PageBoundary>{props.children}</PageBoundary>
              </main>
            </>
          )}
        </Show>
      </Show>
    </div>
  );
}

/** `/`: MSSP staff land on their console, everyone else on the dashboard. */
export function HomeRedirect(): JSX.Element {
  const navigate = useNavigate();
  onMount(() =>
    navigate(hasRole(msspRoles) && !session.acting() ? "/mssp" : "/dashboard", { replace: true }),
  );
  return <Loading />;
}

export function NotFoundPage(): JSX.Element {
  return (
    <section aria-labelledby="nf-title">
      <h1 id="nf-title">Page not found</h1>
      <p>
        There is nothing at this address. <A href="/">Go to the start page</A>.
      </p>
    </section>
  );
}
