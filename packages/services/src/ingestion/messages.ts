import { indicatorTypes } from "@threatfusion/ioc";
import { z } from "zod";

/**
 * The ingestion messages on the ingest queue. The Worker's queue schema (`apps/api/src/queue/messages.ts`)
 * includes these, so producers (cron, collector) and the consumer share one definition.
 */

export const parsedIndicatorSchema = z.object({
  type: z.enum(indicatorTypes),
  // Longer values are refused by the bulk path; the row becomes a rejected row with its line number.
  value: z.string().min(1).max(65_536),
  firstSeen: z.string().max(64).optional(),
  lastSeen: z.string().max(64).optional(),
  confidence: z.number().min(0).max(100).optional(),
  tags: z.array(z.string().max(200)).max(100),
  context: z.record(z.string(), z.unknown()),
  line: z.number().int().min(0).optional(),
});

const rejectedRowSchema = z.object({
  line: z.number().int().min(0),
  reason: z.string().max(1000),
  raw: z.string().max(1000),
});

/** "Collect feed X for run R": the cron enqueues it for each due feed; the consumer runs the collector. */
export const collectFeedMessageSchema = z.object({
  kind: z.literal("collect-feed"),
  feedId: z.string().min(1).max(64),
  runId: z.string().min(1).max(64),
});

/** "Parse the stored upload of import run R": the API enqueues it once the upload is stored. */
export const importFileMessageSchema = z.object({
  kind: z.literal("import-file"),
  runId: z.string().min(1).max(64),
});

/**
 * One chunk of a feed run: normalized indicators and a few rejected rows, under 128 KB serialized.
 * Idempotency key: `${runId}:${chunk}`.
 */
export const feedChunkMessageSchema = z.object({
  kind: z.literal("feed-chunk"),
  runId: z.string().min(1).max(64),
  feedId: z.string().min(1).max(64),
  chunk: z.number().int().min(0),
  /** When the collector fetched the feed: the seen-time of indicators that carry none (replays stay identical). */
  observedAt: z.iso.datetime(),
  indicators: z.array(parsedIndicatorSchema).max(5_000),
  rejected: z.array(rejectedRowSchema).max(500),
});

export type CollectFeedMessage = z.infer<typeof collectFeedMessageSchema>;
export type ImportFileMessage = z.infer<typeof importFileMessageSchema>;
export type FeedChunkMessage = z.infer<typeof feedChunkMessageSchema>;
export type ChunkIndicator = FeedChunkMessage["indicators"][number];

/** A feed chunk's envelope as `feedChunkMessageSchema` checks it, its indicators left for `isChunkIndicator`. */
const feedChunkEnvelopeSchema = feedChunkMessageSchema.extend({
  indicators: z.array(z.unknown()).max(5_000),
});

const indicatorTypeSet: ReadonlySet<string> = new Set(indicatorTypes);

function isShortOptionalText(value: unknown): boolean {
  return value === undefined || (typeof value === "string" && value.length <= 64);
}

/**
 * Whether a queued indicator passes `parsedIndicatorSchema` (a test holds the two to the same answers, field by
 * field). The consumer checks each of a chunk's ~1,500 indicators with this instead of zod: in workerd zod runs
 * without its compiled fast path (no `new Function`) and copies every object, tags array and context it checks,
 * ~11 % of the isolate's samples in `bench:ingest` (session 10). Unlike zod, unknown keys stay on the object
 * (nothing reads them).
 */
export function isChunkIndicator(value: unknown): value is ChunkIndicator {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const row = value as Record<string, unknown>;
  const text = row.value;
  const confidence = row.confidence;
  const tags = row.tags;
  const context = row.context;
  const line = row.line;
  if (typeof row.type !== "string" || !indicatorTypeSet.has(row.type)) return false;
  if (typeof text !== "string" || text.length < 1 || text.length > 65_536) return false;
  if (!isShortOptionalText(row.firstSeen) || !isShortOptionalText(row.lastSeen)) return false;
  if (
    confidence !== undefined &&
    !(typeof confidence === "number" && Number.isFinite(confidence) && confidence >= 0 && confidence <= 100)
  )
    return false;
  if (!Array.isArray(tags) || tags.length > 100) return false;
  for (const tag of tags) if (typeof tag !== "string" || tag.length > 200) return false;
  if (typeof context !== "object" || context === null || Array.isArray(context)) return false;
  if (Object.getPrototypeOf(context) !== Object.prototype && Object.getPrototypeOf(context) !== null)
    return false;
  return line === undefined || (Number.isSafeInteger(line) && (line as number) >= 0);
}

/**
 * A `feed-chunk` queue message checked as `feedChunkMessageSchema` would (the envelope by zod, the indicators by
 * `isChunkIndicator`), or undefined when it is not one.
 */
export function parseFeedChunkMessage(body: unknown): FeedChunkMessage | undefined {
  const envelope = feedChunkEnvelopeSchema.safeParse(body);
  if (!envelope.success) return undefined;
  const indicators = envelope.data.indicators;
  for (const indicator of indicators) if (!isChunkIndicator(indicator)) return undefined;
  return { ...envelope.data, indicators: indicators as ChunkIndicator[] };
}
