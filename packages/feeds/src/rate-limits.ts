/**
 * Request budgets per provider: every feed of one provider shares one budget (abuse.ch's URLhaus, ThreatFox,
 * Feodo Tracker, MalwareBazaar and SSLBL endpoints share one Auth-Key). Ours to respect, kept well under what
 * the providers publish as fair use. Pure data; the collector keeps the counters in the database.
 */
export interface ProviderBudget {
  /** Most requests per window, all the provider's feeds together. */
  requests: number;
  windowSeconds: number;
}

const hour = 3_600;

/** Budgets by the catalog's `provider` name. */
export const providerBudgets: Readonly<Record<string, ProviderBudget>> = {
  "abuse.ch": { requests: 120, windowSeconds: hour },
  "LevelBlue (AlienVault OTX)": { requests: 600, windowSeconds: hour },
  Spamhaus: { requests: 24, windowSeconds: hour },
  OpenPhish: { requests: 12, windowSeconds: hour },
};

/** Any other provider (a tenant's feed, a TAXII server): budgeted per server (host and port). */
export const defaultProviderBudget: ProviderBudget = { requests: 600, windowSeconds: hour };

/**
 * The key a request is counted under: the catalog provider, or the URL's host and port for custom feeds (so
 * all feeds on one server share its budget and feeds elsewhere are unaffected).
 */
export function providerKey(provider: string | undefined, url: string): string {
  if (provider !== undefined && provider !== "custom") return provider;
  try {
    return `host:${new URL(url).host.toLowerCase()}`;
  } catch {
    return "host:unknown";
  }
}

export function providerBudget(key: string): ProviderBudget {
  return providerBudgets[key] ?? defaultProviderBudget;
}
