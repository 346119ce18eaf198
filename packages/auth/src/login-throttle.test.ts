import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accountLoginPolicy,
  backoffSeconds,
  decideLoginAttempt,
  emptyLoginRecord,
  type LoginFailureRecord,
  type LoginThrottlePolicy,
  recordLoginFailure,
  recordLoginSuccess,
  strictestLoginDecision,
} from "./login-throttle.ts";

const policy: LoginThrottlePolicy = {
  freeAttempts: 3,
  baseDelaySeconds: 1,
  maxDelaySeconds: 8,
  lockAfterFailures: 6,
  lockSeconds: 600,
  failureWindowSeconds: 3600,
};
const t0 = new Date("2026-03-01T12:00:00Z").getTime();
const at = (seconds: number) => new Date(t0 + seconds * 1000);

function failTimes(count: number, startSecond = 0): LoginFailureRecord {
  let record = emptyLoginRecord();
  for (let i = 0; i < count; i++) record = recordLoginFailure(record, at(startSecond + i * 100), policy);
  return record;
}

describe("login throttle", () => {
  it("allows the free attempts without delay", () => {
    const record = failTimes(3);
    expect(decideLoginAttempt(record, at(200), policy)).toEqual({ kind: "allow" });
  });

  it("backs off exponentially after the free attempts, up to the cap", () => {
    expect([3, 4, 5, 6, 7, 8].map((failures) => backoffSeconds(failures, policy))).toEqual([
      0, 1, 2, 4, 8, 8,
    ]);
    let record = emptyLoginRecord();
    for (let i = 0; i < 5; i++) record = recordLoginFailure(record, at(0), policy);
    expect(decideLoginAttempt(record, at(0), policy)).toEqual({ kind: "delay", retryAfterSeconds: 2 });
    expect(decideLoginAttempt(record, at(2), policy)).toEqual({ kind: "allow" });
  });

  it("locks after the threshold and unlocks after the lock window", () => {
    const record = failTimes(6);
    expect(record.lockedUntil?.getTime()).toBe(at(500 + 600).getTime());
    const locked = decideLoginAttempt(record, at(501), policy);
    expect(locked.kind).toBe("locked");
    expect(locked.kind === "locked" && locked.retryAfterSeconds).toBe(599);
    // Failures while locked do not extend the lock.
    expect(recordLoginFailure(record, at(700), policy)).toEqual(record);
    expect(decideLoginAttempt(record, at(1100), policy)).toEqual({ kind: "allow" });
    expect(recordLoginFailure(record, at(1100), policy).failures).toBe(1);
  });

  it("forgets failures older than the window", () => {
    const record = failTimes(5);
    expect(decideLoginAttempt(record, at(401), policy).kind).toBe("delay");
    expect(recordLoginFailure(record, at(400 + 3600), policy).failures).toBe(1);
  });

  it("resets on success", () => {
    expect(recordLoginSuccess()).toEqual(emptyLoginRecord());
  });

  it("never allows more failures than the threshold inside one lock period (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 60 }), (gaps) => {
        let record = emptyLoginRecord();
        let now = t0;
        let checkedSinceUnlock = 0;
        for (const gap of gaps) {
          now += gap * 1000;
          const decision = decideLoginAttempt(record, new Date(now), accountLoginPolicy);
          if (decision.kind !== "allow") continue;
          if (record.lockedUntil !== null || record.failures === 0) checkedSinceUnlock = 0;
          checkedSinceUnlock++;
          expect(checkedSinceUnlock).toBeLessThanOrEqual(accountLoginPolicy.lockAfterFailures);
          record = recordLoginFailure(record, new Date(now), accountLoginPolicy);
        }
      }),
    );
  });

  it("combines per-account and per-address decisions by taking the strictest", () => {
    const until = at(60);
    expect(strictestLoginDecision({ kind: "allow" }, { kind: "delay", retryAfterSeconds: 4 })).toEqual({
      kind: "delay",
      retryAfterSeconds: 4,
    });
    expect(
      strictestLoginDecision(
        { kind: "delay", retryAfterSeconds: 4 },
        { kind: "delay", retryAfterSeconds: 9 },
      ),
    ).toEqual({ kind: "delay", retryAfterSeconds: 9 });
    expect(
      strictestLoginDecision(
        { kind: "delay", retryAfterSeconds: 99 },
        { kind: "locked", lockedUntil: until, retryAfterSeconds: 60 },
      ).kind,
    ).toBe("locked");
    expect(strictestLoginDecision()).toEqual({ kind: "allow" });
  });
});
