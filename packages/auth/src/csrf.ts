/**
 * CSRF defence for cookie-authenticated requests, as the Lucia guide recommends for modern browsers: every
 * state-changing request must carry an `Origin` header naming our own host or an explicitly allowed origin.
 * Requests authenticated by an API token (Authorization header) need no such check: browsers never attach
 * that header on their own.
 */

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** True for methods that must not change state (and so need no origin check). */
export function isSafeMethod(method: string): boolean {
  return safeMethods.has(method.toUpperCase());
}

export interface RequestOriginCheck {
  method: string;
  /** The `Origin` request header, or null when absent. */
  origin: string | null;
  /** The `Host` request header (host[:port]), or null. */
  host: string | null;
  /** Full origins (`https://portal.example.com`) accepted besides our own host, e.g. a separate portal. */
  allowedOrigins?: readonly string[];
}

function originOf(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url : null;
  } catch {
    return null;
  }
}

/**
 * True when the request may proceed: safe methods always; other methods only with an `Origin` whose host
 * equals `host` or that equals one of `allowedOrigins`. A missing or opaque (`null`) Origin is rejected.
 * Answer a rejection with `AppError("CSRF_REJECTED", …)`.
 *
 * @example verifyRequestOrigin({ method: "POST", origin: "https://evil.test", host: "app.tf.test" }) // false
 */
export function verifyRequestOrigin(check: RequestOriginCheck): boolean {
  if (isSafeMethod(check.method)) return true;
  if (check.origin === null || check.origin === "") return false;
  const origin = originOf(check.origin);
  if (origin === null) return false;
  if (check.host !== null && origin.host === check.host.trim().toLowerCase()) return true;
  return (check.allowedOrigins ?? []).some((allowed) => originOf(allowed)?.origin === origin.origin);
}
