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
