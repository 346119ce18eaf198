import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const main = join(import.meta.dirname, "..", "main.ts");
const scratch = mkdtempSync(join(tmpdir(), "tf-import-"));

/** A fake of the ThreatFusion API's import endpoint (real HTTP on loopback): records what arrives. */
let received: { url: string; headers: IncomingHttpHeaders; bytes: number }[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const server = createServer((request, response) => {
  let bytes = 0;
  request.on("data", (chunk: Buffer) => {
    bytes += chunk.byteLength;
  });
  request.on("end", () => {
    received.push({ url: request.url ?? "", headers: request.headers, bytes });
    response
      .writeHead(answer.status, { "content-type": "application/json" })
      .end(JSON.stringify(answer.body));
  });
});
let apiUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs the real CLI asynchronously (the fake server lives in this process). */
function tf(args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [main, "import", ...args], { env: { ...process.env, ...env } });
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

describe("tf import", () => {
  it("streams the file with the token, format and feed, shows progress and prints the summary", async () => {
    received = [];
    const file = join(scratch, "iocs.txt");
    writeFileSync(file, "198.51.100.1\n".repeat(50_000));
    answer = {
      status: 200,
      body: {
        runId: "run_x",
        feedId: "fed_x",
        format: "text",
        status: "partial",
        parsed: 49_999,
        new: 12,
        changed: 0,
        unchanged: 49_987,
        rejected: 1,
        skipped: 0,
        rejectedRows: [{ line: 7, reason: "not a recognised indicator", raw: "hello" }],
        durationMs: 1234,
      },
    };
    const result = await tf([file, "--format", "text", "--feed=Honeypot"], {
      TF_API_URL: apiUrl,
      TF_API_TOKEN: "tf_test",
    });
    expect(result.status).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe("/api/v1/imports?format=text&feed=Honeypot");
    expect(received[0]?.headers.authorization).toBe("Bearer tf_test");
    expect(received[0]?.bytes).toBe(13 * 50_000);
    expect(result.stderr).toContain("100%");
    expect(result.stdout).toContain("imported 49999 indicators as text");
    expect(result.stdout).toContain("line 7: not a recognised indicator");
  });

  it("reports the server's error message and fails", async () => {
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
