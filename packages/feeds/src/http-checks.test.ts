import { describe, expect, it } from "vitest";
import {
  backoffSeconds,
  classifyFetchOutcome,
  nextFetchDelaySeconds,
  parseRetryAfter,
} from "./http-checks.ts";

describe("classifyFetchOutcome", () => {
  it("names the failure of each status class", () => {
    const reason = (status: number) => {
      const verdict = classifyFetchOutcome({ status, headers: {} });
      return verdict.ok ? "ok" : `${verdict.reason}/${verdict.retryable}`;
    };
    expect(reason(200)).toBe("ok");
    expect(reason(401)).toBe("auth/false");
    expect(reason(403)).toBe("forbidden/false");
    expect(reason(404)).toBe("not-found/false");
    expect(reason(429)).toBe("rate-limited/true");
    expect(reason(503)).toBe("server-error/true");
    expect(reason(418)).toBe("client-error/false");
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = new Date("2026-08-22T10:00:00Z");
    expect(
      classifyFetchOutcome({ status: 429, headers: new Headers({ "Retry-After": "120" }) }),
    ).toMatchObject({ retryAfterSeconds: 120 });
    expect(parseRetryAfter("Sat, 22 Aug 2026 10:05:00 GMT", now)).toBe(300);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });

  it("fails a 200 that is an HTML page, with its title", () => {
    const verdict = classifyFetchOutcome({
      status: 200,
      headers: { "Content-Type": "text/html; charset=utf-8" },
      bodyHead: "<html><head><title>Attention Required! | Cloudflare</title>",
      feed: "abusech-urlhaus",
    });
    expect(verdict).toMatchObject({ ok: false, reason: "html-instead-of-data" });
    expect(verdict.ok || verdict.message).toContain("Attention Required! | Cloudflare");
    expect(
      classifyFetchOutcome({
        status: 200,
        headers: { "content-type": "text/plain" },
        bodyHead: "192.0.2.1\n",
      }),
    ).toEqual({ ok: true });
  });
});

describe("backoff", () => {
  it("grows exponentially with bounded jitter and a cap", () => {
    const low = { random: () => 0 };
    const high = { random: () => 0.999999 };
    expect(backoffSeconds(1, low)).toBe(30);
    expect(backoffSeconds(1, high)).toBe(60);
    expect(backoffSeconds(4, high)).toBe(480);
    expect(backoffSeconds(40, high)).toBe(6 * 3600);
  });

  it("never fetches sooner than the feed's cadence, and honours Retry-After", () => {
    expect(nextFetchDelaySeconds(3600, 0)).toBe(3600);
    expect(nextFetchDelaySeconds(300, 1, { random: () => 0 })).toBe(300);
    expect(nextFetchDelaySeconds(300, 1, { random: () => 0 }, 900)).toBe(900);
  });
});
