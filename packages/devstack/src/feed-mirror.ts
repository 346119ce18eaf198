/**
 * The offline demo mirror: a loopback HTTP server that serves the committed real-format feed samples
 * (`packages/devstack/feed-samples/`, see its SOURCES.md) under `/feeds/{catalogId}/{urlIndex}`, the path the
 * collector uses when `FEED_MIRROR_URL` is set. It answers like a feed server: ETag and Last-Modified, 304 to a
 * conditional GET, 404 for what it does not hold. `pnpm dev` starts it and passes its URL to the Worker.
 *
 * The samples carry the dates of the day they were captured, so dated feeds would decay out of the demo as
 * time passes. The mirror therefore shifts every timestamp of a served file by one offset that makes its
 * newest timestamp "now" (rounded down to `shiftStepMs`, so the body and its ETag stay stable for a while
 * and a conditional GET can still answer 304), keeping each layout and the spacing between rows.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { blocklistDeLists } from "@threatfusion/feeds";

const samplesDir = join(import.meta.dirname, "..", "feed-samples");

/** Catalog id -> the sample served for each of its URLs. */
export const mirroredFeeds: Readonly<Record<string, readonly string[]>> = {
  "abusech-urlhaus": ["urlhaus_recent.csv"],
  "abusech-threatfox": ["threatfox_api.json"],
  "abusech-feodo": ["feodo_ipblocklist.json"],
  "abusech-malwarebazaar": ["malwarebazaar_md5_recent.txt"],
  "abusech-sslbl": ["sslblacklist.csv"],
  "cisa-kev": ["kev-recent-150.json"],
  "spamhaus-drop": ["spamhaus_drop_v4.json", "spamhaus_drop_v6.json"],
  "spamhaus-asn-drop": ["spamhaus_asndrop.json"],
  "otx-subscribed": ["otx_pulses_subscribed.json"],
  "tor-exit-nodes": ["tor_exit_addresses.txt"],
  "openphish-community": ["openphish_feed.txt"],
  "et-compromised-ips": ["et_compromised_ips.txt"],
  "firehol-level1": ["firehol_level1.netset"],
  "firehol-level2": ["firehol_level1.netset"],
  ...Object.fromEntries(blocklistDeLists.map((list) => [`blocklist-de-${list}`, ["blocklist_de_all.txt"]])),
};

/** How far back the newest shifted timestamp may lie; also how long a served body stays byte-identical. */
export const shiftStepMs = 10 * 60 * 1000;

// Each layout found in the samples, only where it stands alone (start of line, after a quote, comma or space),
// so a date inside a URL path or a hash is never touched:
//   2026-08-22T09:47:08(.000000)(Z)   2026-08-22 09:52:05( UTC)   2026-08-22   Sat, 22 Aug 2026 13:35:34 GMT
//   "timestamp":1787400000 (epoch seconds in a *timestamp field, Spamhaus/MISP style)
const standAlone = String.raw`(?<=^|[\s",])`;
const timestampPattern = new RegExp(
  [
    String.raw`${standAlone}(?<datetime>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(?=[.Z+\-\s",]|$)`,
    String.raw`${standAlone}(?<date>\d{4}-\d{2}-\d{2})(?=[\s",]|$)`,
    String.raw`${standAlone}(?<http>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)`,
    String.raw`(?<epochKey>"\w*timestamp"\s*:\s*"?)(?<epoch>\d{10})(?=["\s,}]|$)`,
  ].join("|"),
  "gm",
);
// Deadlines lie after the row they belong to (KEV's dueDate); they move with the rest but do not set "newest".
const futureFields = /"(?:dueDate)"\s*:\s*"$/;

interface FoundTimestamp {
  ms: number;
  format: (shiftedMs: number) => string;
}

