import { describe, expect, it } from "vitest";
import { parseConfig, searchBackendInUse } from "./config.ts";

const valid = {
  ENVIRONMENT: "development",
  DATABASE_URL: "postgres://tf_app:pw@127.0.0.1:5432/threatfusion",
  DATABASE_INGEST_URL: "postgres://tf_ingest:pw@127.0.0.1:5432/threatfusion",
  PG_WS_PROXY: "127.0.0.1:5433/v1",
};

describe("parseConfig", () => {
  it("accepts a complete development configuration and defaults the rest", () => {
    const result = parseConfig(valid);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.config.SEARCH_BACKEND).toBe("auto");
      expect(searchBackendInUse(result.config)).toBe("postgres");
    }
  });

  it("names every missing variable", () => {
    const result = parseConfig({ ENVIRONMENT: "development" });
    expect(result).toEqual({
      ok: false,
      problems: ["DATABASE_URL is missing", "DATABASE_INGEST_URL is missing"],
    });
  });

  it("refuses the dev bridge in production and a non-loopback bridge anywhere", () => {
    const production = parseConfig({ ...valid, ENVIRONMENT: "production" });
    expect(production.ok).toBe(false);
    if (!production.ok) expect(production.problems).toContain("PG_WS_PROXY must not be set in production");
    const remote = parseConfig({ ...valid, PG_WS_PROXY: "10.0.0.5:5433/v1" });
    expect(remote.ok).toBe(false);
  });

  it("requires a well-formed SECRETS_KEY in production and never echoes it", () => {
    const production = { ...valid, ENVIRONMENT: "production", PG_WS_PROXY: undefined };
    const missing = parseConfig(production);
    expect(!missing.ok && missing.problems).toContain("SECRETS_KEY is required in production");
    const bad = parseConfig({ ...production, SECRETS_KEY: "tooshortsecret" });
    expect(!bad.ok && bad.problems.join(" ")).not.toContain("tooshortsecret");
    const good = parseConfig({ ...production, SECRETS_KEY: btoa("k".repeat(32)) });
    expect(good.ok).toBe(true);
  });

  it("uses Meilisearch when it is configured and the backend is auto", () => {
    const result = parseConfig({
      ...valid,
      MEILISEARCH_URL: "http://127.0.0.1:7700",
      MEILISEARCH_API_KEY: "k",
    });
    expect(result.ok && searchBackendInUse(result.config)).toBe("meilisearch");
  });

  it("never echoes a secret value in a problem", () => {
    const result = parseConfig({ ...valid, DATABASE_URL: "mysql://root:supersecret@db/x" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join(" ")).not.toContain("supersecret");
  });
});
