/**
 * The offline demo mirror: a loopback HTTP server that serves the committed real-format feed samples
 * (`packages/devstack/feed-samples/`, see its SOURCES.md) under `/feeds/{catalogId}/{urlIndex}`, the path the
 * collector uses when `FEED_MIRROR_URL` is set. It answers like a feed server: ETag and Last-Modified, 304 to a
 * conditional GET, 404 for what it does not hold. `pnpm dev` starts it and passes its URL to the Worker.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

const samplesDir = join(import.meta.dirname, "..", "feed-samples");

const blocklistDeLists = [
  "all",
  "ssh",
  "mail",
  "apache",
  "imap",
  "ftp",
  "sip",
  "bots",
  "strongips",
  "bruteforcelogin",
];

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
  options: { port?: number; samples?: string } = {},
): Promise<FeedMirror> {
  const directory = options.samples ?? samplesDir;
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
    const body = readFileSync(path);
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
    const lastModified = statSync(path).mtime.toUTCString();
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
