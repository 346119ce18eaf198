import { expect } from "vitest";
import { apiFetch } from "../../testing/index.ts";

export interface ImportProgressBody {
  runId: string;
  feedId: string;
  status: string;
  finished: boolean;
  format: string | null;
  bytesTotal: number;
  bytesParsed: number;
  linesParsed: number;
  parsed: number;
  new: number;
  changed: number;
  unchanged: number;
  rejected: number;
  rejectedRows: { line: number; reason: string; raw: string }[];
  error: string | null;
}

/**
 * Uploads (expects 202), then polls the status URL until the queue consumer has finished the import (the
 * real queues of the test Worker deliver the `import-file` message and the chunks). Gives up after 15 s.
 */
export async function uploadAndWait(
  path: string,
  authorization: string,
  init: { headers?: Record<string, string>; body: BodyInit },
): Promise<ImportProgressBody> {
  const response = await apiFetch(path, {
    method: "POST",
    headers: { authorization, ...init.headers },
    body: init.body,
  });
  expect(response.status).toBe(202);
  const accepted = (await response.json()) as { statusUrl: string; runId: string };
  expect(response.headers.get("location")).toBe(accepted.statusUrl);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await apiFetch(accepted.statusUrl, { headers: { authorization } });
    expect(status.status).toBe(200);
    const progress = (await status.json()) as ImportProgressBody;
    if (progress.finished || Date.now() > deadline) return progress;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
