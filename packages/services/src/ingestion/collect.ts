import type { Logger } from "@threatfusion/core";
import { AppError } from "@threatfusion/core";
import type { Database } from "@threatfusion/db";
import {
  type BatchOptions,
  batchParsed,
  classifyFetchOutcome,
  type FeedDefinition,
  type FeedFormat,
  feedFailureReason,
  feedFormats,
  findBuiltInFeed,
  iterateBytes,
  type ParseStats,
  parseFeed,
  parseFeedDefinition,
} from "@threatfusion/feeds";
import { sql } from "drizzle-orm";
import type { FeedChunkMessage } from "./messages.ts";
import { declareRunChunks, failRun, finishRunIfComplete } from "./runs.ts";

/**
 * The collector: one feed run. Conditional GET (ETag / If-Modified-Since from the last successful run),
 * auth from configured secrets, the body streamed through the parser and cut into queue-sized chunks that
 * `sendChunk` puts on the queue; nothing buffers a whole feed. A 401/403/404/429/5xx, an HTML page or binary
 * data fails this run with a clear reason and schedules a retry with backoff; other feeds are unaffected.
 */

export interface CollectDependencies {
  /** Ingestion-role database. */
  db: Database;
  fetch: typeof fetch;
  /** Secrets by the names the catalog uses (`abusech_auth_key`, `otx_api_key`, …); absent when not configured. */
  secrets: Record<string, string | undefined>;
  /** Dev only: fetch built-in feeds from this mirror (`{mirror}/feeds/{catalogId}/{index}`) instead of the internet. */
  mirrorUrl?: string | undefined;
  sendChunk: (message: FeedChunkMessage) => Promise<void>;
  now: () => Date;
  logger?: Logger;
  batch?: BatchOptions;
  /** Per-request time limit in ms. Default 120 s. */
  timeoutMs?: number;
}

export type CollectResult =
  | { status: "skipped"; reason: string }
  | { status: "not-modified" }
  | { status: "collected"; chunks: number; stats: ParseStats; bytes: number; finished: boolean }
  | { status: "failed"; reason: string; message: string };

interface FeedRow extends Record<string, unknown> {
  id: string;
  tenant_id: string | null;
  name: string;
  url: string | null;
  format: string;
  catalog_id: string | null;
  config: Record<string, unknown>;
  run_status: string;
  chunks_expected: number | null;
  started_at: string;
  etag: string | null;
  last_modified: string | null;
}

interface Request {
  urls: string[];
  method: "GET" | "POST";
  body?: string | undefined;
  format: FeedFormat;
  parser: FeedDefinition["parser"];
  auth: FeedDefinition["auth"];
  secretMissing?: string;
}

const secretVariables: Record<string, string> = {
  abusech_auth_key: "ABUSECH_AUTH_KEY",
  otx_api_key: "OTX_API_KEY",
};

function isFeedFormat(value: string): value is FeedFormat {
  return (feedFormats as readonly string[]).includes(value);
}

/** Where and how to fetch: the built-in definition (or the mirror), else the feed's own stored definition. */
function resolveRequest(feed: FeedRow, deps: CollectDependencies): Request {
  const builtIn = feed.catalog_id ? findBuiltInFeed(feed.catalog_id) : undefined;
  let definition: FeedDefinition | undefined = builtIn;
  if (!definition && feed.config.definition !== undefined) {
    const parsed = parseFeedDefinition(feed.config.definition);
    if (!parsed.success) throw new AppError("VALIDATION_FAILED", "the feed's stored definition is not valid");
    definition = parsed.data;
  }
  if (!definition) {
    if (!feed.url || !isFeedFormat(feed.format)) {
      throw new AppError("VALIDATION_FAILED", "the feed has no URL or an unknown format");
    }
    return { urls: [feed.url], method: "GET", format: feed.format, parser: {}, auth: { kind: "none" } };
  }
  if (builtIn && deps.mirrorUrl) {
    const mirror = deps.mirrorUrl.replace(/\/$/, "");
    return {
      urls: builtIn.urls.map((_, index) => `${mirror}/feeds/${builtIn.id}/${index}`),
      method: "GET",
      format: builtIn.format,
      parser: builtIn.parser,
      auth: { kind: "none" },
    };
  }
  const request: Request = {
    urls: feed.url && !builtIn ? [feed.url] : definition.urls,
    method: definition.method,
    body: definition.body,
    format: definition.format,
    parser: definition.parser,
    auth: definition.auth,
  };
  if (definition.auth.kind !== "none" && !deps.secrets[definition.auth.secret]) {
    request.secretMissing = secretVariables[definition.auth.secret] ?? definition.auth.secret;
  }
  return request;
}

