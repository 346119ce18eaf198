// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright Locator.innerText (rendered text), not the DOM property
// The flows added for issue 8: accepting an invitation on a branded page and landing signed in, the shell
// naming the signed-in person, and MSSP staff switching into a client (kept server-side, audited) and back.
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
const suffix = Date.now().toString(36);
let admin: Browser;
let invitee: Browser;
let mssp: Browser;

beforeAll(async () => {
  [admin, invitee, mssp] = await Promise.all([launchBrowser(), launchBrowser(), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([admin?.close(), invitee?.close(), mssp?.close()]);
});

async function inviteLink(page: Page, email: string): Promise<string> {
  const account = demoAccount("tenant_admin", "contoso");
  await signIn(page, origin, account);
  await page.goto(`${origin}/admin/invitations`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: /Invite|Send/ }).click();
  const link = page.locator("code.break").filter({ hasText: "/invitations/accept#" });
  await waitOrExplain(page, link);
  return (await link.innerText()).trim();
}

describe("invitation accept page", () => {
  it("opens in the tenant's brand, takes a name and password, and lands signed in", async () => {
    const email = `new-analyst-${suffix}@contoso.example`;
    const link = await inviteLink(await admin.newPage(), email);
    const page = await invitee.newPage();
    await page.goto(link.replace(/^https?:\/\/[^/]+/, origin));
    await waitOrExplain(page, page.getByRole("heading", { name: "Join Contoso Manufacturing" }));
    expect(await page.locator(".sign-in-product").innerText()).toBe("Contoso Threat Desk");
    expect(await page.getByTestId("invited-email").innerText()).toBe(email);
    // The token is dropped from the address bar once read.
    expect(new URL(page.url()).hash).toBe("");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByLabel("Your name").fill("Nadia Newcomer");
    await page.getByLabel("Choose a password").fill("a long newcomer passphrase");
    await page.getByLabel("Repeat the password").fill("a long newcomer passphrase");
    await screenshot(page, "18-invitation-accept");
    await page.getByRole("button", { name: "Join Contoso Manufacturing" }).click();
    await page.waitForURL(/\/dashboard/);
    const who = page.getByTestId("who");
    await who.waitFor();
    expect(await who.innerText()).toContain("Nadia Newcomer");
    expect(await who.innerText()).toContain(email);
    await page.getByTestId("dashboard-ready").waitFor();
  });

  it("explains a used or broken link in words, not JSON", async () => {
    const page = await invitee.newPage();
    await page.goto(`${origin}/invitations/accept#inv_notarealtoken_abcdef`);
    const alert = page.getByRole("alert");
    await alert.first().waitFor();
    expect(await alert.first().innerText()).toMatch(/not valid/i);
    expect(await alert.first().innerText()).not.toMatch(/[{}]/);
  });
});

describe("switching into a client", () => {
  it("marks every page with the client and the way back, and survives a reload", async () => {
    const page = await mssp.newPage();
    await signIn(page, origin, demoAccount("mssp_admin"));
    await page.waitForURL(/\/mssp$/);
    const card = page.locator(".client-card").filter({ hasText: "Contoso" }).first();
    await card.getByRole("button", { name: /Open workspace/ }).click();
    await page.waitForURL(/\/dashboard/);
    const banner = page.getByRole("region", { name: "Client workspace" });
    expect(await banner.innerText()).toMatch(/Acting in Contoso Manufacturing/);
    await page.getByTestId("dashboard-ready").waitFor();
    // The switch lives in the session (server-side): a reload, with no client-side state, stays inside.
    await page.reload();
    await page.getByTestId("dashboard-ready").waitFor();
    expect(await page.getByRole("region", { name: "Client workspace" }).innerText()).toMatch(/Contoso/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, "19-mssp-acting-in-client-banner");
    await page
      .getByRole("region", { name: "Client workspace" })
      .getByRole("button", { name: /^Return to Northwind/ })
      .click();
    await page.waitForURL(/\/mssp$/);
    expect(await page.getByRole("region", { name: "Client workspace" }).count()).toBe(0);
  });
});
