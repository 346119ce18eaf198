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
  firstIncrementalUrl,
  type IncrementalKind,
  iterateBytes,
  mispEventsChangedSince,
  mispEventUrl,
  nextPageUrl,
  type ParseStats,
  type ProviderBudget,
  parseFeedBatches,
  parseFeedDefinition,
  parseMispManifest,
  providerBudget,
  providerKey,
  taxiiDateAddedRange,
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
  /** The request budget of a provider key; default the catalog's (`providerBudget`). Test seam. */
  budgetOf?: (provider: string) => ProviderBudget;
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
  cursor: string | null;
  last_fetch_at: string | null;
}

interface Request {
  urls: string[];
  method: "GET" | "POST";
  body?: string | undefined;
  format: FeedFormat;
  parser: FeedDefinition["parser"];
  auth: FeedDefinition["auth"];
  incremental: IncrementalKind;
  /** The catalog provider; undefined for a plain feed (budgeted by host). */
  provider?: string | undefined;
  /** The source's shortest interval between fetches (the definition's cadence); none for a plain feed. */
  minIntervalSeconds?: number | undefined;
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
    return {
      urls: [feed.url],
      method: "GET",
      format: feed.format,
      parser: {},
      auth: { kind: "none" },
      incremental: "snapshot",
    };
  }
  if (builtIn && deps.mirrorUrl) {
    const mirror = deps.mirrorUrl.replace(/\/$/, "");
    return {
      urls: builtIn.urls.map((_, index) => `${mirror}/feeds/${builtIn.id}/${index}`),
      method: "GET",
      format: builtIn.format,
      parser: builtIn.parser,
      auth: { kind: "none" },
      incremental: builtIn.incremental.kind,
      provider: builtIn.provider,
      minIntervalSeconds: builtIn.cadenceSeconds,
    };
  }
  const request: Request = {
    urls: feed.url && !builtIn ? [feed.url] : definition.urls,
    method: definition.method,
    body: definition.body,
    format: definition.format,
    parser: definition.parser,
    auth: definition.auth,
    incremental: definition.incremental.kind,
    provider: definition.provider,
    minIntervalSeconds: definition.cadenceSeconds,
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

const maxManifestBytes = 64 * 1024 * 1024;

/** Reads a whole (small) document, refusing one larger than `limit` bytes. */
async function readBounded(
  body: ReadableStream<Uint8Array>,
  counter: { bytes: number },
  limit: number,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for await (const chunk of counted(body, counter)) {
    bytes += chunk.byteLength;
    if (bytes > limit) throw new Error(`larger than ${limit} bytes`);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * Counts one request against the provider's budget (shared by all its feeds, in the database so that
 * parallel collectors agree). Returns undefined when allowed, else the seconds until a request may be made.
 */
async function takeProviderRequest(
  db: Database,
  provider: string,
  budget: ProviderBudget,
  now: Date,
): Promise<number | undefined> {
  const at = now.toISOString();
  const { rows } = await db.execute<{ provider: string }>(sql`
    insert into feed_provider_budgets as b (provider, window_started_at, requests)
    values (${provider}, ${at}::timestamptz, 1)
    on conflict (provider) do update set
      window_started_at = case when b.window_started_at + make_interval(secs => ${budget.windowSeconds}) <= ${at}::timestamptz
                               then ${at}::timestamptz else b.window_started_at end,
      requests = case when b.window_started_at + make_interval(secs => ${budget.windowSeconds}) <= ${at}::timestamptz
                      then 1 else b.requests + 1 end,
      updated_at = now()
    where (b.blocked_until is null or b.blocked_until <= ${at}::timestamptz)
      and (b.window_started_at + make_interval(secs => ${budget.windowSeconds}) <= ${at}::timestamptz
           or b.requests < ${budget.requests})
    returning b.provider`);
  if (rows.length > 0) return undefined;
  const { rows: state } = await db.execute<{ wait: number }>(sql`
    select ceil(extract(epoch from greatest(
      coalesce(blocked_until, ${at}::timestamptz),
      case when requests >= ${budget.requests}
           then window_started_at + make_interval(secs => ${budget.windowSeconds}) else ${at}::timestamptz end
    ) - ${at}::timestamptz))::int as wait
    from feed_provider_budgets where provider = ${provider}`);
  return Math.max(1, state[0]?.wait ?? 1);
}

/** A 429 from the provider: no feed of it is fetched before Retry-After. */
async function blockProvider(db: Database, provider: string, now: Date, seconds: number): Promise<void> {
  await db.execute(sql`
    update feed_provider_budgets set
      blocked_until = greatest(coalesce(blocked_until, ${now.toISOString()}::timestamptz),
                               ${now.toISOString()}::timestamptz + make_interval(secs => ${seconds})),
      updated_at = now()
    where provider = ${provider}`);
}

async function recordFetch(db: Database, feedId: string, now: Date): Promise<void> {
  await db.execute(sql`
    update feed_collector_state set last_fetch_at = ${now.toISOString()}::timestamptz, updated_at = now()
    where feed_id = ${feedId}`);
}

async function loadFeed(db: Database, runId: string, feedId: string): Promise<FeedRow | undefined> {
  const { rows } = await db.execute<FeedRow>(sql`
    select f.id, f.tenant_id, f.name, f.url, f.format, f.catalog_id, f.config,
           r.status as run_status, r.chunks_expected, r.started_at::text as started_at, s.etag, s.last_modified, s.cursor,
           s.last_fetch_at::text as last_fetch_at
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

  // The source's minimum interval holds even for an admin's "collect now".
  const lastFetch = feed.last_fetch_at === null ? Number.NaN : Date.parse(feed.last_fetch_at);
  if (request.minIntervalSeconds !== undefined && !Number.isNaN(lastFetch)) {
    const waitSeconds = Math.ceil(
      (lastFetch + request.minIntervalSeconds * 1000 - deps.now().getTime()) / 1000,
    );
    if (waitSeconds > 0) {
      return fail(
        "rate-limited",
        `${feed.name}: fetched ${Math.round(request.minIntervalSeconds - waitSeconds)} s ago; the source allows one fetch every ${request.minIntervalSeconds} s`,
        { retryAfterSeconds: waitSeconds },
      );
    }
  }

  const observedAt = new Date(Date.parse(feed.started_at) || deps.now().getTime()).toISOString();
  const counter = { bytes: 0 };
  const totals: ParseStats = { units: 0, indicators: 0, rejected: 0, skipped: 0 };
  let chunk = 0;
  let httpStatus: number | null = null;
  let etag: string | null = null;
  let lastModified: string | null = null;
  const incremental = request.incremental;
  // Validators only make sense for a single-URL snapshot (several URLs are one logical snapshot) and for a
  // MISP manifest; incremental queries change with the cursor.
  const conditional =
    (incremental === "snapshot" && request.urls.length === 1) || incremental === "misp-manifest"
      ? { etag: feed.etag, lastModified: feed.last_modified }
      : null;
  // The cursor the next run starts from; stored with the run and copied to the feed only when it succeeds.
  let nextCursor: string | null = null;
  if (incremental === "otx-modified-since") nextCursor = observedAt;
  const targets =
    incremental === "snapshot"
      ? [...request.urls]
      : request.urls.slice(0, 1).map((url) => firstIncrementalUrl(url, incremental, feed.cursor));
  // Paging is bounded: a server that always answers `more` must not keep a collector busy forever.
  const maxRequests = 1_000;

  for (let index = 0; index < targets.length && index < maxRequests; index++) {
    const url = targets[index] ?? "";
    const first = index === 0;
    const { url: target, init } = buildRequest(request, url, deps, first ? conditional : null);
    const provider = providerKey(request.provider, target);
    const denied = await takeProviderRequest(
      db,
      provider,
      (deps.budgetOf ?? providerBudget)(provider),
      deps.now(),
    );
    if (denied !== undefined) {
      return fail(
        "rate-limited",
        `${feed.name}: the request budget of ${provider} is used up; next request in ${denied} s`,
        { retryAfterSeconds: denied },
      );
    }
    if (first) await recordFetch(db, feed.id, deps.now());
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
    if (response.status === 304 && first && conditional) {
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
      // A 429 speaks for the provider, not just this endpoint: every feed of it waits.
      if (verdict.reason === "rate-limited") {
        await blockProvider(db, provider, deps.now(), verdict.retryAfterSeconds ?? 60);
      }
      return fail(verdict.reason, verdict.message, {
        httpStatus,
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    }
    if (!response.body)
      return fail("invalid-document", `${feed.name}: the answer had no body`, { httpStatus });
    if (first) {
      etag = response.headers.get("etag");
      lastModified = response.headers.get("last-modified");
    }
    if (incremental === "misp-manifest" && first) {
      // The manifest lists every event with its last-change time: fetch only those changed since the cursor.
      let refs: ReturnType<typeof parseMispManifest>;
      try {
        refs = parseMispManifest(JSON.parse(await readBounded(response.body, counter, maxManifestBytes)));
      } catch (error) {
        return fail(
          "invalid-document",
          `${feed.name}: manifest.json is not readable: ${error instanceof Error ? error.message : String(error)}`,
          { httpStatus },
        );
      }
      const since = Number(feed.cursor ?? "0") || 0;
      for (const ref of mispEventsChangedSince(refs, since)) targets.push(mispEventUrl(url, ref.uuid));
      nextCursor = String(refs.reduce((latest, ref) => Math.max(latest, ref.timestamp), since));
      continue;
    }
    let queueFailure: unknown;
    const sendOrMark = async (message: FeedChunkMessage) => {
      try {
        await deps.sendChunk(message);
      } catch (error) {
        queueFailure = error;
        throw error;
      }
    };
    const meta = new Map<string, string | number | boolean>();
    try {
      // In arrays: a text list's events come one array per decoded chunk (no async step per line).
      const events = parseFeedBatches(request.format, counted(response.body, counter), request.parser);
      // Feed-level facts (TAXII `more`/`next`, OTX `next`) are kept for paging as they pass.
      const batches = batchParsed(events, { ...deps.batch, onMeta: (key, value) => meta.set(key, value) });
      for await (const batch of batches) {
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
          // The parser's own objects (no copy per row): the queue serializes them, nothing changes them.
          indicators: batch.indicators as FeedChunkMessage["indicators"],
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
    if (incremental === "taxii-added-after") {
      const added = taxiiDateAddedRange(response.headers);
      if (added.last) nextCursor = added.last;
    }
    const next = nextPageUrl(url, incremental, meta);
    if (next !== undefined) targets.push(next);
  }
  await declareRunChunks(db, input.runId, {
    chunks: chunk,
    bytesFetched: counter.bytes,
    stats: totals,
    httpStatus,
    etag: conditional ? etag : null,
    lastModified: conditional ? lastModified : null,
    cursor: nextCursor,
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
