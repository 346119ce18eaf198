import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import worker from "../index.ts";
import { adminQuery } from "../testing/index.ts";

// Far in the future, so that no other suite's tick (they run at real or 2026 times) claims this refresh.
const dueAt = Date.UTC(2031, 0, 1, 0, 0, 0);

async function tick(scheduledTime: number): Promise<void> {
  await worker.scheduled(
    createScheduledController({ scheduledTime, cron: "* * * * *" }),
    env,
    createExecutionContext(),
  );
}

async function refreshState() {
  const rows = await adminQuery<{ last_claimed_at: Date | string | null; next_refresh_at: Date | string }>(
    "select last_claimed_at, next_refresh_at from warninglist_refresh",
  );
  const row = rows[0];
  return {
    lastClaimedAt: row?.last_claimed_at == null ? null : new Date(row.last_claimed_at).toISOString(),
    nextRefreshAt: row === undefined ? null : new Date(row.next_refresh_at).toISOString(),
  };
}

afterAll(async () => {
  await adminQuery("update warninglist_refresh set next_refresh_at = now(), last_claimed_at = null");
});

describe("cron: warninglist refresh as a feed", () => {
  it("claims the refresh on the first tick after it is due and not again until the interval has passed", async () => {
    await adminQuery("update warninglist_refresh set next_refresh_at = $1, interval_seconds = 86400", [
      new Date(dueAt).toISOString(),
    ]);
    await tick(dueAt - 60_000);
    expect((await refreshState()).lastClaimedAt).not.toBe(new Date(dueAt - 60_000).toISOString());

    await tick(dueAt + 60_000);
    expect(await refreshState()).toEqual({
      lastClaimedAt: new Date(dueAt + 60_000).toISOString(),
      nextRefreshAt: new Date(dueAt + 60_000 + 86_400_000).toISOString(),
    });

    await tick(dueAt + 120_000);
    expect((await refreshState()).lastClaimedAt).toBe(new Date(dueAt + 60_000).toISOString());
  });
});
