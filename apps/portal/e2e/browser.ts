/**
 * Real headless Chromium (Debian's `chromium`, driven by playwright-core) for the portal's browser tests:
 * one fresh profile per browser, helpers to sign in, check accessibility with axe-core and save screenshots
 * to `.artifacts/screenshots/`.
 */
import { mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const screenshotDir = resolve(import.meta.dirname, "../../../.artifacts/screenshots");

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** A browser with a fresh profile; `hostResolverRules` maps tenant hosts (acme.localhost) to the stack. */
export async function launchBrowser(
  options: { hostRules?: string; colorScheme?: "light" | "dark" } = {},
): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "tf-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumFlags, ...(options.hostRules ? [`--host-resolver-rules=${options.hostRules}`] : [])],
    viewport: { width: 1360, height: 900 },
    colorScheme: options.colorScheme ?? "light",
    permissions: ["clipboard-read", "clipboard-write"],
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Collects uncaught page errors so a test can assert the page never crashed. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

export async function signIn(
  page: Page,
  origin: string,
  account: { email: string; password: string },
): Promise<void> {
  await page.goto(`${origin}/sign-in`);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
}

const axeSource = (() => {
  const require = createRequire(import.meta.url);
  // axe-core ships its browser bundle as `axe.source`.
  return (require("axe-core") as { source: string }).source;
})();

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
  targets: string[];
}

/** axe-core on the current page; returns the serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Waits for `locator`; on timeout the error carries the page's alerts, so a failure says why. */
export async function waitOrExplain(
  page: Page,
  locator: ReturnType<Page["locator"]>,
  timeout = 15_000,
): Promise<void> {
  try {
    await locator.waitFor({ timeout });
  } catch (error) {
    const alerts = await page
      .getByRole("alert")
      .allTextContents()
      .catch(() => []);
    throw new Error(
      `${error instanceof Error ? error.message.split("\n")[0] : error}; alerts on ${page.url()}: ${JSON.stringify(alerts)}`,
    );
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
