import { indicatorTypes } from "@threatfusion/ioc";
import { z } from "zod";

/**
 * The ingestion messages on the ingest queue. The Worker's queue schema (`apps/api/src/queue/messages.ts`)
 * includes these, so producers (cron, collector) and the consumer share one definition.
 */

const parsedIndicatorSchema = z.object({
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
