import type { DemoAccount } from "@threatfusion/devstack";

/** What the e2e global setup hands to the tests (`inject("stack")`). */
export interface StackFacts {
  origin: string;
  adminUrl: string;
  wsProxy: string | null;
  accounts: DemoAccount[];
  credentials: string[];
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: StackFacts;
  }
}
