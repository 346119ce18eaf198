import type { App } from "../../app.ts";

/** Where the OpenAPI 3.1 document is served. */
export const openApiPath = "/api/v1/openapi.json";

/**
 * The OpenAPI 3.1 document of every route registered with `createRoute` (all areas), with the two ways to
 * authenticate. Register it after the routes so it is complete.
 */
export function registerOpenApiDocument(app: App): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "apiToken", {
    type: "http",
    scheme: "bearer",
    description: "A tenant API token (`tf_…`), as `Authorization: Bearer <token>` (or as the Basic password)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "tf_session",
    description: "The portal's session cookie",
  });
  const security: Record<string, string[]>[] = [{ apiToken: [] }, { session: [] }];
  app.doc31(openApiPath, (c) => ({
    openapi: "3.1.0",
    info: {
      title: "ThreatFusion API",
      version: "1.0.0",
      description:
        "Threat intelligence for SOCs, SIEMs and firewalls: indicators, lookups, sightings, search, streamed exports (STIX 2.1, MISP, CSV, ECS, CEF), firewall blocklists with `since` diffs. TAXII 2.1 lives at `/taxii2/`. Errors always answer `{ error: { code, message, docs, requestId } }`; lists page with opaque cursors; reads carry ETags.",
    },
    servers: [{ url: new URL(c.req.url).origin }],
    security,
  }));
}
