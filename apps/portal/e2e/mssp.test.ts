// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright Locator.innerText (rendered text), not the DOM property
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { demoAccount } from "./accounts.ts";
import {
  type Browser,
  launchBrowser,
  screenshot,
  seriousAxeViolations,
  signIn,
  waitOrExplain,
} from "./browser.ts";

const { origin } = inject("stack");
let browser: Browser;
let page: Page;
const suffix = Date.now().toString(36);

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
  await signIn(page, origin, demoAccount("mssp_admin"));
});
afterAll(async () => {
  await browser?.close();
});

describe("MSSP console", () => {
  it("lands on the clients with their health at a glance", async () => {
    await page.waitForURL(/\/mssp$/);
    await page.locator(".client-card").first().waitFor();
    expect(await page.locator(".client-card").count()).toBeGreaterThanOrEqual(2);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, "11-mssp-clients");
  });

  it("onboards a client end to end: tenant, branding, feeds, first admin, first token", async () => {
    await page.goto(`${origin}/mssp/onboarding`);
    await page.getByLabel("Client name").fill(`Globex ${suffix}`);
    await page.getByRole("button", { name: "Create client" }).click();

    await waitOrExplain(page, page.getByRole("heading", { name: "Step 2: Branding" }));
    await page.getByLabel("Product name").fill(`Globex Shield ${suffix}`);
    await page.locator("input[name=primary]").fill("#0f766e");
    expect(await page.locator(".brand-preview").first().innerText()).toContain(`Globex Shield ${suffix}`);
    await screenshot(page, "12-mssp-onboarding-branding");
    await page.getByRole("button", { name: "Save branding and continue" }).click();

    await waitOrExplain(page, page.getByRole("heading", { name: "Step 3: Feeds" }));
    const feeds = page.getByRole("checkbox");
    await feeds.first().waitFor();
    await feeds.first().check();
    await page.getByRole("button", { name: "Subscribe and continue" }).click();

    await waitOrExplain(page, page.getByRole("heading", { name: "Step 4: First admin" }));
    await page.getByLabel(/first admin/).fill(`admin-${suffix}@globex.example`);
    await page.getByRole("button", { name: "Send invitation" }).click();

    await waitOrExplain(page, page.getByRole("heading", { name: "Step 5: API token" }));
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = await page.getByTestId("token-secret").locator(".secret-value").innerText();
    expect(secret).toMatch(/^tf_/);
    await page.getByRole("button", { name: "Finish" }).click();
    await page.getByText("is ready").waitFor();

    await page.goto(`${origin}/mssp`);
    await page.getByRole("heading", { name: `Globex ${suffix}` }).waitFor();
  });

  it("switches into a client's workspace, clearly marked, and back", async () => {
    await page.goto(`${origin}/mssp`);
    const card = page.locator(".client-card").first();
    const name = await card.locator("h2").innerText();
    await card.getByRole("button", { name: /Open workspace/ }).click();
    await page.waitForURL(/\/dashboard/);
    const banner = page.getByRole("region", { name: "Client workspace" });
    expect(await banner.innerText()).toContain(name);
    await page.getByTestId("dashboard-ready").waitFor();
    await screenshot(page, "13-mssp-in-client-workspace");
    expect(await banner.innerText()).toContain("Acting in");
    await banner.getByRole("button", { name: /^Return to / }).click();
    await page.waitForURL(/\/mssp$/);
    expect(await page.getByRole("region", { name: "Client workspace" }).count()).toBe(0);
  });

  it("shows the cross-client overview and the branding editor", async () => {
    await page.goto(`${origin}/mssp/overview`);
    await waitOrExplain(page, page.getByRole("heading", { name: "Feeds" }));
    await page.locator("table tbody tr").first().waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, "14-mssp-overview");
    await page.goto(`${origin}/mssp`);
    await page
      .locator(".client-card")
      .first()
      .getByRole("link", { name: /Branding/ })
      .click();
    await waitOrExplain(page, page.getByRole("heading", { name: "Live preview" }));
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, "15-mssp-branding-editor");
  });
});
