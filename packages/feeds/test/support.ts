// Test helpers (Node only: reads fixtures from disk), kept outside src/ so the pure package never imports them.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type FeedFormat, type ParseFeedOptions, parseFeed } from "../src/parse-feed.ts";
import type { ParsedIndicator, ParseEvent, ParseStats, RejectedRow } from "../src/types.ts";

export const fixturesDir = fileURLToPath(new URL("../fixtures/", import.meta.url));

export async function fixture(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(`${fixturesDir}${path}`));
}

/** Feeds bytes in small chunks so that every parser sees values split across chunk boundaries. */
export async function* chunked(bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}

export function bytesOf(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

export interface Collected {
  indicators: ParsedIndicator[];
  rejected: RejectedRow[];
  skipped: Array<{ line: number; reason: string }>;
  meta: Record<string, string | number | boolean>;
  objects: Array<Record<string, unknown>>;
  stats: ParseStats | undefined;
}

export async function collect(events: AsyncIterable<ParseEvent>): Promise<Collected> {
  const out: Collected = {
    indicators: [],
    rejected: [],
    skipped: [],
    meta: {},
    objects: [],
    stats: undefined,
  };
  for await (const event of events) {
    if (event.kind === "indicator") out.indicators.push(event.indicator);
    else if (event.kind === "rejected") out.rejected.push(event.row);
    else if (event.kind === "skipped") out.skipped.push({ line: event.line, reason: event.reason });
    else if (event.kind === "meta") out.meta[event.key] = event.value;
    else if (event.kind === "stix-object") out.objects.push(event.object);
    else out.stats = event.stats;
  }
  return out;
}

/** Parses a fixture in 7-byte chunks and collects everything. */
export async function parseFixture(
  format: FeedFormat,
  path: string,
  options: ParseFeedOptions = {},
): Promise<Collected> {
  return collect(parseFeed(format, chunked(await fixture(path), 7), options));
}

export async function parseText(
  format: FeedFormat,
  text: string,
  options: ParseFeedOptions = {},
): Promise<Collected> {
  return collect(parseFeed(format, chunked(bytesOf(text), 5), options));
}
