import { importSecretsKey, parseIpAllowlist } from "@threatfusion/auth";
import type { Config } from "@threatfusion/core";
import type { AppContext } from "../app.ts";

/**
 * The client address: Cloudflare's `CF-Connecting-IP` (set by the edge, which overwrites any value the
 * client sent). Anything that is not an IP address counts as unknown.
 */
export function clientIp(c: AppContext): string | undefined {
  const value = c.req.header("cf-connecting-ip")?.trim();
  if (!value) return undefined;
  return parseIpAllowlist([value]).ok ? value : undefined;
}

/**
 * Session cookies are `Secure` (and `__Host-` named) unless the platform is served over plain HTTP in
 * development or tests, where browsers would drop them.
 */
export function usesSecureCookies(config: Config): boolean {
  if (config.PUBLIC_ORIGIN) return config.PUBLIC_ORIGIN.startsWith("https:");
  return config.ENVIRONMENT === "production";
}

const keys = new Map<string, Promise<CryptoKey>>();

/** The AES-GCM key from `SECRETS_KEY`, imported once per isolate; undefined when not configured. */
export function secretsKeyOf(config: Config): Promise<CryptoKey> | undefined {
  const raw = config.SECRETS_KEY;
  if (!raw) return undefined;
  let key = keys.get(raw);
  if (!key) {
    key = importSecretsKey(raw);
    keys.set(raw, key);
  }
  return key;
}
