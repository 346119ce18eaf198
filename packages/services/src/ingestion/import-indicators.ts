import { AppError, newId } from "@threatfusion/core";
import type { Database } from "@threatfusion/db";
import {
  type ByteSource,
  decodeFeedText,
  type FeedFormat,
  feedFailureReason,
  type ParseEvent,
  parseFeed,
  sniffFormat,
  splitLines,
} from "@threatfusion/feeds";
import { extract } from "@threatfusion/ioc";
import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { applyFeedChunks } from "./apply-chunks.ts";
import { handOffChanges, type TenantChangeBatch } from "./hand-off.ts";
import type { ChunkIndicator, FeedChunkMessage } from "./messages.ts";
import { declareRunChunks, failRun, finishRunIfComplete } from "./runs.ts";

export const importFormats = ["auto", "csv", "stix", "misp", "text"] as const;
export type ImportFormat = (typeof importFormats)[number];

export interface ImportInput {
  body: ByteSource;
  format: ImportFormat;
  /** The tenant's private feed the import is recorded under; created when missing. Default "Manual imports". */
  feedName?: string | undefined;
}

export interface ImportDependencies {
  /** Ingestion-role database: writes the import's feed run (the app role may not). */
  ingestDb: Database;
  /** Hands the changed private indicators to the tenant's coordinator; default: nobody. */
  notifyTenants?: (batches: TenantChangeBatch[]) => Promise<void>;
  /** Indicators per transaction. Default 5,000. */
  chunkSize?: number;
}

export interface ImportSummary {
  runId: string;
  feedId: string;
  /** The format actually parsed (`auto` resolved; `text` means free-text extraction). */
  format: string;
  status: string;
  parsed: number;
  new: number;
  changed: number;
  unchanged: number;
  rejected: number;
  skipped: number;
  /** The first rejected rows, with line numbers and reasons. */
  rejectedRows: { line: number; reason: string; raw: string }[];
  durationMs: number;
}

const maxRejectedShown = 100;
const encoder = new TextEncoder();

async function* encode(chunks: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) yield encoder.encode(chunk);
}

/** Free text (a pasted report, an e-mail, an unknown CSV): every indicator found on each line, with its line. */
async function* extractEvents(chunks: AsyncIterable<string>): AsyncGenerator<ParseEvent> {
  let indicators = 0;
  let rejected = 0;
  let units = 0;
  for await (const line of splitLines(chunks)) {
    units = line.number;
    if (line.tooLong) {
      rejected++;
      yield {
        kind: "rejected",
        row: {
          line: line.number,
          reason: `line longer than the limit (${line.length} characters)`,
          raw: line.head,
        },
      };
      continue;
    }
    // A URL's host is reported as a finding of its own; importing it would flag the hosting site too.
    for (const finding of extract(line.text)) {
      if (finding.derivedFrom !== undefined) continue;
      indicators++;
      yield {
        kind: "indicator",
        indicator: { type: finding.type, value: finding.value, tags: [], context: {}, line: line.number },
      };
    }
  }
  yield { kind: "end", stats: { units, indicators, rejected, skipped: 0 } };
}

/** Resolves the format from the first KB and returns the matching event stream. */
async function importEvents(
  body: ByteSource,
  format: ImportFormat,
): Promise<{ format: string; events: AsyncIterable<ParseEvent> }> {
  const decoded = await decodeFeedText(body, format);
  const sniffed = sniffFormat(decoded.head);
  if (format === "stix" || format === "misp") {
    return { format, events: parseFeed(format, encode(decoded.chunks)) };
  }
  // Known layouts (abuse.ch CSVs, STIX, MISP, KEV…) use their parser; anything else is free text.
  const resolved: FeedFormat | "text" =
    format === "text" ||
    sniffed === "text" ||
    sniffed === "json" ||
    (format === "csv" && sniffed === "ndjson")
      ? "text"
      : sniffed;
  if (resolved === "text") return { format: "text", events: extractEvents(decoded.chunks) };
  return { format: resolved, events: parseFeed(resolved, encode(decoded.chunks)) };
}

async function ensureImportFeed(ctx: ServiceContext, name: string): Promise<string> {
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{ id: string }>(
      sql`select id from feeds where tenant_id = ${ctx.tenant.tenantId} and name = ${name}`,
    );
    if (rows[0]) return rows[0].id;
    const sourceId = newId("source");
    const feedId = newId("feed");
    await tx.execute(sql`
      insert into sources (id, tenant_id, name, kind, reliability, default_tlp)
      values (${sourceId}, ${ctx.tenant.tenantId}, ${`import: ${name}`}, 'internal', 'C', 'amber')
      on conflict do nothing`);
    await tx.execute(sql`
      insert into feeds (id, tenant_id, source_id, name, url, format, enabled, config)
      select ${feedId}, ${ctx.tenant.tenantId}, s.id, ${name}, null, 'auto', false, '{"import": true}'::jsonb
      from sources s where s.tenant_id = ${ctx.tenant.tenantId} and s.name = ${`import: ${name}`}`);
    return feedId;
  });
}

