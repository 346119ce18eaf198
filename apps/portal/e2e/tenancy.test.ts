// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright Locator.innerText (rendered text), not the DOM property
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { demoAccount, twoClients } from "./accounts.ts";
import { type Browser, launchBrowser, screenshot, signIn } from "./browser.ts";

const { origin } = inject("stack");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("tenancy in the portal", () => {
  it("a client user cannot reach another client's indicator by URL", async () => {
    const [mine, theirs] = twoClients("analyst");
    // The other client records a private indicator of its own.
    const otherContext = await launchBrowser();
    const other = await otherContext.newPage();
    await signIn(other, origin, theirs);
    const secretValue = `secret-${Date.now().toString(36)}.example.net`;
    const created = await other.request.post(`${origin}/api/v1/indicators`, {
      headers: { origin, "content-type": "application/json" },
      data: { type: "domain", value: secretValue },
    });
    expect(created.status(), await created.text()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await otherContext.close();

    const page = await browser.newPage();
    await signIn(page, origin, mine);
    await page.goto(`${origin}/indicators/${encodeURIComponent(id)}`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/not found/i);
    expect(await page.content()).not.toContain(secretValue.split(".")[0]);
    await screenshot(page, "16-foreign-indicator-not-found");

    await page.goto(`${origin}/indicators?q=${encodeURIComponent(secretValue)}`);
    await page.getByTestId("result-count").waitFor();
    expect(await page.content()).not.toContain(secretValue.split(".")[0]);
  });

  it("serves the client's branding on the client's host before sign-in", async () => {
    const client = demoAccount("analyst");
    const port = new URL(origin).port;
    const host = `${client.tenantSlug}.localhost:${port}`;
    const page = await browser.newPage();
    await page.goto(`http://${host}/sign-in`);
    const product = page.locator(".sign-in-product");
    await product.waitFor();
    await page.waitForFunction(
      () => document.title.startsWith("Sign in ·") && !document.title.endsWith("ThreatFusion"),
    );
    const name = await product.innerText();
    expect(name).not.toBe("ThreatFusion");
    const served = await page.evaluate(
      async () => (await (await fetch("/api/v1/branding")).json()) as unknown,
    );
    expect(JSON.stringify(served)).toContain(name);
    expect(
      await page.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue("--brand").trim(),
      ),
    ).not.toBe("#2563eb");
    await screenshot(page, "17-client-branded-sign-in");
  });
});
