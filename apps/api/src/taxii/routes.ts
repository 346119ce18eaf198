import { AppError } from "@threatfusion/core";
import { parseTaxiiFilter, taxiiDateAddedHeaders, taxiiMediaType } from "@threatfusion/exports";
import {
  addTaxiiObjects,
  decodeKeysetCursor,
  encodeKeysetCursor,
  getTaxiiCollection,
  getTaxiiManifest,
  getTaxiiObjects,
  getTaxiiObjectVersions,
  getTaxiiStatus,
  type KeysetCursor,
  listTaxiiCollections,
  type ServiceContext,
  type TaxiiPage,
  taxiiMaxContentLength,
} from "@threatfusion/services";
import type { App, AppContext } from "../app.ts";
import { serviceContext } from "../auth/service-context.ts";
import { assertAcceptsTaxii, taxiiError, taxiiJson, taxiiJsonText } from "./respond.ts";

const maxPage = 1000;

type Handler = (c: AppContext, ctx: ServiceContext) => Promise<Response>;

/** Every TAXII handler: Accept check, authentication (Bearer or Basic API token), the tenant's API root. */
function taxii(handler: Handler) {
  return async (c: AppContext): Promise<Response> => {
    try {
      assertAcceptsTaxii(c);
      const ctx = serviceContext(c);
      const apiRoot = c.req.param("apiRoot");
      if (apiRoot !== undefined && apiRoot !== ctx.tenant.tenantId)
        throw new AppError("NOT_FOUND", "No such API root");
      return await handler(c, ctx);
    } catch (error) {
      return taxiiError(c, error);
    }
  };
}

/** The query of a paged endpoint: the spec's filters, and our exact `next` cursor. */
function pageQuery(c: AppContext, allowedMatch?: ("id" | "type" | "version" | "spec_version")[]) {
  const params = new URL(c.req.url).searchParams;
  const nextToken = params.get("next");
  params.delete("next");
  const parsed = parseTaxiiFilter(params, {
    maxLimit: maxPage,
    defaultLimit: 100,
    ...(allowedMatch ? { allowedMatch } : {}),
  });
  if (!parsed.ok) {
    throw new AppError(
      "VALIDATION_FAILED",
      parsed.errors.map((error) => `${error.parameter} ${error.message}`).join("; "),
      { details: parsed.errors },
    );
  }
  // Keep the microseconds of `added_after` (our X-TAXII-Date-Added values carry them), which the
  // millisecond parser drops: a client passing back the last date_added must not get that object again.
  const addedAfter = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{4,})Z$/i.exec(
    params.get("added_after") ?? "",
  );
  if (
    addedAfter?.[1] !== undefined &&
    addedAfter[2] !== undefined &&
    parsed.filter.addedAfter !== undefined
  ) {
    parsed.filter.addedAfter = `${addedAfter[1]}.${addedAfter[2].slice(0, 6).padEnd(6, "0")}Z`;
  }
  let next: KeysetCursor | undefined;
  if (nextToken !== null) {
    next = decodeKeysetCursor(nextToken);
    if (next === undefined)
      throw new AppError("VALIDATION_FAILED", "next is not a cursor this server issued");
  }
  return { filter: parsed.filter, next };
}

function pageHeaders<T>(page: TaxiiPage<T>): Record<string, string> {
  return taxiiDateAddedHeaders(page.dateAdded);
}

function envelopeOf<T>(page: TaxiiPage<T>, key: "objects" | "versions") {
  return {
    more: page.more,
    ...(page.more && page.next ? { next: encodeKeysetCursor(page.next) } : {}),
    ...(page.items.length > 0 ? { [key]: page.items } : {}),
  };
}

/** The envelope of a page of objects given as JSON texts: the same members, in the same order, as `envelopeOf`. */
function objectsEnvelopeText(page: TaxiiPage<string>): string {
  const next = page.more && page.next ? `,"next":${JSON.stringify(encodeKeysetCursor(page.next))}` : "";
  const objects = page.items.length > 0 ? `,"objects":[${page.items.join(",")}]` : "";
  return `{"more":${page.more}${next}${objects}}`;
}

/**
 * TAXII 2.1 at /taxii2/: discovery, one API root per tenant (`/taxii2/<tenant id>/`), collections (all active
 * indicators, each subscribed feed, saved searches marked as collections), objects / manifest / versions
 * with `added_after`, `match[...]`, `limit`/`next` and the X-TAXII-Date-Added headers, Add Objects into the
 * tenant's private indicators, and status resources. Authentication: the tenant's API tokens, as Bearer or
 * as the Basic password. Every response is `application/taxii+json;version=2.1`.
 */
