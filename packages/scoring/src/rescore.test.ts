import { describe, expect, it } from "vitest";
import { dayMs } from "./decay.ts";
import { defaultScoringModel as model } from "./model.ts";
import { isDue, type RescoreRow, rescoreBatch } from "./rescore.ts";
import { scoreIndicator } from "./score.ts";

const t0 = Date.UTC(2026, 10, 1);

function row(id: string, type: "ipv4" | "sha256", lastSeenDaysAgo: number): RescoreRow {
  return {
    id,
    input: {
      type,
      observations: [
        {
          sourceId: "feodo",
          reliability: "B",
          sourceConfidence: 90,
          firstSeen: t0,
          lastSeen: t0 - lastSeenDaysAgo * dayMs,
        },
      ],
      context: { kinds: ["c2"] },
    },
    stored: null,
  };
}

describe("rescoreBatch", () => {
  it("writes every row never scored, then nothing when re-run at the same instant", () => {
    const rows = [row("a", "ipv4", 0), row("b", "sha256", 3)];
    const first = rescoreBatch(rows, model, t0);
    expect(first.changes.map((change) => change.id)).toEqual(["a", "b"]);
    const stored = rows.map((r, i) => ({ ...r, stored: first.changes[i] ?? null }));
    expect(rescoreBatch(stored, model, t0)).toEqual({ examined: 2, changes: [] });
  });

  it("returns only rows whose stored score moved, and matches scoreIndicator", () => {
    const rows = [row("ip", "ipv4", 0), row("hash", "sha256", 0)];
    const first = rescoreBatch(rows, model, t0);
    const stored = rows.map((r, i) => ({ ...r, stored: first.changes[i] ?? null }));
    const later = t0 + 2 * dayMs;
    const second = rescoreBatch(stored, model, later);
    expect(second.changes.map((change) => change.id)).toEqual(["ip"]);
    const expected = scoreIndicator({ ...(rows[0]?.input ?? row("x", "ipv4", 0).input), now: later }, model);
    expect(second.changes[0]).toMatchObject({ score: expected.score, expired: expected.expired });
  });

  it("marks the rows that leave the active set so blocklists publish their removal", () => {
    const rows = [row("ip", "ipv4", 0)];
    const first = rescoreBatch(rows, model, t0);
    const stored = rows.map((r, i) => ({ ...r, stored: first.changes[i] ?? null }));
    const gone = rescoreBatch(stored, model, t0 + 45 * dayMs);
    expect(gone.changes).toEqual([
      expect.objectContaining({ id: "ip", expired: true, expiryChanged: true, score: 0 }),
    ]);
  });

  it("finds a row due exactly when its next reaction point has come", () => {
    const [change] = rescoreBatch([row("ip", "ipv4", 0)], model, t0).changes;
    expect(change?.nextReactionAt).not.toBeNull();
    const at = change?.nextReactionAt ?? 0;
    if (change === undefined) return;
    expect(isDue(change, at - 1)).toBe(false);
    expect(isDue(change, at)).toBe(true);
  });

  it("rewrites rows after an MSSP changes a lifetime", () => {
    const rows = [row("ip", "ipv4", 0)];
    const first = rescoreBatch(rows, model, t0);
    const stored = rows.map((r, i) => ({ ...r, stored: first.changes[i] ?? null }));
    const edited = { ...model, types: { ...model.types, ipv4: { ...model.types.ipv4, lifetimeDays: 7 } } };
    expect(rescoreBatch(stored, edited, t0).changes).toHaveLength(1);
  });
});
