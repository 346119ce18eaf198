/**
 * Request builders for the incremental feeds: TAXII 2.1 collections (cursor on date added) and OTX
 * subscribed pulses (cursor on modification time). Pure: the collector does the fetching.
 */

/** The Accept header a TAXII 2.1 server requires. */
export const taxiiAccept = "application/taxii+json;version=2.1";

export interface TaxiiPage {
  /** `added_after` from the previous run's `X-TAXII-Date-Added-Last`. */
  addedAfter?: string;
  /** `next` from the previous page's envelope, while `more` is true. */
  next?: string;
  limit?: number;
}

/** `GET {apiRoot}/collections/{id}/objects/?added_after=…&next=…&limit=…` */
export function taxiiObjectsUrl(apiRoot: string, collectionId: string, page: TaxiiPage = {}): string {
  const root = apiRoot.endsWith("/") ? apiRoot : `${apiRoot}/`;
  const url = new URL(`collections/${encodeURIComponent(collectionId)}/objects/`, root);
  if (page.addedAfter) url.searchParams.set("added_after", page.addedAfter);
  if (page.next) url.searchParams.set("next", page.next);
  if (page.limit) url.searchParams.set("limit", String(page.limit));
  return url.toString();
}

/** The date-added range a TAXII 2.1 server reports for the page it sent; `last` is the next cursor. */
export function taxiiDateAddedRange(headers: Headers): { first?: string; last?: string } {
  const first = headers.get("X-TAXII-Date-Added-First") ?? undefined;
  const last = headers.get("X-TAXII-Date-Added-Last") ?? undefined;
  return { ...(first ? { first } : {}), ...(last ? { last } : {}) };
}

/** `GET /api/v1/pulses/subscribed?modified_since=…&limit=…&page=…` on OTX. */
export function otxSubscribedUrl(
  options: { modifiedSince?: string; page?: number; limit?: number } = {},
): string {
  const url = new URL("https://otx.alienvault.com/api/v1/pulses/subscribed");
  if (options.modifiedSince) url.searchParams.set("modified_since", options.modifiedSince);
  url.searchParams.set("limit", String(options.limit ?? 50));
  if (options.page && options.page > 1) url.searchParams.set("page", String(options.page));
  return url.toString();
}

/** How a run resumes (the catalog's `incremental.kind`). */
export type IncrementalKind = "taxii-added-after" | "otx-modified-since" | "misp-manifest" | "snapshot";

/**
 * The first URL of an incremental run from the stored cursor (the last successful run's): TAXII gets
 * `added_after`, OTX `modified_since`. MISP starts at the manifest (the cursor filters its events) and a
 * snapshot feed at its URL as it is.
 */
export function firstIncrementalUrl(url: string, kind: IncrementalKind, cursor: string | null): string {
  if (!cursor) return url;
  const target = new URL(url);
  if (kind === "taxii-added-after") target.searchParams.set("added_after", cursor);
  else if (kind === "otx-modified-since") target.searchParams.set("modified_since", cursor);
  else return url;
  return target.toString();
}

/**
 * The next page of the same run, or undefined when the answer was the last page. TAXII pages while the
 * envelope says `more` (same URL with `next`); OTX follows its `next` link. A link to another origin is
 * not followed: a feed must not steer the collector to other hosts.
 */
export function nextPageUrl(
  url: string,
  kind: IncrementalKind,
  meta: ReadonlyMap<string, string | number | boolean>,
): string | undefined {
  const next = meta.get("next");
  if (kind === "taxii-added-after") {
    if (meta.get("more") !== true || typeof next !== "string" || next.length === 0) return undefined;
    const target = new URL(url);
    target.searchParams.set("next", next);
    return target.toString();
  }
  if (kind === "otx-modified-since" && typeof next === "string" && next.length > 0) {
    try {
      const target = new URL(next, url);
      return target.origin === new URL(url).origin && target.toString() !== url
        ? target.toString()
        : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