export function registerTaxii(app: App): void {
  const get = (path: string, handler: Handler) => {
    app.get(path, taxii(handler));
    if (path.endsWith("/")) app.get(path.slice(0, -1), taxii(handler));
  };

  get("/taxii2/", async (c, ctx) =>
    taxiiJson(c, {
      title: "ThreatFusion TAXII 2.1",
      description: "Threat intelligence of this tenant, for SIEMs and TIPs",
      default: `${new URL(c.req.url).origin}/taxii2/${ctx.tenant.tenantId}/`,
      api_roots: [`${new URL(c.req.url).origin}/taxii2/${ctx.tenant.tenantId}/`],
    }),
  );

  get("/taxii2/:apiRoot/", async (c) =>
    taxiiJson(c, {
      title: "Tenant API root",
      versions: [taxiiMediaType],
      max_content_length: taxiiMaxContentLength,
    }),
  );

  get("/taxii2/:apiRoot/status/:statusId/", async (c, ctx) =>
    taxiiJson(c, await getTaxiiStatus({ ctx, input: { statusId: c.req.param("statusId") ?? "" } })),
  );

  get("/taxii2/:apiRoot/collections/", async (c, ctx) =>
    taxiiJson(c, { collections: await listTaxiiCollections({ ctx }) }),
  );

  get("/taxii2/:apiRoot/collections/:collectionId/", async (c, ctx) =>
    taxiiJson(
      c,
      await getTaxiiCollection({ ctx, input: { collectionId: c.req.param("collectionId") ?? "" } }),
    ),
  );

  get("/taxii2/:apiRoot/collections/:collectionId/manifest/", async (c, ctx) => {
    const page = await getTaxiiManifest({
      ctx,
      input: { collectionId: c.req.param("collectionId") ?? "", ...pageQuery(c) },
    });
    return taxiiJson(c, envelopeOf(page, "objects"), 200, pageHeaders(page));
  });

  get("/taxii2/:apiRoot/collections/:collectionId/objects/", async (c, ctx) => {
    const page = await getTaxiiObjects({
      ctx,
      input: { collectionId: c.req.param("collectionId") ?? "", ...pageQuery(c) },
    });
    return taxiiJsonText(c, objectsEnvelopeText(page), 200, pageHeaders(page));
  });

  get("/taxii2/:apiRoot/collections/:collectionId/objects/:objectId/", async (c, ctx) => {
    const objectId = c.req.param("objectId") ?? "";
    const page = await getTaxiiObjects({
      ctx,
      input: {
        collectionId: c.req.param("collectionId") ?? "",
        objectId,
        ...pageQuery(c, ["version", "spec_version"]),
      },
    });
    if (page.items.length === 0) throw new AppError("NOT_FOUND", "No such object in this collection");
    return taxiiJsonText(c, objectsEnvelopeText(page), 200, pageHeaders(page));
  });

  get("/taxii2/:apiRoot/collections/:collectionId/objects/:objectId/versions/", async (c, ctx) => {
    const objectId = c.req.param("objectId") ?? "";
    const page = await getTaxiiObjectVersions({
      ctx,
      input: { collectionId: c.req.param("collectionId") ?? "", objectId, ...pageQuery(c, ["spec_version"]) },
    });
    if (page.items.length === 0) throw new AppError("NOT_FOUND", "No such object in this collection");
    return taxiiJson(c, envelopeOf(page, "versions"), 200, pageHeaders(page));
  });

  const addObjects = taxii(async (c, ctx) => {
    const contentType = (c.req.header("content-type") ?? "").toLowerCase().replaceAll(" ", "");
    if (
      !contentType.startsWith("application/taxii+json") ||
      (contentType.includes("version=") && !contentType.includes("version=2.1"))
    ) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Send ${taxiiMediaType}`);
    }
    const length = Number(c.req.header("content-length") ?? "0");
    if (length > taxiiMaxContentLength)
      throw new AppError("PAYLOAD_TOO_LARGE", `At most ${taxiiMaxContentLength} bytes`);
    const text = await c.req.text();
    if (text.length > taxiiMaxContentLength)
      throw new AppError("PAYLOAD_TOO_LARGE", `At most ${taxiiMaxContentLength} bytes`);
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch {
      throw new AppError("VALIDATION_FAILED", "The body is not JSON");
    }
    const status = await addTaxiiObjects({
      ctx,
      input: { collectionId: c.req.param("collectionId") ?? "", envelope },
    });
    return taxiiJson(c, status, 202);
  });
  app.post("/taxii2/:apiRoot/collections/:collectionId/objects/", addObjects);
  app.post("/taxii2/:apiRoot/collections/:collectionId/objects", addObjects);
}
