import { type Config, parseConfig } from "@threatfusion/core";

/** The Worker's bindings: `wrangler types` generates `Env` in worker-configuration.d.ts from wrangler.toml. */
export type Bindings = Env;

const cache = new WeakMap<object, ReturnType<typeof parseConfig>>();

/**
 * Validate the configuration once per isolate (bindings are a stable object per isolate).
 * The first request after a bad deploy gets a clear SERVICE_UNAVAILABLE naming what is wrong.
 */
export function readConfig(env: Bindings): ReturnType<typeof parseConfig> {
  let result = cache.get(env);
  if (!result) {
    result = parseConfig(env as unknown as Record<string, unknown>);
    cache.set(env, result);
  }
  return result;
}

export type { Config };
