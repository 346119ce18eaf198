import type { FeedFailureReason } from "./failure.ts";
import { describeHtml } from "./text-stream.ts";

/** What a collector learned from one HTTP answer, before parsing. */
export type FetchVerdict =
  | { ok: true }
  | {
      ok: false;
      reason: FeedFailureReason;
      /** One sentence for the feed-run log and the portal. */
      message: string;
      /** Worth trying again later without a config change. */
      retryable: boolean;
      /** From `Retry-After`, in seconds, when the server gave one. */
      retryAfterSeconds?: number;
    };

export interface FetchOutcome {
  status: number;
  headers: Headers | Record<string, string>;
  /** The first KB or so of the body, decoded, when the collector read it. */
  bodyHead?: string;
  /** Feed name or URL host for messages. */
  feed?: string;
  /** The current time, to resolve an HTTP-date `Retry-After`. */
  now?: Date;
}

function header(headers: Headers | Record<string, string>, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

/** Parses `Retry-After` (delta seconds or HTTP date) into seconds from `now`, capped at a day. */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), 86_400);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, Math.ceil((date - now.getTime()) / 1000)), 86_400);
}

/**
 * Classifies a feed fetch: 401 (abuse.ch answers it when the Auth-Key is missing or wrong) and 403 are
 * auth failures, 404 a moved feed, 429 a rate limit with its `Retry-After`, 5xx a retryable outage, and a
 * 200 whose body (or content type) is HTML where data was expected a failure with the page title.
 */
export function classifyFetchOutcome(outcome: FetchOutcome): FetchVerdict {
  const feed = outcome.feed ? `${outcome.feed}: ` : "";
  const { status } = outcome;
  const retryAfterSeconds = parseRetryAfter(header(outcome.headers, "retry-after"), outcome.now);
  const withRetry = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  if (status === 401) {
    return {
      ok: false,
      reason: "auth",
      message: `${feed}HTTP 401: the API key is missing or invalid`,
      retryable: false,
    };
  }
  if (status === 403) {
    return {
      ok: false,
      reason: "forbidden",
      message: `${feed}HTTP 403: access denied (key lacks rights, or the source blocks this client)`,
      retryable: false,
    };
  }
  if (status === 404 || status === 410) {
    return {
      ok: false,
      reason: "not-found",
      message: `${feed}HTTP ${status}: the feed URL no longer exists`,
      retryable: false,
    };
  }
  if (status === 429) {
    return {
      ok: false,
      reason: "rate-limited",
      message: `${feed}HTTP 429: rate limited; fetch less often`,
      retryable: true,
      ...withRetry,
    };
  }
  if (status >= 500) {
    return {
      ok: false,
      reason: "server-error",
      message: `${feed}HTTP ${status}: the source is failing`,
      retryable: true,
      ...withRetry,
    };
  }
  if (status < 200 || status >= 300) {
    return {
      ok: false,
      reason: "client-error",
      message: `${feed}HTTP ${status}: unexpected answer`,
      retryable: false,
    };
  }
  const html = outcome.bodyHead === undefined ? undefined : describeHtml(outcome.bodyHead);
  const contentType = header(outcome.headers, "content-type") ?? "";
  if (html || (/text\/html/i.test(contentType) && outcome.bodyHead === undefined)) {
    return {
      ok: false,
      reason: "html-instead-of-data",
      message: `${feed}the feed answered with an ${html ?? "HTML page"} instead of data (login wall, error or captcha page)`,
      retryable: true,
    };
  }
  return { ok: true };
}

export interface BackoffOptions {
  /** First delay. Default 60 s. */
  baseSeconds?: number;
  /** Longest delay. Default 6 h. */
  maxSeconds?: number;
  /** Random in [0, 1); inject for tests. Default Math.random. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (1-based) of a failing feed: exponential from `baseSeconds`, capped,
 * with "equal jitter" (half fixed, half random) so many tenants' collectors do not retry in step. A
 * `Retry-After` from the server wins when it is longer.
 */
export function backoffSeconds(
  attempt: number,
  options: BackoffOptions = {},
  retryAfterSeconds?: number,
): number {
  const base = options.baseSeconds ?? 60;
  const max = options.maxSeconds ?? 6 * 3600;
  const random = options.random ?? Math.random;
  const exponential = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const jittered = Math.round(exponential / 2 + (random() * exponential) / 2);
  return Math.max(jittered, retryAfterSeconds ?? 0);
}

/**
 * When to fetch a feed next: its cadence after success; after failures the backoff, but never sooner
 * than the cadence (the source's own limit, e.g. URLhaus every 5 min, Spamhaus once an hour).
 */
export function nextFetchDelaySeconds(
  cadenceSeconds: number,
  consecutiveFailures: number,
  options: BackoffOptions = {},
  retryAfterSeconds?: number,
): number {
  if (consecutiveFailures <= 0) return Math.max(cadenceSeconds, retryAfterSeconds ?? 0);
  return Math.max(cadenceSeconds, backoffSeconds(consecutiveFailures, options, retryAfterSeconds));
}
