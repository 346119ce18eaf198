import { ifNoneMatchHits } from "@threatfusion/exports";
import type { AppContext } from "../app.ts";

const encoder = new TextEncoder();

/** A weak ETag over a JSON body (SHA-256, base64url): equal bodies, equal tags. */
export async function jsonEtag(body: unknown): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(JSON.stringify(body))));
  let binary = "";
  for (const byte of digest.subarray(0, 18)) binary += String.fromCharCode(byte);
  return `W/"${btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}"`;
}

/**
 * Answers a read with an ETag, or 304 Not Modified when the client's `If-None-Match` names the same body
 * (RFC 9110 weak comparison). Every REST read goes through it.
 */
export async function jsonWithEtag<T>(c: AppContext, body: T): Promise<Response> {
  const etag = await jsonEtag(body);
  if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) {
    return new Response(null, { status: 304, headers: { etag, "x-request-id": c.get("requestId") } });
  }
  c.header("etag", etag);
  c.header("cache-control", "private, no-cache");
  return c.json(body as object, 200);
}
