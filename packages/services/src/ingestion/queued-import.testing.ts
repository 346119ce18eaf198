import type { Database } from "@threatfusion/db";
import type { ServiceContext } from "../context.ts";
import { applyFeedChunks } from "./apply-chunks.ts";
import { handOffChanges } from "./hand-off.ts";
import type { ImportFormat } from "./import-indicators.ts";
import type { FeedChunkMessage } from "./messages.ts";
import {
  acceptImport,
  getImport,
  type ImportProgress,
  type ImportUploadStore,
  postgresUploadStore,
  processImport,
} from "./queued-import.ts";
import { finishRunIfComplete } from "./runs.ts";

/**
 * Test helper: the whole queued import in one process, with the queue replaced by direct calls — accept
 * (Postgres staging), process (chunks collected), apply each chunk as the consumer would, hand off, finish.
 * Returns what `GET /api/v1/imports/{runId}` would answer, and the chunks sent (for redelivery tests).
 */
export async function importInProcess(
  ctx: ServiceContext,
  ingestDb: Database,
  input: { text: string | Uint8Array; format?: ImportFormat; feedName?: string },
): Promise<{ progress: ImportProgress; chunks: FeedChunkMessage[]; store: ImportUploadStore }> {
  const store = postgresUploadStore({ appDb: ctx.db, ingestDb });
  const bytes = typeof input.text === "string" ? new TextEncoder().encode(input.text) : input.text;
  async function* body(): AsyncGenerator<Uint8Array> {
    // Several pieces, as a network upload arrives.
    for (let start = 0; start < bytes.byteLength; start += 1000) yield bytes.subarray(start, start + 1000);
  }
  const accepted = await acceptImport({
    ctx,
    input: { body: body(), format: input.format ?? "auto", feedName: input.feedName },
    deps: { ingestDb, store },
  });
  const chunks: FeedChunkMessage[] = [];
  await processImport(
    {
      ingestDb,
      storeFor: () => store,
      sendChunk: async (chunk) => {
        chunks.push(chunk);
      },
      now: () => new Date(),
    },
    { kind: "import-file", runId: accepted.runId },
  );
  const dbs = { ingestDb, appDb: ctx.db };
  for (const chunk of chunks) await applyFeedChunks(dbs, [chunk]);
  await handOffChanges({ ...dbs, notifyTenants: async () => undefined }, [accepted.runId]);
  await finishRunIfComplete(ingestDb, accepted.runId);
  return { progress: await getImport({ ctx, input: { runId: accepted.runId } }), chunks, store };
}
