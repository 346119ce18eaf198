/** One line of a text feed, or the notice that a line was too long to keep. */
export type Line =
  | { number: number; text: string; tooLong?: undefined }
  | { number: number; tooLong: true; head: string; length: number };

/** Default cap on one line: longer lines become one rejected row instead of a huge string. */
export const defaultMaxLineChars = 64 * 1024;

/**
 * Splits decoded text chunks into lines (LF or CRLF) in bounded memory: a line longer than `maxLineChars`
 * is reported once with its first 200 characters, and the rest of it is dropped as it streams by.
 */
export async function* splitLines(
  chunks: AsyncIterable<string>,
  maxLineChars: number = defaultMaxLineChars,
): AsyncGenerator<Line> {
  for await (const lines of splitLineBatches(chunks, maxLineChars)) for (const line of lines) yield line;
}

/**
 * `splitLines`, one array of lines per decoded chunk: a parser that reads its lines from this pays the
 * async iteration (a promise and a turn per step, ~0.15 µs) once per chunk instead of once per line.
 */
export async function* splitLineBatches(
  chunks: AsyncIterable<string>,
  maxLineChars: number = defaultMaxLineChars,
): AsyncGenerator<Line[]> {
  let carry = "";
  let overflow: { head: string; length: number } | undefined;
  let number = 0;
  for await (const chunk of chunks) {
    const batch: Line[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf("\n", start);
      if (newline === -1) break;
      number++;
      if (overflow) {
        batch.push({ number, tooLong: true, head: overflow.head, length: overflow.length + newline - start });
        overflow = undefined;
      } else {
        const piece = chunk.slice(start, newline);
        const text = carry.length > 0 ? carry + piece : piece;
        carry = "";
        if (text.length > maxLineChars) {
          batch.push({ number, tooLong: true, head: text.slice(0, 200), length: text.length });
        } else {
          batch.push({ number, text: text.endsWith("\r") ? text.slice(0, -1) : text });
        }
      }
      start = newline + 1;
    }
    const rest = chunk.length - start;
    if (overflow) {
      overflow.length += rest;
    } else if (carry.length + rest > maxLineChars) {
      overflow = {
        head: (carry + chunk.slice(start, start + 200)).slice(0, 200),
        length: carry.length + rest,
      };
      carry = "";
    } else if (rest > 0) {
      carry += chunk.slice(start);
    }
    if (batch.length > 0) yield batch;
  }
  if (overflow) {
    yield [{ number: number + 1, tooLong: true, head: overflow.head, length: overflow.length }];
  } else if (carry.length > 0) {
    yield [{ number: number + 1, text: carry.endsWith("\r") ? carry.slice(0, -1) : carry }];
  }
}