/**
 * Imports a file or pasted text into the acting tenant's private indicators: the known layouts through
 * their parsers, free text through extraction. Streams and writes chunk by chunk (bounded memory), records
 * the import as a run of the tenant's import feed (visible in the feed-run API), and answers a summary with
 * the rejected rows' line numbers. A body that is an HTML page or binary data fails with a clear message.
 */
export async function importIndicators({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: ImportInput;
  deps: ImportDependencies;
}): Promise<ImportSummary> {
  authorizeAction(ctx, "indicator.write");
  const started = ctx.now();
  const feedId = await ensureImportFeed(
    ctx,
    (input.feedName ?? "Manual imports").trim().slice(0, 200) || "Manual imports",
  );
  const runId = newId("feedRun", started.getTime());
  await deps.ingestDb.execute(sql`
    insert into feed_runs (id, feed_id, tenant_id, status, started_at, trigger)
    values (${runId}, ${feedId}, ${ctx.tenant.tenantId}, 'running', ${started.toISOString()}::timestamptz, 'import')`);

  const observedAt = started.toISOString();
  const chunkSize = deps.chunkSize ?? 5_000;
  const rejectedRows: ImportSummary["rejectedRows"] = [];
  const stats = { units: 0, indicators: 0, rejected: 0, skipped: 0 };
  let format: string = input.format;
  let chunk = 0;
  let pending: ChunkIndicator[] = [];
  let pendingRejected: FeedChunkMessage["rejected"] = [];
  const flush = async () => {
    if (pending.length === 0 && pendingRejected.length === 0) return;
    const message: FeedChunkMessage = {
      kind: "feed-chunk",
      runId,
      feedId,
      chunk,
      observedAt,
      indicators: pending,
      rejected: pendingRejected,
    };
    chunk++;
    pending = [];
    pendingRejected = [];
    await applyFeedChunks({ ingestDb: deps.ingestDb, appDb: ctx.db, logger: ctx.logger }, [message]);
  };
  try {
    const resolved = await importEvents(input.body, input.format);
    format = resolved.format;
    for await (const event of resolved.events) {
      if (event.kind === "indicator") {
        pending.push({ ...event.indicator, context: event.indicator.context as Record<string, unknown> });
        if (pending.length >= chunkSize) await flush();
      } else if (event.kind === "rejected") {
        if (rejectedRows.length < maxRejectedShown) rejectedRows.push(event.row);
        if (pendingRejected.length < 500) pendingRejected.push(event.row);
      } else if (event.kind === "end") {
        stats.units = event.stats.units;
        stats.indicators = event.stats.indicators;
        stats.rejected = event.stats.rejected;
        stats.skipped = event.stats.skipped;
      }
    }
    await flush();
  } catch (error) {
    const reason = feedFailureReason(error);
    const message = error instanceof Error ? error.message : String(error);
    await failRun(deps.ingestDb, runId, { reason: reason ?? "invalid-document", message, now: ctx.now() });
    if (reason !== undefined) throw new AppError("UNPROCESSABLE", `The upload could not be read: ${message}`);
    throw error;
  }
  await declareRunChunks(deps.ingestDb, runId, { chunks: chunk, bytesFetched: 0, stats, httpStatus: null });
  await handOffChanges(
    { ingestDb: deps.ingestDb, appDb: ctx.db, notifyTenants: deps.notifyTenants ?? (async () => undefined) },
    [runId],
  );
  const finished = await finishRunIfComplete(deps.ingestDb, runId, ctx.now());
  const { rows } = await deps.ingestDb.execute<{
    status: string;
    indicators_new: number;
    indicators_changed: number;
    indicators_unchanged: number;
    rows_rejected: number;
  }>(sql`select status, indicators_new, indicators_changed, indicators_unchanged, rows_rejected
         from feed_runs where id = ${runId}`);
  const run = rows[0];
  return {
    runId,
    feedId,
    format,
    status: finished?.status ?? run?.status ?? "running",
    parsed: stats.indicators,
    new: run?.indicators_new ?? 0,
    changed: run?.indicators_changed ?? 0,
    unchanged: run?.indicators_unchanged ?? 0,
    rejected: run?.rows_rejected ?? stats.rejected,
    skipped: stats.skipped,
    rejectedRows,
    durationMs: ctx.now().getTime() - started.getTime(),
  };
}
