const encoder = new TextEncoder();

/** Strings are gathered up to this many UTF-16 units before one encode + enqueue: fewer, larger chunks. */
const chunkTarget = 64 * 1024;

/**
 * Turns an async source of text pieces into a byte stream, pulling only when the consumer asks
 * (back-pressure) and never holding more than about one chunk in memory. Cancelling the stream
 * closes the source (its `finally` blocks run), so a database cursor behind it is released.
 */
export function textToByteStream(source: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let buffer = "";
        while (buffer.length < chunkTarget) {
          const next = await iterator.next();
          if (next.done === true) {
            if (buffer.length > 0) controller.enqueue(encoder.encode(buffer));
            controller.close();
            return;
          }
          buffer += next.value;
        }
        controller.enqueue(encoder.encode(buffer));
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 1 },
  );
}

/** Reads a whole byte stream into a string: for tests and small exports only. */
export async function streamToText(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
