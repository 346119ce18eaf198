import { errorStatus } from "@threatfusion/core";
import type { App } from "../../app.ts";
import { openApiPath } from "./openapi.ts";
import { swaggerUiBundleJs, swaggerUiCss, swaggerUiVersion } from "./swagger-ui-assets.gen.ts";

const assetBase = `/api/docs/assets/${swaggerUiVersion}`;

function errorCodeTable(): string {
  return Object.entries(errorStatus)
    .map(
      ([code, status]) =>
        `<tr id="error-${code.toLowerCase().replaceAll("_", "-")}"><td><code>${code}</code></td><td>${status}</td></tr>`,
    )
    .join("");
}

function page(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ThreatFusion API reference</title>
<link rel="stylesheet" href="${assetBase}/swagger-ui.css">
<style>
  body { margin: 0; font-family: system-ui, sans-serif; }
  header { padding: 1rem 2rem; border-bottom: 1px solid #ddd; }
  details { padding: 0 2rem 1rem; }
  table { border-collapse: collapse; } td { padding: .2rem .8rem; border-bottom: 1px solid #eee; }
</style>
</head>
<body>
<header>
  <h1>ThreatFusion API</h1>
  <p>REST under <code>/api/v1</code> (this reference, from <a href="${openApiPath}">openapi.json</a>), TAXII 2.1 under
  <code>/taxii2/</code>. Authenticate with a tenant API token: <code>Authorization: Bearer tf_…</code>.</p>
</header>
<details>
  <summary>Error codes</summary>
  <p>Every error answers <code>{ "error": { "code", "message", "docs", "requestId" } }</code>.</p>
  <table><thead><tr><th>code</th><th>HTTP status</th></tr></thead><tbody>${errorCodeTable()}</tbody></table>
</details>
<main id="reference"></main>
<script src="${assetBase}/swagger-ui-bundle.js"></script>
<script>
  window.addEventListener("load", function () {
    window.ui = SwaggerUIBundle({ url: "${openApiPath}", dom_id: "#reference", deepLinking: true });
  });
</script>
</body>
</html>`;
}

/** The readable API reference at /api/docs: Swagger UI served from the Worker itself (no CDN). */
export function registerDocsPage(app: App): void {
  app.get("/api/docs", (c) => c.html(page()));
  app.get(
    `${assetBase}/swagger-ui-bundle.js`,
    () =>
      new Response(swaggerUiBundleJs, {
        headers: {
          "content-type": "text/javascript; charset=utf-8",
          "cache-control": "public, max-age=31536000, immutable",
        },
      }),
  );
  app.get(
    `${assetBase}/swagger-ui.css`,
    () =>
      new Response(swaggerUiCss, {
        headers: {
          "content-type": "text/css; charset=utf-8",
          "cache-control": "public, max-age=31536000, immutable",
        },
      }),
  );
}