function buildRequest(
  request: Request,
  url: string,
  deps: CollectDependencies,
  validators: { etag: string | null; lastModified: string | null } | null,
): { url: string; init: RequestInit } {
  const headers = new Headers({
    "user-agent": "ThreatFusion feed collector (+https://github.com/threatfusion)",
    accept: request.format === "taxii" ? "application/taxii+json;version=2.1" : "*/*",
  });
  const target = new URL(url);
  const auth = request.auth;
  const secret = auth.kind === "none" ? undefined : deps.secrets[auth.secret];
  if (secret !== undefined) {
    if (auth.kind === "header") headers.set(auth.header, secret);
    else if (auth.kind === "query") target.searchParams.set(auth.param, secret);
    else if (auth.kind === "basic") headers.set("authorization", `Basic ${btoa(secret)}`);
    else if (auth.kind === "bearer") headers.set("authorization", `Bearer ${secret}`);
  }
  if (validators?.etag) headers.set("if-none-match", validators.etag);
  if (validators?.lastModified) headers.set("if-modified-since", validators.lastModified);
  if (request.body !== undefined) headers.set("content-type", "application/json");
  return {
    url: target.toString(),
    init: {
      method: request.method,
      headers,
      redirect: "follow",
      signal: AbortSignal.timeout(deps.timeoutMs ?? 120_000),
      ...(request.body === undefined ? {} : { body: request.body }),
    },
  };
}

async function* counted(
  body: ReadableStream<Uint8Array>,
  counter: { bytes: number },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of iterateBytes(body)) {
    counter.bytes += chunk.byteLength;
    yield chunk;
  }
}

async function loadFeed(db: Database, runId: string, feedId: string): Promise<FeedRow | undefined> {
  const { rows } = await db.execute<FeedRow>(sql`
    select f.id, f.tenant_id, f.name, f.url, f.format, f.catalog_id, f.config,
           r.status as run_status, r.chunks_expected, r.started_at::text as started_at, s.etag, s.last_modified
    from feed_runs r join feeds f on f.id = r.feed_id
    left join feed_collector_state s on s.feed_id = f.id
    where r.id = ${runId} and f.id = ${feedId}`);
  return rows[0];
}

/**
 * Collects one claimed run of one feed. Safe to repeat for the same run (a redelivered message): a run that
 * is no longer running, or whose chunks were already announced, is skipped; chunks re-sent by a collector
 * that died half-way are recognised by the consumer's ledger.
 */
