import { z } from "zod";

/** Branding a tenant's portal shows (before sign-in too, by host). */
export const brandingSchema = z.object({
  productName: z.string().trim().min(1).max(80).optional(),
  logoUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
  colors: z
    .object({
      primary: z
        .string()
        .regex(/^#[0-9a-fA-F]{6}$/)
        .optional(),
      accent: z
        .string()
        .regex(/^#[0-9a-fA-F]{6}$/)
        .optional(),
    })
    .optional(),
});

/** Limits the MSSP sets for a client. */
export const quotasSchema = z.object({
  users: z.int().min(1).max(100_000).optional(),
  tokens: z.int().min(1).max(100_000).optional(),
  privateFeeds: z.int().min(0).max(10_000).optional(),
  enrichmentBudget: z.int().min(0).max(100_000_000).optional(),
});

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes");
export const customDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/, "a host name");

/** The typed view of `tenants.settings`. */
export interface TenantSettings {
  branding?: z.infer<typeof brandingSchema>;
  quotas?: z.infer<typeof quotasSchema>;
  requireMfa?: boolean;
  allowNonExpiringTokens?: boolean;
  rateLimits?: { perToken?: { perMinute: number }; perTenant?: { perMinute: number } };
  subscribedFeeds?: string[];
}

export function readSettings(value: unknown): TenantSettings {
  return typeof value === "object" && value !== null ? (value as TenantSettings) : {};
}
