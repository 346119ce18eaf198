import { feedFailure } from "./failure.ts";
import type { ByteSource } from "./types.ts";

const sniffBytes = 4096;

/** Iterates a byte source whatever its shape (Web ReadableStream or async iterable). */
export async function* iterateBytes(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (!("getReader" in source)) {
    yield* source;
    return;
  }
  // A reader works on every runtime; not all ReadableStreams are async-iterable (older Safari).
  const reader = source.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Reads at least `size` bytes (or all) from the iterator; returns them and the rest of the iterator. */
async function peek(
  iterator: AsyncIterator<Uint8Array>,
  size: number,
): Promise<{ head: Uint8Array; exhausted: boolean }> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < size) {
    const next = await iterator.next();
    if (next.done) return { head: concat(parts, total), exhausted: true };
    parts.push(next.value);
    total += next.value.byteLength;
  }
  return { head: concat(parts, total), exhausted: false };
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}

function detectEncoding(head: Uint8Array): "utf-8" | "utf-16le" | "utf-16be" {
  if (startsWith(head, [0xff, 0xfe])) return "utf-16le";
  if (startsWith(head, [0xfe, 0xff])) return "utf-16be";
  // UTF-16 without a BOM: ASCII text then has a zero in every odd (LE) or even (BE) byte.
  const sample = Math.min(head.byteLength, 512) & ~1;
  if (sample >= 8) {
    let zeroOdd = 0;
    let zeroEven = 0;
    for (let index = 0; index < sample; index += 2) {
      if (head[index] === 0) zeroEven++;
      if (head[index + 1] === 0) zeroOdd++;
    }
    const pairs = sample / 2;
    if (zeroOdd > pairs * 0.7 && zeroEven < pairs * 0.1) return "utf-16le";
    if (zeroEven > pairs * 0.7 && zeroOdd < pairs * 0.1) return "utf-16be";
  }
  return "utf-8";
}

/** True when too many bytes are control characters for this to be a text feed. */
function looksBinary(head: Uint8Array): boolean {
  const sample = Math.min(head.byteLength, sniffBytes);
  if (sample === 0) return false;
  let control = 0;
  for (let index = 0; index < sample; index++) {
    const byte = head[index] ?? 0;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) control++;
  }
  return control > sample * 0.05;
}

const htmlStart =
  /^\s*(<!--[\s\S]*?-->\s*)?<(!doctype\s+html|html|head|body|title|meta|script|div|p|h1|center)\b/i;

/** When `text` (the start of a body) is an HTML page, a short description of it; else undefined. */
export function describeHtml(text: string): string | undefined {
  const start = text.replace(/^\uFEFF/, "");
  if (!htmlStart.test(start)) return undefined;
  const title = /<title[^>]*>([^<]{0,200})/i.exec(start)?.[1]?.trim().replace(/\s+/g, " ");
  return title ? `HTML page titled "${title}"` : "HTML page";
}

export interface DecodedText {
  /** The first few KB, decoded: used to sniff the format. */
  head: string;
  /** The whole body (head included) as decoded string chunks. */
  chunks: AsyncGenerator<string>;
}

/**
 * Turns raw feed bytes into decoded text chunks, refusing what is not a text feed.
 * Gzip is inflated (DecompressionStream); zip archives, binary data and HTML pages fail the run with a clear
 * reason. UTF-8 is decoded with replacement characters; UTF-16 is recognised by BOM or zero bytes.
 */
export async function decodeFeedText(source: ByteSource, expected: string): Promise<DecodedText> {
  let iterator: AsyncIterator<Uint8Array> = iterateBytes(source)[Symbol.asyncIterator]();
  let peeked = await peek(iterator, sniffBytes);
  if (startsWith(peeked.head, [0x1f, 0x8b])) {
    iterator = gunzip(replay(peeked.head, iterator, peeked.exhausted))[Symbol.asyncIterator]();
    peeked = await peek(iterator, sniffBytes);
  }
  const head = peeked.head;
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    throw feedFailure("archive-unsupported", `expected ${expected} but the feed sent a zip archive`);
  }
  const encoding = detectEncoding(head);
  if (encoding === "utf-8" && looksBinary(head)) {
    throw feedFailure("binary-data", `expected ${expected} but the feed sent binary data`);
  }
  const headText = new TextDecoder(encoding).decode(head.subarray(0, sniffBytes));
  const html = expected === "html" ? undefined : describeHtml(headText);
  if (html) {
    throw feedFailure("html-instead-of-data", `expected ${expected} but the feed answered with an ${html}`);
  }
  return { head: headText, chunks: decodeChunks(replay(head, iterator, peeked.exhausted), encoding) };
}

async function* replay(
  head: Uint8Array,
  rest: AsyncIterator<Uint8Array>,
  exhausted: boolean,
): AsyncGenerator<Uint8Array> {
  if (head.byteLength > 0) yield head;
  if (exhausted) return;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

async function* gunzip(bytes: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await bytes.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  // The cast bridges lib.dom's BufferSource-typed DecompressionStream to our Uint8Array stream.
  const inflated = input.pipeThrough(
    new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
  try {
    yield* iterateBytes(inflated);
  } catch (error) {
    throw feedFailure(
      "invalid-document",
      `the gzip stream is corrupt or truncated (${String(error)})`.slice(0, 300),
    );
  }
}

async function* decodeChunks(bytes: AsyncGenerator<Uint8Array>, encoding: string): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of bytes) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield text;
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield tail;
}