function readTimestamp(groups: Record<string, string | undefined>): FoundTimestamp {
  if (groups.datetime !== undefined) {
    const text = groups.datetime;
    const separator = text.charAt(10);
    return {
      ms: Date.parse(`${text.slice(0, 10)}T${text.slice(11)}Z`),
      format: (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", separator),
    };
  }
  if (groups.date !== undefined) {
    return {
      ms: Date.parse(`${groups.date}T00:00:00Z`),
      format: (ms: number) => new Date(ms).toISOString().slice(0, 10),
    };
  }
  if (groups.http !== undefined) {
    return { ms: Date.parse(groups.http), format: (ms: number) => new Date(ms).toUTCString() };
  }
  const prefix = groups.epochKey ?? "";
  return {
    ms: Number(groups.epoch) * 1000,
    format: (ms: number) => `${prefix}${Math.floor(ms / 1000)}`,
  };
}

/**
 * Shifts every timestamp in a sample by one offset so that its newest one lies within `step` before `now`.
 * Returns the text unchanged when it holds no timestamp.
 *
 * @example
 * shiftSampleDates('"2026-08-22 13:35:34 UTC"', new Date("2026-08-23T13:40:00Z")).text
 * // '"2026-08-23 13:35:34 UTC"' (moved by whole 10-minute steps: one day here)
 */
export function shiftSampleDates(
  text: string,
  now: Date,
  step: number = shiftStepMs,
): { text: string; offsetMs: number; newestMs: number | null } {
  let newest = Number.NEGATIVE_INFINITY;
  for (const match of text.matchAll(timestampPattern)) {
    const found = readTimestamp(match.groups ?? {});
    if (Number.isNaN(found.ms)) continue;
    if (futureFields.test(text.slice(Math.max(0, match.index - 40), match.index))) continue;
    newest = Math.max(newest, found.ms);
  }
  if (!Number.isFinite(newest)) return { text, offsetMs: 0, newestMs: null };
  const offsetMs = Math.floor((now.getTime() - newest) / step) * step;
  const shifted = text.replace(timestampPattern, (...args: unknown[]) => {
    const whole = String(args[0]);
    // With named groups, replace() passes the groups object last.
    const groups = args.at(-1) as Record<string, string | undefined>;
    const found = readTimestamp(groups);
    return Number.isNaN(found.ms) ? whole : found.format(found.ms + offsetMs);
  });
  return { text: shifted, offsetMs, newestMs: newest + offsetMs };
}

export interface FeedMirror {
  /** Base URL to pass as FEED_MIRROR_URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Requests served so far, by status. */
  served: Record<number, number>;
  close(): Promise<void>;
}

function contentType(file: string): string {
  if (file.endsWith(".json")) return "application/json";
  if (file.endsWith(".csv")) return "text/csv; charset=utf-8";
  return "text/plain; charset=utf-8";
}

/** Starts the mirror on loopback (an ephemeral port unless given). */
export async function startFeedMirror(
  options: { port?: number; samples?: string; now?: () => Date } = {},
): Promise<FeedMirror> {
  const directory = options.samples ?? samplesDir;
  const now = options.now ?? (() => new Date());
  const served: Record<number, number> = {};
  const answer = (status: number) => {
    served[status] = (served[status] ?? 0) + 1;
    return status;
  };
  const server: Server = createServer((request, response) => {
    const match = /^\/feeds\/([a-z0-9-]+)\/(\d+)$/.exec((request.url ?? "").split("?")[0] ?? "");
    const file = match ? mirroredFeeds[match[1] ?? ""]?.[Number(match[2])] : undefined;
    if (!file) {
      response.writeHead(answer(404), { "content-type": "text/plain" }).end("not mirrored\n");
      return;
    }
    const path = join(directory, file);
    const shifted = shiftSampleDates(readFileSync(path, "utf8"), now());
    const body = Buffer.from(shifted.text, "utf8");
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
    const lastModified = new Date(shifted.newestMs ?? statSync(path).mtime.getTime()).toUTCString();
    if (request.headers["if-none-match"] === etag) {
      response.writeHead(answer(304), { etag, "last-modified": lastModified }).end();
      return;
    }
    response
      .writeHead(answer(200), { "content-type": contentType(file), etag, "last-modified": lastModified })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
