import type { ParsedIndicator, ParseEvent, ParseStats, RejectedRow } from "./types.ts";

/** A group of parse results small enough for one queue message. */
export interface ParsedBatch {
  indicators: ParsedIndicator[];
  rejected: RejectedRow[];
  /** UTF-8 size of `JSON.stringify({ indicators, rejected })`, which is what a queue message carries. */
  bytes: number;
  /** Set on the last batch: the parse totals. */
  stats?: ParseStats;
}

export interface BatchOptions {
  /** Most indicators per batch. Default 500. */
  maxItems?: number;
  /** Most serialized bytes per batch. Default 120 000, under the 128 KB Queue message cap with room for an envelope. */
  maxBytes?: number;
  /** Rejected rows kept per batch (all are counted in stats). Default 20. */
  maxRejectedPerBatch?: number;
}

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  // Fast path for ASCII, which is nearly all feed data.
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) > 0x7f) return encoder.encode(text).byteLength;
  }
  return text.length;
}

// `{"indicators":[],"rejected":[]}` plus one comma per element.
const envelopeBytes = 31;

/**
 * Groups parse events into batches cut on item count and on serialized size, so each batch fits one
 * Queue message. A single indicator larger than `maxBytes` is dropped into a rejected row rather than
 * producing an unsendable message. The last batch carries the parse stats (and may be empty).
 */
export async function* batchParsed(
  events: AsyncIterable<ParseEvent>,
  options: BatchOptions = {},
): AsyncGenerator<ParsedBatch> {
  const maxItems = options.maxItems ?? 500;
  const maxBytes = options.maxBytes ?? 120_000;
  const maxRejected = options.maxRejectedPerBatch ?? 20;
  let batch: ParsedBatch = { indicators: [], rejected: [], bytes: envelopeBytes };
  const fresh = (): ParsedBatch => ({ indicators: [], rejected: [], bytes: envelopeBytes });

  for await (const event of events) {
    if (event.kind === "end") {
      batch.stats = event.stats;
      yield batch;
      return;
    }
    if (event.kind === "indicator") {
      const size = utf8Length(JSON.stringify(event.indicator)) + 1;
      if (size + envelopeBytes > maxBytes) {
        const row: RejectedRow = {
          line: event.indicator.line ?? 0,
          reason: "indicator too large for one message",
          raw: event.indicator.value.slice(0, 200),
        };
        batch.rejected.push(row);
        batch.bytes += utf8Length(JSON.stringify(row)) + 1;
        continue;
      }
      if (batch.indicators.length >= maxItems || batch.bytes + size > maxBytes) {
        yield batch;
        batch = fresh();
      }
      batch.indicators.push(event.indicator);
      batch.bytes += size;
    } else if (event.kind === "rejected" && batch.rejected.length < maxRejected) {
      const size = utf8Length(JSON.stringify(event.row)) + 1;
      if (batch.bytes + size > maxBytes) {
        yield batch;
        batch = fresh();
      }
      batch.rejected.push(event.row);
      batch.bytes += size;
    }
  }
  if (batch.indicators.length > 0 || batch.rejected.length > 0) yield batch;
}
