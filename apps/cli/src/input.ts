import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { CliError } from "./command.ts";

const chunkBytes = 1024 * 1024;
/** Bytes held back between windows while waiting for a boundary; bounds memory on a single huge line. */
const maxCarry = 1024 * 1024;

/**
 * Reads FILE (or stdin for `-`) as UTF-8 and yields text windows that end at a whitespace boundary, so an
 * indicator is never split between two windows. Memory stays bounded on a 100 MB single line: when no
 * whitespace shows up within `maxCarry` bytes the window is cut after the last byte that cannot be inside an
 * indicator (or, in a pathological unbroken run, at the limit; the streaming decoder keeps a character cut
 * there whole). Binary input (NUL bytes) and invalid UTF-8 raise a CliError with a clear message.
 *
 * The boundary is found in the bytes (whitespace and the other cut points are ASCII, never inside a UTF-8
 * sequence) and only the bytes up to it are decoded, so each window is a flat string of its own. A window
 * sliced out of `carry + text` is a view into a larger string, which the extractor read 15-25 % slower
 * (docs/BENCHMARKS.md, IOC section, session 15).
 */
export async function* readTextWindows(source: string, stdin: Readable): AsyncGenerator<string> {
  const label = source === "-" ? "stdin" : source;
  const stream = source === "-" ? stdin : createReadStream(source, { highWaterMark: chunkBytes });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decode = (bytes: Uint8Array, offset: number, stream: boolean): string => {
    try {
      return decoder.decode(bytes, { stream });
    } catch {
      throw new CliError(
        `${label} is not valid UTF-8 (near byte ${offset}); convert it first, e.g. iconv -f latin1 -t utf-8`,
      );
    }
  };
  let carry = new Uint8Array(0);
  let bytesRead = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
      if (bytesRead < 65536 && bytes.subarray(0, 65536 - bytesRead).includes(0)) {
        throw new CliError(`${label} looks like binary data (NUL bytes); give a text file`);
      }
      const pending = carry.length === 0 ? bytes : concatBytes(carry, bytes);
      const windowStart = bytesRead - carry.length;
      bytesRead += bytes.length;
      const cut = boundary(pending);
      const window = decode(pending.subarray(0, cut), windowStart, true);
      if (window.length > 0) yield window;
      // A copy: a view would keep the whole chunk alive for the few bytes carried.
      carry = pending.slice(cut);
    }
    const rest = decode(carry, bytesRead - carry.length, false);
    if (rest.length > 0) yield rest;
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

function concatBytes(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const joined = new Uint8Array(head.length + tail.length);
  joined.set(head);
  joined.set(tail, head.length);
  return joined;
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

/** Where to cut a window: after its last whitespace, else (window too long) after a non-indicator byte. */
function boundary(bytes: Uint8Array): number {
  const floor = Math.max(0, bytes.length - maxCarry);
  for (let i = bytes.length - 1; i >= floor; i--) if (isWhitespace(bytes[i] ?? 0)) return i + 1;
  if (bytes.length <= maxCarry) return 0;
  const searchFloor = Math.max(0, bytes.length - maxCarry - 65536);
  for (let i = floor; i >= searchFloor; i--) if (!isIndicatorChar(bytes[i] ?? 0)) return i + 1;
  return floor;
}
