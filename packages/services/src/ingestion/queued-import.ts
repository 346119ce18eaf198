import { AppError, can, type Logger, newId } from "@threatfusion/core";
import { type Database, withTenantTx } from "@threatfusion/db";
import {
  type BatchOptions,
  type ByteSource,
  batchParsed,
  decodeFeedText,
  feedFailureReason,
  iterateBytes,
  type ParseEvent,
} from "@threatfusion/feeds";
import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { ensureImportFeed, type ImportFormat, importEvents } from "./import-indicators.ts";
import type { FeedChunkMessage, ImportFileMessage } from "./messages.ts";
import { declareRunChunks, failRun, finishRunIfComplete } from "./runs.ts";

/**
 * Queued manual imports. `acceptImport` (the API request) checks the upload as it streams in (size, binary
 * data, HTML, invalid UTF-8), stores it durably and opens a run; the caller enqueues `import-file`.
 * `processImport` (the queue consumer) parses the stored upload and sends `feed-chunk` messages, so an import
 * is applied exactly like a feed (ledger, idempotent on redelivery, hand-off, finishing). `getImport` reports
 * progress and the summary to the tenant that owns it.
 */

/** Largest upload: Workers accept request bodies up to 100 MB. */
export const maxImportBytes = 100 * 1024 * 1024;

export interface StoredUpload {
  runId: string;
  tenantId: string;
  objectKey: string | null;
}

export interface UploadWriter {
  /** Bytes per stored piece (R2 multipart parts must be at least 5 MB, except the last). */
  readonly partBytes: number;
  readonly objectKey: string | null;
  writePart(part: number, bytes: Uint8Array): Promise<void>;
  complete(): Promise<void>;
  abort(): Promise<void>;
}

/** Where uploads wait for the consumer: R2 (`IMPORTS` binding) or Postgres (`import_upload_parts`). */
export interface ImportUploadStore {
  readonly kind: "r2" | "postgres";
  open(upload: { runId: string; tenantId: string }): Promise<UploadWriter>;
  read(upload: StoredUpload): AsyncIterable<Uint8Array>;
  remove(upload: StoredUpload): Promise<void>;
}

/**
 * The Postgres staging store: 1 MB pieces written as the app role inside the tenant's transaction (RLS),
 * read and deleted by the ingestion role in the consumer.
 */
export function postgresUploadStore(dbs: { appDb: Database; ingestDb: Database }): ImportUploadStore {
  const remove = async (upload: StoredUpload) => {
    await dbs.ingestDb.execute(sql`delete from import_upload_parts where run_id = ${upload.runId}`);
  };
  return {
    kind: "postgres",
    async open({ runId, tenantId }) {
      return {
        partBytes: 1024 * 1024,
        objectKey: null,
        async writePart(part, bytes) {
          await withTenantTx({ db: dbs.appDb, tenantId }, (tx) =>
            tx.execute(sql`
              insert into import_upload_parts (run_id, part, tenant_id, data)
              values (${runId}, ${part}, ${tenantId}, ${sql.param(bytes)}::bytea)`),
          );
        },
        async complete() {},
        abort: () => remove({ runId, tenantId, objectKey: null }),
      };
    },
    async *read(upload) {
      // One piece per query keeps memory at one piece whatever the upload's size.
      for (let part = 0; ; part++) {
        const { rows } = await dbs.ingestDb.execute<{ data: Uint8Array }>(
          sql`select data from import_upload_parts where run_id = ${upload.runId} and part = ${part}`,
        );
        const row = rows[0];
        if (!row) return;
        yield row.data;
      }
    },
    remove,
  };
}

