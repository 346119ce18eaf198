import { z } from "zod";

/**
 * The one configuration schema, validated once at startup by the Worker and by the dev stack.
 * Values come from the environment / `.dev.vars` locally and from Worker vars and secrets in production.
 */
const postgresUrl = z
  .string()
  .trim()
  .refine(
    (value) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(value),
    "must be a postgres:// URL with a database name",
  );

const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .pipe(z.url().optional())
  .optional();

const optionalSecret = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

export const configSchema = z
  .object({
    ENVIRONMENT: z.enum(["development", "test", "production"]).default("production"),
    DATABASE_URL: postgresUrl.describe(
      "Postgres/Neon URL of the application role (bound by row-level security)",
    ),
    DATABASE_INGEST_URL: postgresUrl.describe(
      "Postgres/Neon URL of the ingestion role (writes the global catalog)",
    ),
    PG_WS_PROXY: z
      .string()
      .trim()
      .regex(
        /^(127\.0\.0\.1|localhost|\[::1\]):\d+\/v1$/,
        "must be a loopback bridge address like 127.0.0.1:5433/v1",
      )
      .optional()
      .describe("dev/test only: the loopback WebSocket bridge to a local Postgres"),
    PUBLIC_ORIGIN: optionalUrl.describe(
      "Public origin of the portal and API, e.g. https://intel.example-mssp.com",
    ),
    SEARCH_BACKEND: z.enum(["auto", "postgres", "meilisearch"]).default("auto"),
    MEILISEARCH_URL: optionalUrl,
    MEILISEARCH_API_KEY: optionalSecret,
    OPENAI_BASE_URL: optionalUrl,
    OPENAI_API_KEY: optionalSecret,
    OPENAI_MODEL: z.string().trim().default("gpt-4o-mini"),
    ABUSECH_AUTH_KEY: optionalSecret,
    OTX_API_KEY: optionalSecret,
    FEED_MIRROR_URL: optionalUrl.describe(
      "dev only: serve built-in feeds from this mirror instead of the internet",
    ),
    MAIL_API_URL: optionalUrl.describe(
      "HTTP e-mail API endpoint (invitations); unset: links are only logged",
    ),
    MAIL_API_KEY: optionalSecret,
    MAIL_FROM: z.string().trim().default("ThreatFusion <no-reply@threatfusion.invalid>"),
    TOKEN_CACHE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(60)
      .default(5)
      .describe(
        "How long an isolate reuses a verified API token (0: never); revocation takes effect within it",
      ),
    SECRETS_KEY: optionalSecret
      .refine(
        (value) => value === undefined || /^[A-Za-z0-9+/]{43}=$/.test(value),
        "must be 32 random bytes in base64 (openssl rand -base64 32)",
      )
      .describe("AES-256-GCM key sealing TOTP secrets at rest"),
  })
  .superRefine((config, ctx) => {
    if (config.ENVIRONMENT === "production" && config.PG_WS_PROXY) {
      ctx.addIssue({ code: "custom", path: ["PG_WS_PROXY"], message: "must not be set in production" });
    }
    if (config.ENVIRONMENT === "production" && !config.SECRETS_KEY) {
      ctx.addIssue({ code: "custom", path: ["SECRETS_KEY"], message: "is required in production" });
    }
    if (config.SEARCH_BACKEND === "meilisearch" && !config.MEILISEARCH_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["MEILISEARCH_URL"],
        message: "is required when SEARCH_BACKEND=meilisearch",
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Validate raw environment values; problems name the variable and never echo secret values. */
export function parseConfig(raw: Record<string, unknown>): ConfigResult {
  const result = configSchema.safeParse(raw);
  if (result.success) return { ok: true, config: result.data };
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(config)";
    const missing = issue.code === "invalid_type" && raw[name] === undefined;
    return missing ? `${name} is missing` : `${name} ${issue.message}`;
  });
  return { ok: false, problems };
}

export function searchBackendInUse(config: Config): "postgres" | "meilisearch" {
  if (config.SEARCH_BACKEND === "postgres") return "postgres";
  if (config.SEARCH_BACKEND === "meilisearch") return "meilisearch";
  return config.MEILISEARCH_URL ? "meilisearch" : "postgres";
}
