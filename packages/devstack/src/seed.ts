/**
 * Demo data for `pnpm dev`: the platform, a demo MSSP with two client tenants and their users.
 * Idempotent: re-running finds what exists and prints the same credentials.
 */
/** A demo sign-in, for people (printed) and for the portal's browser tests (apps/portal/e2e). */
export interface DemoAccount {
  email: string;
  password: string;
  role: string;
  tenantName: string;
  tenantSlug: string;
  /** TOTP secret (base32) when the demo account has a second factor, so tests can compute codes. */
  totpSecret?: string;
}

export interface DemoSeedResult {
  credentials: string[];
  /** The demo accounts in structured form (the browser tests sign in with them). */
  accounts?: DemoAccount[];
}

export async function seedDemo(options: {
  adminUrl: string;
  wsProxy?: string | undefined;
  log: (message: string) => void;
}): Promise<DemoSeedResult> {
  options.log("demo data: tenants and users arrive with the identity services");
  return { credentials: [] };
}
