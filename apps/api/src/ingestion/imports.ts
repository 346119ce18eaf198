import type { Logger } from "@threatfusion/core";
import {
  type ImportFileMessage,
  type ImportUploadStore,
  type ProcessImportResult,
  postgresUploadStore,
  processImport,
} from "@threatfusion/services";
import type { IngestionDatabases } from "./databases.ts";

/**
 * Manual imports in R2: one multipart object per import (parts of 8 MB; R2 wants at least 5 MB except the
 * last), read back as a stream by the consumer and deleted when the run's chunks are announced.
 */
export function r2UploadStore(bucket: R2Bucket): ImportUploadStore {
  const key = (runId: string, tenantId: string) => `imports/${tenantId}/${runId}`;
  return {
    kind: "r2",
    async open({ runId, tenantId }) {
      const objectKey = key(runId, tenantId);
      const upload = await bucket.createMultipartUpload(objectKey);
      const parts: R2UploadedPart[] = [];
      return {
        partBytes: 8 * 1024 * 1024,
        objectKey,
        async writePart(part, bytes) {
          parts.push(await upload.uploadPart(part + 1, bytes));
        },
        async complete() {
          await upload.complete(parts);
        },
        abort: () => upload.abort(),
      };
    },
    async *read(upload) {
      const object = await bucket.get(upload.objectKey ?? key(upload.runId, upload.tenantId));
      if (object === null) return;
      const reader = object.body.getReader();
      for (;;) {
        const next = await reader.read();
        if (next.done) return;
        yield next.value;
      }
    },
    async remove(upload) {
      await bucket.delete(upload.objectKey ?? key(upload.runId, upload.tenantId));
    },
  };
}

/** The store new uploads go to: R2 when the Worker has an `IMPORTS` bucket, else Postgres staging. */
export function importUploadStore(env: Env, dbs: IngestionDatabases): ImportUploadStore {
  const bucket: R2Bucket | undefined = env.IMPORTS;
  return bucket === undefined ? postgresUploadStore(dbs) : r2UploadStore(bucket);
}

/** The consumer adapter: parses a stored upload onto the ingest queue as feed chunks. */
export async function runImport(
  env: Env,
  dbs: IngestionDatabases,
  message: ImportFileMessage,
  logger: Logger,
): Promise<ProcessImportResult> {
  const bucket: R2Bucket | undefined = env.IMPORTS;
  const result = await processImport(
    {
      ingestDb: dbs.ingestDb,
      storeFor: (kind) =>
        kind === "r2" && bucket !== undefined ? r2UploadStore(bucket) : postgresUploadStore(dbs),
      sendChunk: async (chunk) => {
        await env.INGEST_QUEUE.send(chunk, { contentType: "json" });
      },
      now: () => new Date(),
      logger,
      batch: { maxItems: 5_000 },
    },
    message,
  );
  logger.info("import parsed", { runId: message.runId, status: result.status });
  return result;
}
