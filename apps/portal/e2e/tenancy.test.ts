// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright Locator.innerText (rendered text), not the DOM property
import { newId } from "@threatfusion/core";
import { createPool } from "@threatfusion/db";
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
    // The other client holds a private indicator of its own (written as a fixture through the admin URL).
    const { adminUrl, wsProxy } = inject("stack");
    const pool = createPool({ url: adminUrl, ...(wsProxy ? { wsProxy } : {}) }, { max: 1 });
    const secretValue = `secret-${Date.now().toString(36)}.example.net`;
    const id = newId("privateIndicator");
    try {
      await pool.query(
        `insert into private_indicators (id, tenant_id, type, value)
         select $1, id, 'domain', $2 from tenants where slug = $3`,
        [id, secretValue, theirs.tenantSlug],
      );
    } finally {
      await pool.end();
    }

    const page = await browser.newPage();
    await signIn(page, origin, mine);
    await page.goto(`${origin}/indicators/${encodeURIComponent(id)}`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/not found/i);
    expect(await alert.innerText()).not.toMatch(/[{}]/);
    expect(await page.content()).not.toContain(secretValue);
    await screenshot(page, "16-foreign-indicator-not-found");

    await page.goto(`${origin}/indicators?q=${encodeURIComponent(secretValue)}`);
    const count = page.locator('[data-testid=result-count][data-loading="false"]');
    await count.waitFor();
    expect((await count.innerText()).trim()).toMatch(/^0 /);
    expect(await page.locator(".vtable-row").count()).toBe(0);
  });

  it("serves the client's branding on the client's host before sign-in", async () => {
    // Demo hosts (packages/devstack/src/seed.ts): the clients live under the MSSP's custom domain.
    const client = demoAccount("analyst");
    const port = new URL(origin).port;
    const host = `${client.tenantSlug}.intel.northwind.localhost:${port}`;
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
