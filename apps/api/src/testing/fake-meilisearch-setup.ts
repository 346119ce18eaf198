// Worker tests' global setup (runs in Node): a FAKE Meilisearch HTTP server (packages/search, the real wire
// protocol of the calls our adapter makes) for tests that configure MEILISEARCH_URL. Meilisearch itself
// cannot be installed here (docs/adr/0004); workerd reaches this server over loopback.
import { startFakeMeilisearch } from "@threatfusion/search/fake-meilisearch";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    fakeMeilisearchUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fake = await startFakeMeilisearch();
  project.provide("fakeMeilisearchUrl", fake.url);
  return () => fake.close();
}
