import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("GET /api/health", () => {
  it("reports every part healthy against the real database, Durable Objects and queue", async () => {
    const response = await exports.default.fetch("http://tf.test/api/health");
    const body = await response.json<{
      status: string;
      parts: Record<string, { status: string; backend?: string; detail?: string }>;
    }>();
    expect(body.parts.database?.status, body.parts.database?.detail).toBe("ok");
    expect(body.parts.durableObjects?.status).toBe("ok");
    expect(body.parts.queues?.status).toBe("ok");
    expect(body.parts.search).toMatchObject({ status: "ok", backend: "postgres" });
    expect(body.status).toBe("ok");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("answers unknown API paths with the error envelope", async () => {
    const response = await exports.default.fetch("http://tf.test/api/nope");
    expect(response.status).toBe(404);
    const body = await response.json<{ error: { code: string; requestId: string } }>();
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.requestId).toMatch(/^req_/);
  });
});
