import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { platformMonitor } from "../durable-objects/platform-monitor.ts";
import { tenantCoordinator } from "../durable-objects/tenant-coordinator.ts";
import worker from "../index.ts";

describe("ingest queue consumer", () => {
  it("consumes a heartbeat and records it on the platform monitor", async () => {
    const sentAt = new Date().toISOString();
    const batch = createMessageBatch("tf-ingest", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { kind: "heartbeat", sentAt } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect((await platformMonitor(env).status()).queueConsumedAt).not.toBeNull();
  });

  it("applies a redelivered tenant batch only once", async () => {
    const body = {
      kind: "tenant-changes",
      tenantId: "tnt_queue_test",
      batchKey: "run_1:0",
      indicatorIds: ["a", "b", "c"],
    };
    for (const id of ["first", "redelivery"]) {
      const batch = createMessageBatch("tf-ingest", [{ id, timestamp: new Date(), attempts: 1, body }]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([id]);
    }
    expect(await tenantCoordinator(env, "tnt_queue_test").stats()).toEqual({
      batchesApplied: 1,
      indicatorsApplied: 3,
    });
  });

  it("acks a malformed message instead of retrying it forever, and keeps the rest of the batch", async () => {
    const batch = createMessageBatch("tf-ingest", [
      { id: "bad", timestamp: new Date(), attempts: 1, body: { kind: "nonsense" } },
      {
        id: "good",
        timestamp: new Date(),
        attempts: 1,
        body: { kind: "heartbeat", sentAt: new Date().toISOString() },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["bad", "good"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("a message produced on the real queue binding reaches the consumer", async () => {
    const before = (await platformMonitor(env).status()).queueConsumedAt;
    await env.INGEST_QUEUE.send({ kind: "heartbeat", sentAt: new Date().toISOString() });
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = (await platformMonitor(env).status()).queueConsumedAt;
    }
    expect(after).not.toBe(before);
  });
});
