import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import type { AcceptedImport, ImportProgress } from "@threatfusion/services";
import { parseOptions } from "../api-client.ts";
import { CliError, type Command, write } from "../command.ts";

const formats = ["auto", "csv", "stix", "misp", "text"] as const;

function importOptions(args: readonly string[]): { file: string; format: string; feed?: string } {
  const { positional, options } = parseOptions(args, ["format", "feed"]);
  if (positional.length !== 1 || positional[0] === undefined) throw new CliError("give exactly one FILE", 2);
  const format = options.get("format")?.at(-1) ?? "auto";
  if (!(formats as readonly string[]).includes(format)) {
    throw new CliError(`--format must be one of ${formats.join(", ")}`, 2);
  }
  const feed = options.get("feed")?.at(-1);
  return { file: positional[0], format, ...(feed ? { feed } : {}) };
}

function bar(fraction: number): string {
  const width = 30;
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function uploadLine(sent: number, total: number): string {
  if (total === 0) return `\ruploading ${mb(sent)} MB`;
  return `\ruploading ${bar(sent / total)}  ${mb(sent)} / ${mb(total)} MB`;
}

function parsingLine(progress: ImportProgress): string {
  const fraction = progress.finished
    ? 1
    : progress.bytesTotal > 0
      ? progress.bytesParsed / progress.bytesTotal
      : 0;
  return `\r${progress.status.padEnd(9)} ${bar(fraction)}  ${progress.linesParsed} lines, ${progress.parsed} indicators  `;
}

function summaryText(summary: ImportProgress): string {
  const seconds =
    summary.finishedAt === null ? 0 : (Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000;
  const lines = [
    `imported ${summary.parsed} indicators as ${summary.format ?? summary.requestedFormat} in ${seconds.toFixed(1)} s (run ${summary.runId}, ${summary.status})`,
    `  new ${summary.new}, updated ${summary.changed}, unchanged ${summary.unchanged}, rejected ${summary.rejected}, skipped ${summary.skipped}`,
  ];
  if (summary.rejectedRows.length > 0) {
    lines.push("rejected rows:");
    for (const row of summary.rejectedRows)
      lines.push(`  line ${row.line}: ${row.reason}  ${row.raw.slice(0, 80)}`);
    if (summary.rejected > summary.rejectedRows.length) {
      lines.push(
        `  … and ${summary.rejected - summary.rejectedRows.length} more (see GET /api/v1/feeds/${summary.feedId}/runs)`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The error envelope's message, or the start of whatever else the server sent. */
function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { error: { message: string } }).error.message;
  } catch {
    return text.slice(0, 500);
  }
}

export const importCommand: Command = {
  name: "import",
  summary: "upload a feed file or a report to your tenant's private indicators (TF_API_URL, TF_API_TOKEN)",
  usage: "tf import FILE|- [--format auto|csv|stix|misp|text] [--feed NAME]",
  async run(args, io) {
    const options = importOptions(args);
    const token = process.env.TF_API_TOKEN;
    if (!token) throw new CliError("set TF_API_TOKEN to an API token with the indicators:write scope", 2);
    const base = process.env.TF_API_URL ?? "http://127.0.0.1:8787";
    // `-` reads standard input (pasted text, a pipe): its size is unknown, so the bar shows bytes only.
    const fromStdin = options.file === "-";
    let size = 0;
    try {
      if (!fromStdin) size = (await stat(options.file)).size;
    } catch {
      throw new CliError(`cannot read ${options.file}`);
    }
    const url = new URL("/api/v1/imports", base);
    url.searchParams.set("format", options.format);
    if (options.feed) url.searchParams.set("feed", options.feed);

    // Stream the file (never read it whole), drawing the progress bar as bytes leave.
    let sent = 0;
    let lastDrawn = 0;
    const file = Readable.toWeb(
      fromStdin ? process.stdin : createReadStream(options.file),
    ) as ReadableStream<Uint8Array>;
    const counted = file.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          sent += chunk.byteLength;
          if (sent - lastDrawn > 256 * 1024 || sent === size) {
            lastDrawn = sent;
            io.stderr.write(uploadLine(sent, size));
          }
          controller.enqueue(chunk);
        },
      }),
    );
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
        body: counted,
        duplex: "half",
      } as RequestInit);
    } catch (error) {
      throw new CliError(`cannot reach ${base}: ${error instanceof Error ? error.message : String(error)}`);
    }
    io.stderr.write(`${uploadLine(sent, fromStdin ? sent : size)}\n`);
    const text = await response.text();
    if (response.status !== 202) {
      throw new CliError(`the server answered ${response.status}: ${errorMessage(text)}`);
    }
    const accepted = JSON.parse(text) as AcceptedImport & { statusUrl: string };

    // The server parses the upload from a queue: poll its status until it has finished.
    const pollMs = Number(process.env.TF_IMPORT_POLL_MS ?? "500");
    let progress: ImportProgress;
    for (;;) {
      let status: Response;
      try {
        status = await fetch(new URL(accepted.statusUrl, base), {
          headers: { authorization: `Bearer ${token}` },
        });
      } catch (error) {
        throw new CliError(`cannot reach ${base}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const body = await status.text();
      if (!status.ok) throw new CliError(`the server answered ${status.status}: ${errorMessage(body)}`);
      progress = JSON.parse(body) as ImportProgress;
      io.stderr.write(parsingLine(progress));
      if (progress.finished) break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    io.stderr.write("\n");
    await write(io.stdout, summaryText(progress));
    if (progress.status === "failed" || progress.failureReason !== null) {
      throw new CliError(
        `the import failed: ${progress.error ?? progress.failureReason ?? "unknown reason"}`,
      );
    }
    return 0;
  },
};
