// The identity commands against a FAKE API (a local node:http server standing in for the Worker, which the
// Node test project cannot start): what they send, and what they print and return.
import { createServer, type IncomingMessage, type Server } from "node:http";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "./main.ts";

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

let server: Server;
let baseUrl = "";
let seen: Seen[] = [];
let verification: unknown = { ok: true, entries: 7, headHash: "ab".repeat(32) };

beforeAll(async () => {
  server = createServer(async (request, response) => {
    let raw = "";
    for await (const chunk of request) raw += chunk;
    const path = request.url ?? "";
    seen.push({
      method: request.method ?? "",
      path,
      headers: request.headers,
      body: raw ? JSON.parse(raw) : undefined,
    });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(JSON.stringify(body));
    };
    if (path === "/api/v1/auth/sign-in") {
      const { password } = JSON.parse(raw) as { password: string };
      if (password !== "right")
        return json(401, { error: { code: "UNAUTHORIZED", message: "wrong", requestId: "req_1" } });
      return json(200, { mfa: "not_required" }, { "set-cookie": "tf_session=abc.def; Path=/; HttpOnly" });
    }
    if (path === "/api/v1/auth/sign-out") return response.writeHead(204).end();
    if (path === "/api/v1/tenants") return json(201, { id: "tnt_new", slug: "acme", name: "Acme" });
    if (path === "/api/v1/tokens")
      return json(201, { id: "tok_1", token: "tf_secret", expiresAt: "2027-01-01T00:00:00.000Z" });
    if (path === "/api/v1/auth/me") return json(200, { tenant: { tenantId: "tnt_me" } });
    if (path.endsWith("/audit/verification")) return json(200, verification);
    return json(404, { error: { code: "NOT_FOUND", message: "no", requestId: "req_2" } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  baseUrl = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : "";
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  for (const name of ["TF_API_TOKEN", "TF_EMAIL", "TF_PASSWORD", "TF_TENANT"]) delete process.env[name];
  process.env.TF_API_URL = baseUrl;
});

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

describe("tf tenants create", () => {
  it("signs in with e-mail and password, sends the tenant with its Origin and cookie, and signs out", async () => {
    process.env.TF_EMAIL = "alice@northwind.example";
    process.env.TF_PASSWORD = "right";
    const result = await run([
      "tenants",
      "create",
      "Acme",
      "acme",
      "--product-name",
      "Acme Intel",
      "--require-mfa",
      "yes",
    ]);
    expect(result).toMatchObject({ code: 0, stdout: "tnt_new\tacme\tAcme\n" });
    expect(seen.map((request) => request.path)).toEqual([
      "/api/v1/auth/sign-in",
      "/api/v1/tenants",
      "/api/v1/auth/sign-out",
    ]);
    const create = seen[1];
    expect(create?.headers.cookie).toBe("tf_session=abc.def");
    expect(create?.headers.origin).toBe(baseUrl);
    expect(create?.body).toEqual({
      name: "Acme",
      slug: "acme",
      branding: { productName: "Acme Intel" },
      requireMfa: true,
    });
  });

  it("reports a refused sign-in with the API's code and exits 1", async () => {
    process.env.TF_EMAIL = "alice@northwind.example";
    process.env.TF_PASSWORD = "wrong";
    const result = await run(["tenants", "create", "Acme", "acme"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("UNAUTHORIZED");
  });

  it("is a usage error without credentials", async () => {
    const result = await run(["tenants", "create", "Acme", "acme"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("TF_API_TOKEN");
  });
});

describe("tf tokens create", () => {
  it("sends the scopes and an expiry, and prints the token alone on stdout", async () => {
    process.env.TF_EMAIL = "carol@contoso.example";
    process.env.TF_PASSWORD = "right";
    const result = await run([
      "tokens",
      "create",
      "SIEM",
      "--scope",
      "indicators:read",
      "--expires-in-days",
      "30",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("tf_secret\n");
    const body = seen[1]?.body as { scopes: string[]; expiresAt: string };
    expect(body.scopes).toEqual(["indicators:read"]);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });
});

describe("tf audit verify", () => {
  it("uses a Bearer token, defaults to the token's tenant, and exits 0 for an intact chain", async () => {
    process.env.TF_API_TOKEN = "tf_token";
    verification = { ok: true, entries: 7, headHash: "ab".repeat(32) };
    const result = await run(["audit", "verify"]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain("ok: 7 entries");
    expect(seen.map((request) => request.path)).toEqual([
      "/api/v1/auth/me",
      "/api/v1/tenants/tnt_me/audit/verification",
    ]);
    expect(seen[0]?.headers.authorization).toBe("Bearer tf_token");
  });

  it("exits 1 and names where a broken chain breaks", async () => {
    process.env.TF_API_TOKEN = "tf_token";
    verification = { ok: false, entries: 9, brokenAtSeq: 4, reason: "hash_mismatch" };
    const result = await run(["audit", "verify", "tnt_other"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("BROKEN: hash_mismatch at entry 4 of 9");
  });
});
