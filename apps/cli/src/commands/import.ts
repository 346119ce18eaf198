import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { CliError, type Command, write } from "../command.ts";

const formats = ["auto", "csv", "stix", "misp", "text"] as const;

interface ImportSummary {
  runId: string;
  feedId: string;
  format: string;
  status: string;
  parsed: number;
  new: number;
  changed: number;
  unchanged: number;
  rejected: number;
  skipped: number;
  rejectedRows: { line: number; reason: string; raw: string }[];
  durationMs: number;
}

/** `--name value` / `--name=value` options and positionals; unknown options are a usage error. */
function parseOptions(args: readonly string[]): { file: string; format: string; feed?: string } {
  const positional: string[] = [];
  const values: Record<string, string> = {};
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (name !== "format" && name !== "feed") throw new CliError(`unknown option --${name}`, 2);
    const value = inline ?? args[++index];
    if (value === undefined || value === "") throw new CliError(`--${name} needs a value`, 2);
    values[name] = value;
  }
  if (positional.length !== 1 || positional[0] === undefined) throw new CliError("give exactly one FILE", 2);
  const format = values.format ?? "auto";
  if (!(formats as readonly string[]).includes(format)) {
    throw new CliError(`--format must be one of ${formats.join(", ")}`, 2);
  }
  return { file: positional[0], format, ...(values.feed ? { feed: values.feed } : {}) };
}

function progressBar(sent: number, total: number): string {
  const width = 30;
  const fraction = total > 0 ? Math.min(1, sent / total) : 1;
  const filled = Math.round(fraction * width);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  return `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.round(fraction * 100)}%  ${mb(sent)} / ${mb(total)} MB`;
}

function summaryText(summary: ImportSummary): string {
  const lines = [
    `imported ${summary.parsed} indicators as ${summary.format} in ${(summary.durationMs / 1000).toFixed(1)} s (run ${summary.runId}, ${summary.status})`,
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

export const importCommand: Command = {
  name: "import",
  summary: "upload a feed file or a report to your tenant's private indicators (TF_API_URL, TF_API_TOKEN)",
  usage: "tf import FILE [--format auto|csv|stix|misp|text] [--feed NAME]",
  async run(args, io) {
    const options = parseOptions(args);
    const token = process.env.TF_API_TOKEN;
    if (!token) throw new CliError("set TF_API_TOKEN to an API token with the indicators:write scope", 2);
    const base = process.env.TF_API_URL ?? "http://127.0.0.1:8787";
    let size: number;
    try {
      size = (await stat(options.file)).size;
    } catch {
      throw new CliError(`cannot read ${options.file}`);
    }
    const url = new URL("/api/v1/imports", base);
    url.searchParams.set("format", options.format);
    if (options.feed) url.searchParams.set("feed", options.feed);

    // Stream the file (never read it whole), drawing the progress bar as bytes leave.
    let sent = 0;
    let lastDrawn = 0;
    const file = Readable.toWeb(createReadStream(options.file)) as ReadableStream<Uint8Array>;
    const counted = file.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          sent += chunk.byteLength;
          if (sent - lastDrawn > 256 * 1024 || sent === size) {
            lastDrawn = sent;
            io.stderr.write(progressBar(sent, size));
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
    io.stderr.write(`${progressBar(size, size)}\n`);
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 500);
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {
        // Not the error envelope: show the start of the body.
      }
      throw new CliError(`the server answered ${response.status}: ${message}`);
    }
    await write(io.stdout, summaryText(JSON.parse(text) as ImportSummary));
    return 0;
  },
};
