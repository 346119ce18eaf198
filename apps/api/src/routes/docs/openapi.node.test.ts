import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it, vi } from "vitest";

// The Worker's modules import `cloudflare:workers` (Durable Object base classes), which only workerd
// provides; the OpenAPI document needs none of it. swagger-parser cannot run inside workerd (it compiles
// schemas with `new Function`), so the document is built and validated here, in Node.
vi.mock("cloudflare:workers", () => ({
  DurableObject: class {},
  WorkerEntrypoint: class {},
  env: {},
  exports: {},
}));

import { newApp } from "../../app.ts";
import { registerRoutes } from "../index.ts";

describe("the OpenAPI document of /api/v1", () => {
  it("validates as OpenAPI 3.1 with swagger-parser and lists every public area", async () => {
    const app = newApp();
    registerRoutes(app);
    const document = app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: "ThreatFusion API", version: "1.0.0" },
    });
    const validated = await SwaggerParser.validate(structuredClone(document) as never);
    expect(validated.info.title).toBe("ThreatFusion API");
    const paths = Object.keys(document.paths ?? {});
    for (const path of [
      "/api/v1/indicators",
      "/api/v1/indicators/{id}",
      "/api/v1/indicators/by-value",
      "/api/v1/indicators/lookup",
      "/api/v1/indicators/{id}/timeline",
      "/api/v1/indicators/{id}/related",
      "/api/v1/sightings",
      "/api/v1/search",
      "/api/v1/saved-searches",
      "/api/v1/exports/{format}",
      "/api/v1/exports/misp-feed/manifest.json",
      "/api/v1/blocklists/{kind}",
    ]) {
      expect(paths).toContain(path);
    }
  });
});
