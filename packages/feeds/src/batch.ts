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
  /**
   * Called with each feed-level fact (`meta` event) as it passes, which batches do not carry (TAXII
   * `more`/`next`, OTX `next`): the collector keeps them for paging without a pass-through generator of its own.
   */
  onMeta?: (key: string, value: string | number | boolean) => void;
}

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  // Fast path for ASCII, which is nearly all feed data.
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) > 0x7f) return encoder.encode(text).byteLength;
  }
  return text.length;
}

/** UTF-8 bytes of `JSON.stringify(text)`: quotes, escapes (`\"`, `\\`, `\n`, `\u0001`, lone surrogates) and all. */
function jsonStringBytes(text: string): number {
  let bytes = text.length + 2;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x20 && code < 0x7f) {
      if (code === 0x22 || code === 0x5c) bytes++;
    } else if (code < 0x20) {
      // \b \t \n \f \r as two characters, the other controls as \u00XX.
      bytes += code === 8 || code === 9 || code === 10 || code === 12 || code === 13 ? 1 : 5;
    } else if (code === 0x7f) {
      // DEL is written as it is: one byte.
    } else if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = index + 1 < text.length ? text.charCodeAt(index + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A pair: 4 UTF-8 bytes for two UTF-16 units.
        bytes += 2;
        index++;
      } else bytes += 5; // a lone surrogate is escaped as \udXXX
    } else if (code >= 0xdc00 && code <= 0xdfff) bytes += 5;
    else bytes += 2;
  }
  return bytes;
}

/**
 * `utf8Length(JSON.stringify(indicator))` without making the text, for an indicator of plain fields (strings,
 * finite numbers, arrays of strings, an empty context: what list feeds yield); undefined for anything else,
 * which is measured by serializing it. The collector measured every indicator by serializing it (~0.5 µs each,
 * and a scan of the text), then the queue serialized it again.
 */
function plainIndicatorBytes(indicator: ParsedIndicator): number | undefined {
  let bytes = 2;
  let fields = 0;
  const record = indicator as unknown as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) return undefined;
    const value = record[key];
    let valueBytes: number;
    if (value === undefined) continue;
    if (typeof value === "string") valueBytes = jsonStringBytes(value);
    else if (typeof value === "number") {
      if (!Number.isFinite(value)) return undefined;
      valueBytes = String(value).length;
    } else if (Array.isArray(value)) {
      valueBytes = 2 + Math.max(0, value.length - 1);
      for (const item of value) {
        if (typeof item !== "string") return undefined;
        valueBytes += jsonStringBytes(item);
      }
    } else if (
      typeof value === "object" &&
      value !== null &&
      Object.getPrototypeOf(value) === Object.prototype
    ) {
      for (const _ in value) return undefined;
      valueBytes = 2;
    } else return undefined;
    bytes += jsonStringBytes(key) + 1 + valueBytes;
    fields++;
  }
  return bytes + Math.max(0, fields - 1);
}

/** UTF-8 bytes of `JSON.stringify(indicator)`, as a queue message carries it. */
export function indicatorBytes(indicator: ParsedIndicator): number {
  return plainIndicatorBytes(indicator) ?? utf8Length(JSON.stringify(indicator));
}

// `{"indicators":[],"rejected":[]}` plus one comma per element.
const envelopeBytes = 31;

/**
 * Groups parse events into batches cut on item count and on serialized size, so each batch fits one
 * Queue message. A single indicator larger than `maxBytes` is dropped into a rejected row rather than
 * producing an unsendable message. The last batch carries the parse stats (and may be empty). The events may
 * come one by one or in arrays (`parseFeedBatches`): the batches are the same.
 */
export async function* batchParsed(
  events: AsyncIterable<ParseEvent | readonly ParseEvent[]>,
  options: BatchOptions = {},
): AsyncGenerator<ParsedBatch> {
  const maxItems = options.maxItems ?? 500;
  const maxBytes = options.maxBytes ?? 120_000;
  const maxRejected = options.maxRejectedPerBatch ?? 20;
  let batch: ParsedBatch = { indicators: [], rejected: [], bytes: envelopeBytes };
  const fresh = (): ParsedBatch => ({ indicators: [], rejected: [], bytes: envelopeBytes });
  const onMeta = options.onMeta;
  // Batches completed by the events taken so far, yielded before the next events are read.
  const ready: ParsedBatch[] = [];
  let ended = false;
  const take = (event: ParseEvent): void => {
    if (event.kind === "meta") {
      onMeta?.(event.key, event.value);
      return;
    }
    if (event.kind === "end") {
      batch.stats = event.stats;
      ready.push(batch);
      ended = true;
      return;
    }
    if (event.kind === "indicator") {
      const size = indicatorBytes(event.indicator) + 1;
      if (size + envelopeBytes > maxBytes) {
        const row: RejectedRow = {
          line: event.indicator.line ?? 0,
          reason: "indicator too large for one message",
          raw: event.indicator.value.slice(0, 200),
        };
        batch.rejected.push(row);
        batch.bytes += utf8Length(JSON.stringify(row)) + 1;
        return;
      }
      if (batch.indicators.length >= maxItems || batch.bytes + size > maxBytes) {
        ready.push(batch);
        batch = fresh();
      }
      batch.indicators.push(event.indicator);
      batch.bytes += size;
    } else if (event.kind === "rejected" && batch.rejected.length < maxRejected) {
      const size = utf8Length(JSON.stringify(event.row)) + 1;
      if (batch.bytes + size > maxBytes) {
        ready.push(batch);
        batch = fresh();
      }
      batch.rejected.push(event.row);
      batch.bytes += size;
    }
  };
  for await (const item of events) {
    if (isEventArray(item)) {
      for (const event of item) {
        take(event);
        if (ended) break;
      }
    } else take(item);
    if (ready.length > 0) {
      const done = ready.splice(0);
      for (const completed of done) yield completed;
    }
    if (ended) return;
  }
  if (batch.indicators.length > 0 || batch.rejected.length > 0) yield batch;
}

function isEventArray(item: ParseEvent | readonly ParseEvent[]): item is readonly ParseEvent[] {
  return Array.isArray(item);
}
