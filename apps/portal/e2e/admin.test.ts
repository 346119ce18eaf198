// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright Locator.innerText (rendered text), not the DOM property
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { demoAccount } from "./accounts.ts";
import { type Browser, launchBrowser, screenshot, seriousAxeViolations, signIn } from "./browser.ts";

const { origin } = inject("stack");
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
  await signIn(page, origin, demoAccount("tenant_admin"));
});
afterAll(async () => {
  await browser?.close();
});

describe("tenant admin", () => {
  it("lists users with their roles", async () => {
    await page.goto(`${origin}/admin/users`);
    await page.locator("table tbody tr").first().waitFor();
    expect(await page.locator("table tbody tr").count()).toBeGreaterThan(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, "08-admin-users");
  });

  it("creates a scoped API token and shows it exactly once", async () => {
    await page.goto(`${origin}/admin/tokens`);
    await page.getByLabel(/^Name/).fill("Splunk TAXII poller (e2e)");
    await page.getByRole("checkbox", { name: /Exports and TAXII/ }).check();
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = page.getByTestId("token-secret");
    await secret.waitFor();
    const value = await secret.locator(".secret-value").innerText();
    expect(value).toMatch(/^tf_/);
    await screenshot(page, "09-admin-token-created");
    await page.keyboard.press("Escape");
    await page.getByRole("cell", { name: "Splunk TAXII poller (e2e)" }).first().waitFor();
    expect(await page.content()).not.toContain(value);
    // The token works for reads with its own scope.
    const response = await fetch(`${origin}/api/v1/exports/csv`, {
      headers: { authorization: `Bearer ${value}` },
    });
    expect(response.status).toBe(200);
  });

  it("shows the audit log and verifies its chain", async () => {
    await page.goto(`${origin}/admin/audit`);
    await page.locator("table tbody tr").first().waitFor();
    await page.getByRole("button", { name: "Verify the hash chain" }).click();
    await page.getByText("The chain is intact").waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, "10-admin-audit");
  });
});
