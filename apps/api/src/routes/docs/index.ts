import type { App } from "../../app.ts";
import { registerOpenApiDocument } from "./openapi.ts";
import { registerDocsPage } from "./page.ts";

/** The OpenAPI document and the reference page. Register last: the document lists what is registered. */
export function registerDocsRoutes(app: App): void {
  registerOpenApiDocument(app);
  registerDocsPage(app);
}
