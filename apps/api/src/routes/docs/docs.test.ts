import { describe, expect, it } from "vitest";
import { apiFetch } from "../../testing/identity.ts";

// The document itself is validated with swagger-parser in Node (packages/services/src/api-contract).
describe("the API reference page", () => {
  it("serves the OpenAPI 3.1 document", async () => {
    const response = await apiFetch("/api/v1/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/api/v1/indicators");
  });

  it("serves Swagger UI from the Worker itself, with no CDN", async () => {
    const page = await apiFetch("/api/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("/api/v1/openapi.json");
    expect(html).not.toMatch(/(src|href)="https?:/);
    const script = /src="([^"]+swagger-ui-bundle\.js)"/.exec(html)?.[1] ?? "";
    const css = /href="([^"]+swagger-ui\.css)"/.exec(html)?.[1] ?? "";
    const [js, style] = await Promise.all([apiFetch(script), apiFetch(css)]);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await js.text()).length).toBeGreaterThan(100_000);
    expect(style.status).toBe(200);
    expect(html).toContain('id="error-validation-failed"');
  });
});
