/**
 * Demo data for `pnpm dev`: the platform, a demo MSSP with two client tenants and their users.
 * Idempotent: re-running finds what exists and prints the same credentials.
 */
export interface DemoSeedResult {
  credentials: string[];
}

export async function seedDemo(options: {
  adminUrl: string;
  wsProxy?: string | undefined;
  log: (message: string) => void;
}): Promise<DemoSeedResult> {
  options.log("demo data: tenants and users arrive with the identity services");
  return { credentials: [] };
}
