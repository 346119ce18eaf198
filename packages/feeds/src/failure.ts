import { AppError } from "@threatfusion/core";

/** Why a whole feed run fails (as opposed to one rejected row). Shared by the parsers and `http-checks`. */
export type FeedFailureReason =
  | "auth"
  | "forbidden"
  | "not-found"
  | "rate-limited"
  | "server-error"
  | "client-error"
  | "html-instead-of-data"
  | "binary-data"
  | "archive-unsupported"
  | "too-large"
  | "invalid-document";

/** The error a parser throws to fail the run; collectors read `details.reason`. */
export function feedFailure(reason: FeedFailureReason, message: string): AppError {
  return new AppError("UPSTREAM_FAILED", message, { details: { reason } });
}

/** The failure reason carried by an error thrown from this package, if any. */
export function feedFailureReason(error: unknown): FeedFailureReason | undefined {
  if (!(error instanceof AppError) || error.code !== "UPSTREAM_FAILED") return undefined;
  const details = error.details;
  if (typeof details === "object" && details !== null && "reason" in details) {
    return details.reason as FeedFailureReason;
  }
  return undefined;
}
