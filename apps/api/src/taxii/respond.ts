import { AppError, type ErrorCode, toErrorEnvelope } from "@threatfusion/core";
import { taxiiMediaType } from "@threatfusion/exports";
import type { AppContext } from "../app.ts";
import { errorResponse } from "../app.ts";

/** A TAXII 2.1 resource with the TAXII media type (section 1.6.8). */
export function taxiiJson(
  c: AppContext,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return taxiiJsonText(c, JSON.stringify(body), status, headers);
}

/** A TAXII 2.1 resource whose JSON text is already written (an objects page from the exports string writer). */
export function taxiiJsonText(
  c: AppContext,
  json: string,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(json, {
    status,
    headers: { "content-type": taxiiMediaType, "x-request-id": c.get("requestId"), ...headers },
  });
}

/**
 * A TAXII error message resource (section 3.6.1) carrying our error envelope too, so TAXII clients read
 * `title`/`http_status` and everything else reads `error.code` like on every other route.
 */
export function taxiiError(c: AppContext, error: unknown): Response {
  if (!(error instanceof AppError) || error.status >= 500) {
    const response = errorResponse(c, error);
    response.headers.set("content-type", taxiiMediaType);
    return response;
  }
  const envelope = toErrorEnvelope(error, c.get("requestId"));
  const titles: Partial<Record<ErrorCode, string>> = {
    UNAUTHORIZED: "Authentication required",
    FORBIDDEN: "Forbidden",
    NOT_FOUND: "Not found",
    NOT_ACCEPTABLE: "Not acceptable",
    UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
    PAYLOAD_TOO_LARGE: "Request too large",
    RATE_LIMITED: "Too many requests",
  };
  const body = {
    title: titles[error.code] ?? "Bad request",
    description: error.message,
    error_id: envelope.error.requestId,
    error_code: error.code,
    http_status: String(error.status),
    external_details: envelope.error.docs,
    ...(error.details === undefined ? {} : { details: { problems: error.details } }),
    error: envelope.error,
  };
  return taxiiJson(c, body, error.status, error.headers);
}

/** RFC 9110 Accept check for TAXII resources: absent, `*\/*`, `application/*` or the TAXII media type. */
export function assertAcceptsTaxii(c: AppContext): void {
  const accept = c.req.header("accept");
  if (accept === undefined || accept.trim() === "") return;
  const ranges = accept.split(",").map((range) => range.split(";")[0]?.trim().toLowerCase() ?? "");
  const versions = accept.toLowerCase();
  const ok = ranges.some(
    (range) =>
      range === "*/*" ||
      range === "application/*" ||
      (range === "application/taxii+json" &&
        (!versions.includes("version=") || versions.includes("version=2.1"))),
  );
  if (!ok) throw new AppError("NOT_ACCEPTABLE", `This server answers ${taxiiMediaType}`);
}
