import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const main = join(import.meta.dirname, "..", "main.ts");
const scratch = mkdtempSync(join(tmpdir(), "tf-import-"));

/**
 * A fake of the ThreatFusion API's import endpoints (real HTTP on loopback): records what arrives, answers
 * the upload with `answer` and each status poll with the next of `polls` (the last one repeats).
 */
let received: { method: string; url: string; headers: IncomingHttpHeaders; bytes: number }[] = [];
let answer: { status: number; body: unknown } = { status: 202, body: {} };
let polls: unknown[] = [];
const server = createServer((request, response) => {
  let bytes = 0;
  request.on("data", (chunk: Buffer) => {
    bytes += chunk.byteLength;
  });
  request.on("end", () => {
    received.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, bytes });
    const reply =
      request.method === "GET" ? { status: 200, body: polls.length > 1 ? polls.shift() : polls[0] } : answer;
    response.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
  });
});
let apiUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the real CLI asynchronously (the fake server lives in this process). */
function tf(args: string[], env: Record<string, string>, stdin?: string) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [main, "import", ...args], {
      env: { ...process.env, TF_IMPORT_POLL_MS: "20", ...env },
    });
    child.stdin.end(stdin ?? "");
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const accepted = {
  runId: "run_x",
  feedId: "fed_x",
  status: "queued",
  bytes: 13 * 50_000,
  storage: "r2",
  statusUrl: "/api/v1/imports/run_x",
};

function progress(overrides: Record<string, unknown>) {
  return {
    runId: "run_x",
    feedId: "fed_x",
    status: "parsing",
    finished: false,
    requestedFormat: "text",
    format: "text",
    bytesTotal: 13 * 50_000,
    bytesParsed: 0,
    linesParsed: 0,
    parsed: 0,
    new: 0,
    changed: 0,
    unchanged: 0,
    rejected: 0,
    skipped: 0,
    rejectedRows: [],
    error: null,
    failureReason: null,
    startedAt: "2026-11-25T12:00:00.000Z",
    finishedAt: null,
    ...overrides,
  };
}

describe("tf import", () => {
  it("streams the file, polls the queued import with a progress bar and prints the summary", async () => {
    received = [];
    const file = join(scratch, "iocs.txt");
    writeFileSync(file, "198.51.100.1\n".repeat(50_000));
    answer = { status: 202, body: accepted };
    polls = [
      progress({ status: "queued" }),
      progress({ bytesParsed: 13 * 25_000, linesParsed: 25_000, parsed: 25_000 }),
      progress({
        status: "partial",
        finished: true,
        bytesParsed: 13 * 50_000,
        linesParsed: 50_000,
        parsed: 49_999,
        new: 12,
        unchanged: 49_987,
        rejected: 1,
        rejectedRows: [{ line: 7, reason: "not a recognised indicator", raw: "hello" }],
        finishedAt: "2026-11-25T12:00:01.234Z",
      }),
    ];
    const result = await tf([file, "--format", "text", "--feed=Honeypot"], {
      TF_API_URL: apiUrl,
      TF_API_TOKEN: "tf_test",
    });
    expect(result.status).toBe(0);
    expect(received[0]).toMatchObject({ method: "POST", url: "/api/v1/imports?format=text&feed=Honeypot" });
    expect(received[0]?.headers.authorization).toBe("Bearer tf_test");
    expect(received[0]?.bytes).toBe(13 * 50_000);
    expect(received.slice(1).map((request) => `${request.method} ${request.url}`)).toEqual([
      "GET /api/v1/imports/run_x",
      "GET /api/v1/imports/run_x",
      "GET /api/v1/imports/run_x",
    ]);
    expect(received[1]?.headers.authorization).toBe("Bearer tf_test");
    expect(result.stderr).toContain("uploading [##############################] 100%");
    expect(result.stderr).toContain("parsing   [###############...............]  50%");
    expect(result.stdout).toContain("imported 49999 indicators as text in 1.2 s (run run_x, partial)");
    expect(result.stdout).toContain("new 12, updated 0, unchanged 49987, rejected 1");
    expect(result.stdout).toContain("line 7: not a recognised indicator");
  });

  it("sends pasted text from standard input", async () => {
    received = [];
    answer = { status: 202, body: accepted };
    polls = [
      progress({
        status: "succeeded",
        finished: true,
        parsed: 1,
        new: 1,
        finishedAt: "2026-11-25T12:00:00.500Z",
      }),
    ];
    const pasted = "C2 seen at hxxp://bad[.]example[.]com/gate\n";
    const result = await tf(["-"], { TF_API_URL: apiUrl, TF_API_TOKEN: "tf_test" }, pasted);
    expect(result.status).toBe(0);
    expect(received[0]?.bytes).toBe(Buffer.byteLength(pasted));
    expect(result.stdout).toContain("imported 1 indicators");
  });

  it("exits non-zero with the reason when the queued import fails", async () => {
    const file = join(scratch, "broken.txt");
    writeFileSync(file, "198.51.100.1\n");
    answer = { status: 202, body: accepted };
    polls = [
      progress({
        status: "failed",
        finished: true,
        error: "The upload could not be read: the gzip stream is corrupt or truncated",
        failureReason: "invalid-document",
        finishedAt: "2026-11-25T12:00:00.100Z",
      }),
    ];
    const result = await tf([file], { TF_API_URL: apiUrl, TF_API_TOKEN: "tf_test" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "the import failed: The upload could not be read: the gzip stream is corrupt",
    );
  });

  it("reports the server's error message for a refused upload and fails", async () => {
    const file = join(scratch, "page.csv");
    writeFileSync(file, "<html></html>");
    answer = {
      status: 422,
      body: { error: { code: "UNPROCESSABLE", message: "The upload could not be read: HTML page" } },
    };
    const result = await tf([file], { TF_API_URL: apiUrl, TF_API_TOKEN: "tf_test" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("422: The upload could not be read: HTML page");
  });

  it("refuses a bad format and a missing token as usage errors", async () => {
    const file = join(scratch, "x.txt");
    writeFileSync(file, "x");
    expect((await tf([file, "--format", "xml"], { TF_API_TOKEN: "t" })).status).toBe(2);
    expect((await tf([file], { TF_API_TOKEN: "" })).status).toBe(2);
  });
});