export async function collectFeed(
  deps: CollectDependencies,
  input: { runId: string; feedId: string },
): Promise<CollectResult> {
  const { db } = deps;
  const feed = await loadFeed(db, input.runId, input.feedId);
  if (!feed) return { status: "skipped", reason: "unknown run or feed" };
  if (feed.run_status !== "running" || feed.chunks_expected !== null) {
    return { status: "skipped", reason: "run already collected" };
  }
  const fail = async (reason: Parameters<typeof failRun>[2]["reason"], message: string, extra = {}) => {
    await failRun(db, input.runId, { reason, message, now: deps.now(), ...extra });
    deps.logger?.warn("feed run failed", { feedId: feed.id, runId: input.runId, reason, message });
    return { status: "failed", reason, message } as const;
  };

  let request: Request;
  try {
    request = resolveRequest(feed, deps);
  } catch (error) {
    return fail("configuration", error instanceof Error ? error.message : String(error));
  }
  if (request.secretMissing) {
    return fail(
      "auth",
      `${feed.name}: ${request.secretMissing} is not configured, so the feed cannot authenticate`,
    );
  }

  const observedAt = new Date(Date.parse(feed.started_at) || deps.now().getTime()).toISOString();
  const counter = { bytes: 0 };
  const totals: ParseStats = { units: 0, indicators: 0, rejected: 0, skipped: 0 };
  let chunk = 0;
  let httpStatus: number | null = null;
  let etag: string | null = null;
  let lastModified: string | null = null;
  // Validators only make sense for a single-URL feed (several URLs are one logical snapshot).
  const conditional =
    request.urls.length === 1 ? { etag: feed.etag, lastModified: feed.last_modified } : null;

  for (const url of request.urls) {
    const { url: target, init } = buildRequest(request, url, deps, conditional);
    let response: Response;
    try {
      response = await deps.fetch(target, init);
    } catch (error) {
      return fail(
        "network",
        `${feed.name}: fetch failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    httpStatus = response.status;
    if (response.status === 304 && conditional) {
      await response.body?.cancel();
      await declareRunChunks(db, input.runId, { chunks: 0, bytesFetched: 0, stats: totals, httpStatus });
      await finishRunIfComplete(db, input.runId, deps.now());
      return { status: "not-modified" };
    }
    const verdict = classifyFetchOutcome({
      status: response.status,
      headers: response.headers,
      feed: feed.name,
      now: deps.now(),
    });
    if (!verdict.ok) {
      await response.body?.cancel();
      return fail(verdict.reason, verdict.message, {
        httpStatus,
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    }
    if (!response.body)
      return fail("invalid-document", `${feed.name}: the answer had no body`, { httpStatus });
    etag = response.headers.get("etag");
    lastModified = response.headers.get("last-modified");
    let queueFailure: unknown;
    const sendOrMark = async (message: FeedChunkMessage) => {
      try {
        await deps.sendChunk(message);
      } catch (error) {
        queueFailure = error;
        throw error;
      }
    };
    try {
      const events = parseFeed(request.format, counted(response.body, counter), request.parser);
      for await (const batch of batchParsed(events, deps.batch)) {
        if (batch.stats) {
          totals.units += batch.stats.units;
          totals.indicators += batch.stats.indicators;
          totals.rejected += batch.stats.rejected;
          totals.skipped += batch.stats.skipped;
        }
        if (batch.indicators.length === 0 && batch.rejected.length === 0) continue;
        await sendOrMark({
          kind: "feed-chunk",
          runId: input.runId,
          feedId: feed.id,
          chunk,
          observedAt,
          indicators: batch.indicators.map((indicator) => ({
            ...indicator,
            context: indicator.context as Record<string, unknown>,
          })),
          rejected: batch.rejected,
        });
        chunk++;
      }
    } catch (error) {
      // The queue failing is not the feed's fault: rethrow, so the collect message is retried (the ledger
      // makes re-sent chunks no-ops). Anything else fails this run: a parser verdict, or the body breaking off.
      if (queueFailure !== undefined) throw error;
      const reason = feedFailureReason(error);
      const message = error instanceof Error ? error.message : String(error);
      return reason
        ? fail(reason, `${feed.name}: ${message}`, { httpStatus })
        : fail("network", `${feed.name}: the download broke off after ${counter.bytes} bytes: ${message}`, {
            httpStatus,
          });
    }
  }
  await declareRunChunks(db, input.runId, {
    chunks: chunk,
    bytesFetched: counter.bytes,
    stats: totals,
    httpStatus,
    etag: conditional ? etag : null,
    lastModified: conditional ? lastModified : null,
  });
  const finished = await finishRunIfComplete(db, input.runId, deps.now());
  return {
    status: "collected",
    chunks: chunk,
    stats: totals,
    bytes: counter.bytes,
    finished: finished !== null,
  };
}
