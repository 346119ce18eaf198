/**
 * The Worker side of the ingestion floor (`ingest-floor.ts`, issue 5): the per-row work no design of the
 * pipeline can skip, without the database. Bundled on its own and run in workerd (Miniflare) by the bench, which
 * reads workerd's CPU from /proc; the same function also runs in Node for comparison.
 *
 * Stages, each run includes the ones before it (the bench subtracts):
 *   read     stream the feed body (the collector's fetch)
 *   parse    + the text parser (`parseFeed`), every value canonicalized by the IOC engine, cut into
 *              messages of <= 120 KB (`batchParsed`, as the collector does)
 *   encode   + each message as the collector builds it, JSON-serialized (the queue's `contentType: "json"`)
 *   decode   + JSON-parsed back (the consumer's side of the queue)
 *   params   + the consumer's array parameters of the lean statement: an id per row (`newIds`) and the
 *              id, type, value, first-seen and last-seen arrays as PostgreSQL array literals
 *   validate + the consumer's message validation (zod, `feedChunkMessageSchema`): what the product does on
 *              top; printed apart, not part of the floor
 */
import { newIds } from "@threatfusion/core";
import { textArrayLiteral } from "@threatfusion/db";
import { type ByteSource, batchParsed, iterateBytes, parseFeed } from "@threatfusion/feeds";
import { type FeedChunkMessage, feedChunkMessageSchema } from "@threatfusion/services";

export const workerStages = ["read", "parse", "encode", "decode", "params", "validate"] as const;
export type WorkerStage = (typeof workerStages)[number];

export interface WorkerSideResult {
  bytes: number;
  indicators: number;
  messages: number;
  /** Largest serialized message (stage encode and later), to show they stay under 128 KB. */
  largestMessageBytes: number;
  /** Characters of array parameters built (stage params and later), so that no stage is optimized away. */
  parameterChars: number;
}

const observedAt = "2026-11-26T09:00:00.000Z";

/** Runs the Worker-side stages up to `stage` over a feed body of the bench's text format. */
export async function runWorkerSide(source: ByteSource, stage: WorkerStage): Promise<WorkerSideResult> {
  const upTo = workerStages.indexOf(stage);
  const result: WorkerSideResult = {
    bytes: 0,
    indicators: 0,
    messages: 0,
    largestMessageBytes: 0,
    parameterChars: 0,
  };
  if (upTo === 0) {
    for await (const chunk of iterateBytes(source)) result.bytes += chunk.byteLength;
    return result;
  }
  let chunk = 0;
  for await (const batch of batchParsed(parseFeed("text", source), { maxItems: 5_000 })) {
    if (batch.indicators.length === 0) continue;
    result.messages++;
    result.indicators += batch.indicators.length;
    if (upTo < 2) continue;
    // The collector's message (services collect.ts), serialized as the queue does for `contentType: "json"`.
    const message: FeedChunkMessage = {
      kind: "feed-chunk",
      runId: "run_bench",
      feedId: "feed_bench",
      chunk: chunk++,
      observedAt,
      indicators: batch.indicators.map((indicator) => ({
        ...indicator,
        context: indicator.context as Record<string, unknown>,
      })),
      rejected: batch.rejected,
    };
    const text = JSON.stringify(message);
    result.bytes += text.length;
    result.largestMessageBytes = Math.max(result.largestMessageBytes, text.length);
    if (upTo < 3) continue;
    const decoded = JSON.parse(text) as FeedChunkMessage;
    if (upTo < 4) continue;
    const received = upTo >= 5 ? feedChunkMessageSchema.parse(decoded) : decoded;
    result.parameterChars += leanParameters(received).reduce((sum, parameter) => sum + parameter.length, 0);
  }
  return result;
}

/**
 * The lean statement's per-row array parameters for one message (ids, types, values, first seen, last seen;
 * a row without dates is seen at the run's fetch time, as the consumer does). The source is one scalar.
 */
function leanParameters(message: FeedChunkMessage): string[] {
  const rows = message.indicators;
  const types = new Array<string>(rows.length);
  const values = new Array<string>(rows.length);
  const firstSeen = new Array<string>(rows.length);
  const lastSeen = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row === undefined) continue;
    types[i] = row.type;
    values[i] = row.value;
    firstSeen[i] = row.firstSeen ?? row.lastSeen ?? message.observedAt;
    lastSeen[i] = row.lastSeen ?? row.firstSeen ?? message.observedAt;
  }
  return [
    textArrayLiteral(newIds("indicator", rows.length)),
    textArrayLiteral(types),
    textArrayLiteral(values),
    textArrayLiteral(firstSeen),
    textArrayLiteral(lastSeen),
  ];
}

export default {
  async fetch(request: Request): Promise<Response> {
    const stage = new URL(request.url).searchParams.get("stage") ?? "";
    if (!(workerStages as readonly string[]).includes(stage) || request.body === null)
      return new Response("POST a feed body to ?stage=<read|parse|encode|decode|params|validate>", {
        status: 400,
      });
    const result = await runWorkerSide(request.body, stage as WorkerStage);
    return Response.json(result);
  },
};
