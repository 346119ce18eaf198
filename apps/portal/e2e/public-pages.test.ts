// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright Locator.innerText (rendered text), not the DOM property
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Browser, launchBrowser, screenshot, seriousAxeViolations, watchErrors } from "./browser.ts";

const { origin } = inject("stack");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("pages before sign-in", () => {
  it("sends a visitor of a private page to sign-in and remembers where they were going", async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${origin}/indicators?type=ipv4`);
    await page.waitForURL(/\/sign-in/);
    expect(new URL(page.url()).searchParams.get("next")).toBe("/indicators?type=ipv4");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(errors).toEqual([]);
  });

  it("renders an accessible sign-in page", async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/sign-in`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, "01-sign-in");
  });

  it("shows a human message, not raw JSON, when sign-in fails", async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/sign-in`);
    await page.getByLabel("Email").fill("nobody@example.invalid");
    await page.getByLabel("Password").fill("not-the-password-123");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    const text = (await alert.innerText()).trim();
    expect(text).toMatch(/Sign-in failed/);
    expect(text).not.toMatch(/[{}"]\s*(error|code)/);
    expect(page.url()).toContain("/sign-in");
  });

  it("shows the platform status to anyone, read from /api/health", async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/status`);
    await page.getByRole("heading", { name: "Platform status" }).waitFor();
    await page.getByText("Overall:").waitFor();
    expect(await page.locator(".parts li").count()).toBeGreaterThan(0);
    await screenshot(page, "00-status");
  });
});