export interface ImportProgress {
  runId: string;
  feedId: string;
  /** queued → parsing → applying → succeeded | partial | failed. */
  status: "queued" | "parsing" | "applying" | "succeeded" | "partial" | "failed";
  finished: boolean;
  requestedFormat: string;
  /** The format parsed (`auto` resolved; `text`: free-text extraction); null until parsing starts. */
  format: string | null;
  bytesTotal: number;
  bytesParsed: number;
  linesParsed: number;
  parsed: number;
  new: number;
  /** Known before, and changed by this import. */
  changed: number;
  unchanged: number;
  rejected: number;
  skipped: number;
  /** The first rejected rows (up to 100), with line numbers and reasons. */
  rejectedRows: { line: number; reason: string; raw: string }[];
  error: string | null;
  failureReason: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** What the API answers when it has accepted an upload (202). */
export interface AcceptedImport {
  runId: string;
  feedId: string;
  status: "queued";
  bytes: number;
  storage: "r2" | "postgres";
}

export interface AcceptImportInput {
  body: ByteSource;
  format: ImportFormat;
  /** The tenant's private feed the import is recorded under; created when missing. Default "Manual imports". */
  feedName?: string | undefined;
}

const sniffBytes = 4096;

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function checkHead(head: Uint8Array, format: ImportFormat): Promise<{ checkUtf8: boolean }> {
  if (head.byteLength === 0) throw new AppError("VALIDATION_FAILED", "The import body is empty");
  try {
    // The feed decoder's own verdicts: a zip archive, binary data, an HTML page.
    await decodeFeedText(once(head), format === "auto" ? "a feed file or text" : format);
  } catch (error) {
    if (feedFailureReason(error) === undefined) throw error;
    throw new AppError(
      "UNPROCESSABLE",
      `The upload could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  return { checkUtf8: !gzip && !utf16 };
}

/**
 * The upload as it streams in, checked on the way: the size limit, the head (binary, HTML, archive) and, for
 * UTF-8 text, every byte (a fatal decoder), so that a bad file is refused before it is queued.
 */
async function* checkedUpload(
  body: ByteSource,
  format: ImportFormat,
  limit: number,
): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let checkUtf8: boolean | undefined;
  let pendingHead: Uint8Array[] = [];
  let headBytes = 0;
  let total = 0;
  const validate = (bytes: Uint8Array, last: boolean) => {
    if (!checkUtf8) return;
    try {
      decoder.decode(bytes, { stream: !last });
    } catch {
      throw new AppError(
        "UNPROCESSABLE",
        `The upload is not valid UTF-8 text (in the bytes before offset ${total})`,
      );
    }
  };
  for await (const chunk of iterateBytes(body)) {
    total += chunk.byteLength;
    if (total > limit) {
      throw new AppError("PAYLOAD_TOO_LARGE", `Imports are limited to ${Math.round(limit / 1024 / 1024)} MB`);
    }
    if (checkUtf8 === undefined) {
      pendingHead.push(chunk);
      headBytes += chunk.byteLength;
      if (headBytes < sniffBytes) continue;
      const head = concatBytes(pendingHead);
      pendingHead = [];
      ({ checkUtf8 } = await checkHead(head, format));
      validate(head, false);
      yield head;
      continue;
    }
    validate(chunk, false);
    yield chunk;
  }
  if (checkUtf8 === undefined) {
    const head = concatBytes(pendingHead);
    ({ checkUtf8 } = await checkHead(head, format));
    validate(head, true);
    yield head;
    return;
  }
  validate(new Uint8Array(0), true);
}

/** Cuts a byte stream into pieces of exactly `size` bytes (the last one shorter). */
async function* pieces(bytes: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let buffer = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of bytes) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(size - filled, chunk.byteLength - offset);
      buffer.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === size) {
        yield buffer;
        buffer = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

/**
 * Accepts an upload for the acting tenant: opens a run of its import feed, stores the body durably while
 * checking it, and marks the job uploaded. The caller then enqueues `{ kind: "import-file", runId }`.
 * A refused upload (too large, binary, HTML, invalid UTF-8) fails its run with the reason, keeps nothing
 * of its bytes, and throws the error for the envelope; earlier imports are untouched.
 */
export async function acceptImport({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: AcceptImportInput;
  deps: { ingestDb: Database; store: ImportUploadStore; maxBytes?: number };
}): Promise<AcceptedImport> {
  authorizeAction(ctx, "indicator.write");
  const tenantId = ctx.tenant.tenantId;
  const started = ctx.now();
  const feedId = await ensureImportFeed(
    ctx,
    (input.feedName ?? "Manual imports").trim().slice(0, 200) || "Manual imports",
  );
  const runId = newId("feedRun", started.getTime());
  await deps.ingestDb.execute(sql`
    insert into feed_runs (id, feed_id, tenant_id, status, started_at, trigger)
    values (${runId}, ${feedId}, ${tenantId}, 'running', ${started.toISOString()}::timestamptz, 'import')`);
  const writer = await deps.store.open({ runId, tenantId });
  await inTenantTx(ctx, (tx) =>
    tx.execute(sql`
      insert into import_jobs (run_id, tenant_id, feed_id, requested_format, storage, object_key)
      values (${runId}, ${tenantId}, ${feedId}, ${input.format}, ${deps.store.kind}, ${writer.objectKey})`),
  );
  let bytes = 0;
  try {
    let part = 0;
    const checked = checkedUpload(input.body, input.format, deps.maxBytes ?? maxImportBytes);
    for await (const piece of pieces(checked, writer.partBytes)) {
      await writer.writePart(part++, piece);
      bytes += piece.byteLength;
    }
    await writer.complete();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    await failRun(deps.ingestDb, runId, { reason: "invalid-document", message, now: ctx.now() });
    throw error;
  }
  await inTenantTx(ctx, (tx) =>
    tx.execute(sql`
      update import_jobs set bytes_total = ${bytes}, uploaded_at = now(), updated_at = now()
      where run_id = ${runId}`),
  );
  return { runId, feedId, status: "queued", bytes, storage: deps.store.kind };
}

export interface ProcessImportDependencies {
  ingestDb: Database;
  /** The store the job's upload is in (by `import_jobs.storage`). */
  storeFor: (kind: "r2" | "postgres") => ImportUploadStore;
  /** Puts a chunk on the ingest queue (the consumer applies it like a feed's). */
  sendChunk: (message: FeedChunkMessage) => Promise<void>;
  now: () => Date;
  logger?: Logger;
  batch?: BatchOptions;
  /** Least time between two progress writes. Default 1 s. */
  progressEveryMs?: number;
}

export type ProcessImportResult =
  | { status: "skipped"; reason: string }
  | { status: "queued-chunks"; chunks: number; bytes: number; finished: boolean }
  | { status: "failed"; reason: string; message: string };

async function* counted(
  bytes: AsyncIterable<Uint8Array>,
  counter: { bytes: number },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of bytes) {
    counter.bytes += chunk.byteLength;
    yield chunk;
  }
}

async function* trackLines(
  events: AsyncIterable<ParseEvent>,
  seen: { line: number },
): AsyncGenerator<ParseEvent> {
  for await (const event of events) {
    const line =
      event.kind === "indicator"
        ? event.indicator.line
        : event.kind === "rejected"
          ? event.row.line
          : undefined;
    if (line !== undefined && line > seen.line) seen.line = line;
    yield event;
  }
}

/**
 * The consumer's side of an import: parses the stored upload and sends its chunks (chunk numbers are the same
 * on every attempt, so a redelivered message re-sends chunks the ledger already holds, and they change
 * nothing). A run already announced or finished is skipped. A parse failure fails the run with its reason;
 * chunks applied before stay. The upload is deleted once the run's chunks are announced or it failed.
 */
export async function processImport(
  deps: ProcessImportDependencies,
  message: ImportFileMessage,
): Promise<ProcessImportResult> {
  const { rows } = await deps.ingestDb.execute<{
    tenant_id: string;
    feed_id: string;
    requested_format: ImportFormat;
    storage: "r2" | "postgres";
    object_key: string | null;
    uploaded: boolean;
    status: string;
    announced: boolean;
    started_at: string;
  }>(sql`
    select j.tenant_id, j.feed_id, j.requested_format, j.storage, j.object_key, j.uploaded_at is not null as uploaded,
           r.status, r.chunks_expected is not null as announced, r.started_at
    from import_jobs j join feed_runs r on r.id = j.run_id
    where j.run_id = ${message.runId}`);
  const job = rows[0];
  if (!job) return { status: "skipped", reason: "no such import" };
  if (!job.uploaded) return { status: "skipped", reason: "the upload was not completed" };
  if (job.status !== "running" || job.announced) return { status: "skipped", reason: "already processed" };
  const upload: StoredUpload = { runId: message.runId, tenantId: job.tenant_id, objectKey: job.object_key };
  const store = deps.storeFor(job.storage);
  const observedAt = new Date(job.started_at).toISOString();
  const counter = { bytes: 0 };
  const lines = { line: 0 };
  const progressEvery = deps.progressEveryMs ?? 1_000;
  let lastProgress = 0;
  let format: string | null = null;
  const recordProgress = async (force: boolean) => {
    const now = deps.now().getTime();
    if (!force && now - lastProgress < progressEvery) return;
    lastProgress = now;
    await deps.ingestDb.execute(sql`
      update import_jobs set bytes_parsed = ${counter.bytes}, lines_parsed = ${lines.line},
        parsed_format = ${format}, updated_at = now()
      where run_id = ${message.runId}`);
  };
  let chunk = 0;
  let queueFailure: unknown;
  let stats = { units: 0, indicators: 0, rejected: 0, skipped: 0 };
  try {
    const resolved = await importEvents(counted(store.read(upload), counter), job.requested_format);
    format = resolved.format;
    await recordProgress(true);
    for await (const batch of batchParsed(trackLines(resolved.events, lines), deps.batch)) {
      if (batch.stats) stats = batch.stats;
      if (batch.indicators.length > 0 || batch.rejected.length > 0) {
        try {
          await deps.sendChunk({
            kind: "feed-chunk",
            runId: message.runId,
            feedId: job.feed_id,
            chunk,
            observedAt,
            indicators: batch.indicators.map((indicator) => ({
              ...indicator,
              context: indicator.context as Record<string, unknown>,
            })),
            rejected: batch.rejected,
          });
        } catch (error) {
          queueFailure = error;
          throw error;
        }
        chunk++;
      }
      await recordProgress(false);
    }
  } catch (error) {
    // The queue failing is not the file's fault: rethrow so the message is retried (re-sent chunks are no-ops).
    const reason = feedFailureReason(error);
    if (queueFailure !== undefined || reason === undefined) throw error;
    const text = error instanceof Error ? error.message : String(error);
    await recordProgress(true);
    await failRun(deps.ingestDb, message.runId, {
      reason,
      message: `The upload could not be read: ${text}`,
      now: deps.now(),
    });
    await store.remove(upload);
    deps.logger?.warn("import failed", { runId: message.runId, reason });
    return { status: "failed", reason, message: text };
  }
  lines.line = Math.max(lines.line, stats.units);
  await recordProgress(true);
  await declareRunChunks(deps.ingestDb, message.runId, {
    chunks: chunk,
    bytesFetched: counter.bytes,
    stats,
    httpStatus: null,
  });
  await store.remove(upload);
  // With no chunks (an empty or all-comment file) nothing else would finish the run.
  const finished = await finishRunIfComplete(deps.ingestDb, message.runId, deps.now());
  return { status: "queued-chunks", chunks: chunk, bytes: counter.bytes, finished: finished !== null };
}

/**
 * Progress and summary of one import of the acting tenant (RLS: another tenant's run is not found). While it
 * runs, the counters are summed from the ledger of the chunks applied so far.
 */
export async function getImport({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { runId: string };
}): Promise<ImportProgress> {
  // Whoever may import may follow the import (a token scoped to `indicators:write` only, as `tf import` uses).
  authorizeAction(ctx, can(ctx.actor, "indicator.write") ? "indicator.write" : "indicator.read");
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{
      feed_id: string;
      requested_format: string;
      parsed_format: string | null;
      bytes_total: string;
      bytes_parsed: string;
      lines_parsed: number;
      status: string;
      announced: boolean;
      rows_parsed: number;
      rows_rejected: number;
      rows_skipped: number;
      indicators_new: number;
      indicators_changed: number;
      indicators_unchanged: number;
      error: string | null;
      failure_reason: string | null;
      started_at: string;
      finished_at: string | null;
      ledger_indicators: number;
      ledger_new: number;
      ledger_changed: number;
      ledger_unchanged: number;
      ledger_rejected: number;
    }>(sql`
      select j.feed_id, j.requested_format, j.parsed_format, j.bytes_total, j.bytes_parsed, j.lines_parsed,
             r.status, r.chunks_expected is not null as announced, r.rows_parsed, r.rows_rejected, r.rows_skipped,
             r.indicators_new, r.indicators_changed, r.indicators_unchanged, r.error, r.failure_reason,
             r.started_at, r.finished_at,
             l.indicators as ledger_indicators, l.new as ledger_new, l.changed as ledger_changed,
             l.unchanged as ledger_unchanged, l.rejected as ledger_rejected
      from import_jobs j join feed_runs r on r.id = j.run_id
      cross join lateral (
        select coalesce(sum(c.indicators), 0)::int as indicators, coalesce(sum(c.indicators_new), 0)::int as new,
               coalesce(sum(c.indicators_changed), 0)::int as changed,
               coalesce(sum(c.indicators_unchanged), 0)::int as unchanged,
               coalesce(sum(c.rows_rejected), 0)::int as rejected
        from ingest_chunks c where c.run_id = j.run_id) as l
      where j.run_id = ${input.runId} and j.tenant_id = ${ctx.tenant.tenantId}`);
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", "No such import");
    const { rows: rejectedRows } = await tx.execute<{ line: number; reason: string; raw: string }>(sql`
      select line, reason, raw from feed_run_rejections where run_id = ${input.runId}
      order by chunk, ordinal limit 100`);
    const finished = row.status !== "running";
    const bytesParsed = Number(row.bytes_parsed);
    const status: ImportProgress["status"] = finished
      ? row.status === "succeeded" || row.status === "partial"
        ? row.status
        : "failed"
      : row.announced
        ? "applying"
        : bytesParsed === 0 && row.parsed_format === null
          ? "queued"
          : "parsing";
    return {
      runId: input.runId,
      feedId: row.feed_id,
      status,
      finished,
      requestedFormat: row.requested_format,
      format: row.parsed_format,
      bytesTotal: Number(row.bytes_total),
      bytesParsed,
      linesParsed: row.lines_parsed,
      parsed: row.announced ? row.rows_parsed : row.ledger_indicators,
      new: finished ? row.indicators_new : row.ledger_new,
      changed: finished ? row.indicators_changed : row.ledger_changed,
      unchanged: finished ? row.indicators_unchanged : row.ledger_unchanged,
      rejected: finished ? row.rows_rejected : row.rows_rejected + row.ledger_rejected,
      skipped: row.rows_skipped,
      rejectedRows,
      error: row.error,
      failureReason: row.failure_reason,
      startedAt: new Date(row.started_at).toISOString(),
      finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
    };
  });
}
