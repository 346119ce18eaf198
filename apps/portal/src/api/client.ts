/**
 * The portal's one door to the API: a small fetch wrapper that sends the session cookie, the acting tenant
 * (MSSP staff switched into a client) and JSON, and turns every failure into an ApiError with a message a
 * person can read. Pages never see raw JSON errors.
 */

/** The error envelope every API route answers with (packages/core errors.ts). */
export interface ErrorEnvelope {
  error: { code: string; message: string; requestId?: string; docs?: string; details?: unknown };
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId: string | undefined;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, requestId?: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

function isEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const inner = (value as { error: unknown }).error;
  return typeof inner === "object" && inner !== null && "code" in inner && "message" in inner;
}

const statusMessages: Record<number, string> = {
  400: "The request was not accepted.",
  401: "You are not signed in, or your session has ended.",
  403: "You do not have permission to do this.",
  404: "This was not found, or you do not have access to it.",
  409: "This conflicts with something that already exists.",
  413: "That is too large to send in one go.",
  423: "This account is temporarily locked after too many attempts.",
  429: "Too many requests. Please wait a moment and try again.",
  500: "Something went wrong on our side.",
  502: "An upstream service did not answer correctly.",
  503: "The service is temporarily unavailable.",
};

/** Turn a non-OK response into an ApiError, whatever its body is (envelope, HTML, nothing). */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const requestId = response.headers.get("x-request-id") ?? undefined;
  if (isEnvelope(parsed)) {
    return new ApiError(
      response.status,
      parsed.error.code,
      parsed.error.message,
      parsed.error.requestId ?? requestId,
      parsed.error.details,
    );
  }
  const fallback =
    statusMessages[response.status] ??
    (response.status >= 500 ? "Something went wrong on our side." : "The request failed.");
  return new ApiError(response.status, `HTTP_${response.status}`, fallback, requestId);
}

/** A sentence for any thrown value: ApiError messages as they are, network failures explained. */
export function humanMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError)
    return "The platform could not be reached. Check your connection and try again.";
  if (error instanceof DOMException && error.name === "AbortError") return "The request was cancelled.";
  if (error instanceof Error && error.message) return error.message;
  return "Something unexpected happened.";
}

type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];
export type Query = Record<string, QueryValue>;

/** `?a=1&b=x&b=y`, leaving out empty values. */
export function toSearchParams(query: Query | undefined): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
    else params.set(name, String(value));
  }
  return params;
}

interface RequestOptions {
  query?: Query | undefined;
  body?: unknown;
  signal?: AbortSignal | undefined;
  headers?: Record<string, string>;
  /** Do not treat a 401 as an expired session (sign-in itself, the initial "who am I"). */
  quietUnauthorized?: boolean;
}

/**
 * Header that names a client tenant for one call (`withActingTenant`: the onboarding wizard setting up a
 * client it just created). Switching the whole session into a client goes through the API instead
 * (`switchActingTenant`), which keeps it server-side.
 */
export const actingTenantHeader = "x-tf-tenant";
let actingTenantId: string | undefined;
let onSessionExpired: (() => void) | undefined;

/** Register what happens when a signed-in request comes back 401 (the session expired or was revoked). */
export function setSessionExpiredHandler(handler: (() => void) | undefined): void {
  onSessionExpired = handler;
}

/** Low-level: a Response for `path` with credentials and the acting tenant; throws ApiError when not OK. */
export async function apiResponse(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Response> {
  const params = toSearchParams(options.query);
  const url = params.size > 0 ? `${path}?${params}` : path;
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (actingTenantId) headers[actingTenantHeader] = actingTenantId;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    if (
      typeof options.body === "string" ||
      options.body instanceof Blob ||
      options.body instanceof FormData
    ) {
      body = options.body;
    } else {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.body);
    }
  }
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!response.ok) {
    const error = await errorFromResponse(response);
    if (response.status === 401 && !options.quietUnauthorized && error.code !== "MFA_REQUIRED") {
      onSessionExpired?.();
    }
    throw error;
  }
  return response;
}

/** JSON request; 204 answers `undefined`. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await apiResponse(method, path, options);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("json")) {
    throw new ApiError(
      response.status,
      "UNEXPECTED_RESPONSE",
      "The platform answered with something unexpected.",
    );
  }
  return (await response.json()) as T;
}

/** Runs `fn` with its requests addressed to `tenantId` (MSSP staff acting within one of their clients). */
export async function withActingTenant<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
  const previous = actingTenantId;
  actingTenantId = tenantId;
  try {
    return await fn();
  } finally {
    actingTenantId = previous;
  }
}
