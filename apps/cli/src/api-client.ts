/**
 * The CLI's way into the API: `TF_API_URL` (e.g. http://127.0.0.1:8787) and either `TF_API_TOKEN` (Bearer) or
 * `TF_EMAIL` + `TF_PASSWORD` (a session for this one command, signed out at the end; operations that the
 * permission table keeps from API tokens, like creating tenants or tokens, need a person). With
 * `TF_TENANT`, MSSP staff act inside one of their clients.
 */
import { CliError } from "./command.ts";

export interface ApiSettings {
  url: string;
  token?: string | undefined;
  email?: string | undefined;
  password?: string | undefined;
  tenant?: string | undefined;
  fetch?: typeof fetch;
}

/** Reads the API settings from the environment; a usage error names what is missing. */
export function apiSettingsFromEnv(env: Record<string, string | undefined> = process.env): ApiSettings {
  const url = env.TF_API_URL;
  if (!url) throw new CliError("set TF_API_URL (e.g. http://127.0.0.1:8787)", 2);
  if (!env.TF_API_TOKEN && !(env.TF_EMAIL && env.TF_PASSWORD)) {
    throw new CliError("set TF_API_TOKEN, or TF_EMAIL and TF_PASSWORD", 2);
  }
  return {
    url,
    token: env.TF_API_TOKEN,
    email: env.TF_EMAIL,
    password: env.TF_PASSWORD,
    tenant: env.TF_TENANT,
  };
}

export interface ApiClient {
  request<T>(method: string, path: string, json?: unknown): Promise<T>;
  requestText(method: string, path: string): Promise<string>;
  close(): Promise<void>;
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string; requestId?: string };
}

/** Opens a client (signing in first when using e-mail and password). */
export async function openApiClient(settings: ApiSettings): Promise<ApiClient> {
  const doFetch = settings.fetch ?? fetch;
  const origin = new URL(settings.url).origin;
  let cookie: string | undefined;

  const call = async (method: string, path: string, json?: unknown): Promise<Response> => {
    const headers: Record<string, string> = { origin, accept: "application/json" };
    if (settings.token) headers.authorization = `Bearer ${settings.token}`;
    else if (cookie) headers.cookie = cookie;
    if (settings.tenant) headers["x-tf-tenant"] = settings.tenant;
    if (json !== undefined) headers["content-type"] = "application/json";
    const response = await doFetch(new URL(path, settings.url), {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as ErrorEnvelope;
      const code = body.error?.code ?? `HTTP ${response.status}`;
      throw new CliError(
        `${code}: ${body.error?.message ?? response.statusText} (request ${body.error?.requestId ?? "?"})`,
      );
    }
    return response;
  };

  if (!settings.token) {
    const response = await call("POST", "/api/v1/auth/sign-in", {
      email: settings.email,
      password: settings.password,
    });
    const match = /(?:__Host-)?tf_session=([^;]+)/.exec(response.headers.get("set-cookie") ?? "");
    if (!match) throw new CliError("signed in, but the API set no session cookie");
    cookie = match[0];
    const body = (await response.json()) as { mfa?: string };
    if (body.mfa === "challenge_required" || body.mfa === "enrolment_required") {
      throw new CliError("this account needs a second factor; use an API token (TF_API_TOKEN) instead");
    }
  }

  return {
    async request<T>(method: string, path: string, json?: unknown): Promise<T> {
      const response = await call(method, path, json);
      return (response.status === 204 ? undefined : await response.json()) as T;
    },
    async requestText(method: string, path: string): Promise<string> {
      return (await call(method, path)).text();
    },
    async close(): Promise<void> {
      if (cookie) await call("POST", "/api/v1/auth/sign-out").catch(() => undefined);
    },
  };
}

/** `--name value` (or `--name=value`) options; flags not in `names` are a usage error, and every option takes a value. */
export function parseOptions(
  args: readonly string[],
  names: readonly string[],
): { positional: string[]; options: Map<string, string[]> } {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    // `--name value` or `--name=value`.
    const equals = arg.indexOf("=");
    const name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
    const value = equals === -1 ? args[index + 1] : arg.slice(equals + 1);
    if (!names.includes(name)) throw new CliError(`unknown option --${name}`, 2);
    if (value === undefined || value === "" || (equals === -1 && value.startsWith("--"))) {
      throw new CliError(`--${name} needs a value`, 2);
    }
    options.set(name, [...(options.get(name) ?? []), value]);
    if (equals === -1) index++;
  }
  return { positional, options };
}
