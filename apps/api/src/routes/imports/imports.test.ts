import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../../index.ts";
import {
  adminQuery,
  apiFetch,
  createTestTenantTree,
  createTestToken,
  testOrigin,
} from "../../testing/index.ts";
import { type ImportProgressBody, uploadAndWait } from "./imports.testing.ts";

let tree: TestTenantTree;
let tokenA = "";
let readerA = "";
let tokenB = "";

beforeAll(async () => {
  tree = await createTestTenantTree("import-routes");
  tokenA = (
    await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read", "indicators:write"] })
  ).authorization;
  readerA = (await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read"] })).authorization;
  tokenB = (
    await createTestToken({ tenantId: tree.clientBId, scopes: ["indicators:read", "indicators:write"] })
  ).authorization;
});
afterAll(() => tree.cleanup());

describe("queued imports through the API", () => {
  it("answers 202, stores the upload in R2, and the consumer parses and applies it with line numbers", async () => {
    const lines = Array.from({ length: 2_000 }, (_, i) => `192.0.2.${i % 250},${i}`);
    const csv = `ip,id\n${lines.join("\n")}\n${"x".repeat(70_000)}\n`;
    const progress = await uploadAndWait("/api/v1/imports?format=text&feed=Queued%20API", tokenA, {
      headers: { "content-type": "text/csv" },
      body: csv,
    });
    expect(progress).toMatchObject({
      finished: true,
      format: "text",
      bytesTotal: csv.length,
      bytesParsed: csv.length,
      parsed: 2_000,
      new: 250,
      unchanged: 0,
    });
    expect(progress.linesParsed).toBe(2_002);
    expect(progress).toMatchObject({ status: "partial", rejected: 1 });
    expect(progress.rejectedRows).toEqual([expect.objectContaining({ line: 2_002 })]);
    // Stored in R2 while queued, deleted once the run's chunks were announced.
    const listed = await env.IMPORTS.list({ prefix: `imports/${tree.clientAId}/` });
    expect(listed.objects.map((object) => object.key)).not.toContain(
      `imports/${tree.clientAId}/${progress.runId}`,
    );
    const [job] = await adminQuery<{ storage: string }>("select storage from import_jobs where run_id = $1", [
      progress.runId,
    ]);
    expect(job?.storage).toBe("r2");
  });

  it("refuses invalid UTF-8, binary data and HTML with the envelope, and keeps earlier imports", async () => {
    const good = await uploadAndWait("/api/v1/imports", tokenA, { body: "198.51.100.141\n" });
    const cases: [BodyInit, string][] = [
      [new Uint8Array([...new TextEncoder().encode("198.51.100.142\n"), 0xff, 0xfe, 0x41, 0x0a]), "UTF-8"],
      [new Uint8Array(4096).map((_, i) => (i * 13) % 256), "binary"],
      ["<!DOCTYPE html><html><head><title>Access denied</title></head></html>", "Access denied"],
    ];
    for (const [body, expected] of cases) {
      const response = await apiFetch("/api/v1/imports?format=auto", {
        method: "POST",
        headers: { authorization: tokenA },
        body,
      });
      expect(response.status).toBe(422);
      const envelope = (await response.json()) as {
        error: { code: string; message: string; requestId: string };
      };
      expect(envelope.error).toMatchObject({
        code: "UNPROCESSABLE",
        message: expect.stringContaining(expected),
      });
    }
    const again = await apiFetch(`/api/v1/imports/${good.runId}`, { headers: { authorization: tokenA } });
    expect(await again.json()).toMatchObject({ status: "succeeded", new: good.new });
  });

  it("lets a token scoped to indicators:write only upload and follow its import", async () => {
    const writer = (await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:write"] }))
      .authorization;
    expect(await uploadAndWait("/api/v1/imports", writer, { body: "198.51.100.145\n" })).toMatchObject({
      status: "succeeded",
      parsed: 1,
    });
  });

  it("refuses an import without the write scope", async () => {
    const response = await apiFetch("/api/v1/imports", {
      method: "POST",
      headers: { authorization: readerA },
      body: "198.51.100.143\n",
    });
    expect(response.status).toBe(403);
  });

  it("never shows one tenant's import run to another (404)", async () => {
    const progress = await uploadAndWait("/api/v1/imports", tokenA, { body: "198.51.100.144\n" });
    const seenByB = await apiFetch(`/api/v1/imports/${progress.runId}`, {
      headers: { authorization: tokenB },
    });
    expect(seenByB.status).toBe(404);
    const seenByA = await apiFetch(`/api/v1/imports/${progress.runId}`, {
      headers: { authorization: tokenA },
    });
    expect(seenByA.status).toBe(200);
  });
});

describe("the import-file message on the queue", () => {
  /** The test Worker's env with the queue sends replaced (the real queues would race the test otherwise). */
  function withQueues(collect: Queue, ingest: Queue = env.INGEST_QUEUE): Env {
    return { ...env, COLLECT_QUEUE: collect, INGEST_QUEUE: ingest } as Env;
  }
  const swallow = { send: async () => undefined, sendBatch: async () => undefined } as unknown as Queue;

  async function deliverImport(runId: string, bindings: Env) {
    const batch = createMessageBatch("tf-collect", [
      {
        id: `import-${runId}-${Math.random()}`,
        timestamp: new Date(),
        attempts: 1,
        body: { kind: "import-file", runId },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, bindings, ctx);
    return getQueueResult(batch, ctx);
  }

  async function progressOf(runId: string): Promise<ImportProgressBody> {
    const response = await apiFetch(`/api/v1/imports/${runId}`, { headers: { authorization: tokenA } });
    return (await response.json()) as ImportProgressBody;
  }

  it("retries a consumer that died half-way and counts every indicator once", async () => {
    const values = Array.from({ length: 12_000 }, (_, i) => `10${i}.import-retry.example.com`);
    const text = `${values.join("\n")}\n`;
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${testOrigin}/api/v1/imports?format=text`, {
        method: "POST",
        headers: { authorization: tokenA },
        body: text,
      }),
      withQueues(swallow),
      ctx,
    );
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    expect(await progressOf(runId)).toMatchObject({ status: "queued", bytesTotal: text.length });

    // First attempt: the first chunk reaches the queue, then the queue fails: the message is retried.
    let sends = 0;
    const flaky = {
      send: async (body: unknown, options?: QueueSendOptions) => {
        if (++sends > 1) throw new Error("queue unavailable");
        await env.INGEST_QUEUE.send(body, options);
      },
    } as unknown as Queue;
    const failed = await deliverImport(runId, withQueues(swallow, flaky));
    expect(failed.retryMessages).toHaveLength(1);
    expect((await progressOf(runId)).finished).toBe(false);

    // The retry parses the whole upload again; the ledger makes the re-sent first chunk a no-op.
    const retried = await deliverImport(runId, env);
    expect(retried.explicitAcks).toHaveLength(1);
    // A further redelivery after the run was announced changes nothing.
    expect((await deliverImport(runId, env)).explicitAcks).toHaveLength(1);
    const deadline = Date.now() + 15_000;
    let progress = await progressOf(runId);
    while (!progress.finished && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      progress = await progressOf(runId);
    }
    expect(progress).toMatchObject({
      status: "succeeded",
      parsed: 12_000,
      new: 12_000,
      changed: 0,
      unchanged: 0,
    });
    const [row] = await adminQuery<{ n: number }>(
      "select count(*)::int as n from private_indicators where tenant_id = $1 and value like '%.import-retry.example.com'",
      [tree.clientAId],
    );
    expect(row?.n).toBe(12_000);
  });
});
