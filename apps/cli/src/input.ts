import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { CliError } from "./command.ts";

const chunkBytes = 1024 * 1024;
/** Text held back between windows while waiting for a boundary; bounds memory on a single huge line. */
const maxCarry = 1024 * 1024;

/**
 * Reads FILE (or stdin for `-`) as UTF-8 and yields text windows that end at a whitespace boundary, so an
 * indicator is never split between two windows. Memory stays bounded on a 100 MB single line: when no
 * whitespace shows up within `maxCarry` characters the window is cut at the last character that cannot be
 * inside an indicator (or, in a pathological unbroken run, at the limit).
 * Binary input (NUL bytes) and invalid UTF-8 raise a CliError with a clear message.
 */
export async function* readTextWindows(source: string, stdin: Readable): AsyncGenerator<string> {
  const label = source === "-" ? "stdin" : source;
  const stream = source === "-" ? stdin : createReadStream(source, { highWaterMark: chunkBytes });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let carry = "";
  let bytesRead = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
      if (bytesRead < 65536 && bytes.subarray(0, 65536 - bytesRead).includes(0)) {
        throw new CliError(`${label} looks like binary data (NUL bytes); give a text file`);
      }
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch {
        throw new CliError(
          `${label} is not valid UTF-8 (near byte ${bytesRead}); convert it first, e.g. iconv -f latin1 -t utf-8`,
        );
      }
      bytesRead += bytes.length;
      const window = carry + text;
      const cut = boundary(window);
      yield window.slice(0, cut);
      carry = window.slice(cut);
    }
    try {
      carry += decoder.decode();
    } catch {
      throw new CliError(`${label} is not valid UTF-8 (truncated sequence at the end)`);
    }
    if (carry.length > 0) yield carry;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as { code?: string }).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : code === "EACCES"
            ? "permission denied"
            : String(error);
    throw new CliError(`cannot read ${label}: ${reason}`);
  }
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11;
}

function isIndicatorChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 46 ||
    c === 45 ||
    c === 95 ||
    c === 58 ||
    c === 64 ||
    c === 47 ||
    c >= 128
  );
}

/** Where to cut a window: after its last whitespace, else (window too long) after a non-indicator char. */
function boundary(window: string): number {
  const floor = Math.max(0, window.length - maxCarry);
  for (let i = window.length - 1; i >= floor; i--) if (isWhitespace(window.charCodeAt(i))) return i + 1;
  if (window.length <= maxCarry) return 0;
  const searchFloor = Math.max(0, window.length - maxCarry - 65536);
  for (let i = floor; i >= searchFloor; i--) if (!isIndicatorChar(window.charCodeAt(i))) return i + 1;
  return floor;
}
