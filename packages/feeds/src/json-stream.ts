/** What the streaming JSON scanner reports. */
export type JsonStreamEvent =
  /** One element of the target array, parsed. `key` is the parent key when the path used `*`. */
  | { kind: "item"; value: unknown; index: number; key?: string | undefined }
  | { kind: "error"; index: number; reason: string; raw: string }
  /** A primitive member of the root object (`more`, `next`, `catalogVersion`…). */
  | { kind: "scalar"; key: string; value: string | number | boolean | null };

export interface JsonStreamOptions {
  /** Candidate paths to the array of records, e.g. `[["objects"]]`, `[[], ["results"]]`, `[["*"]]`. */
  paths: string[][];
  /** An element longer than this is rejected (and skipped) rather than buffered. */
  maxItemChars: number;
}

interface Frame {
  isObject: boolean;
  key: string | undefined;
  expectKey: boolean;
  target: boolean;
}

type Capture =
  | {
      purpose: "item";
      shape: "container" | "string" | "primitive";
      parts: string[];
      size: number;
      depth: number;
      key: string | undefined;
    }
  | {
      purpose: "scalar";
      shape: "string" | "primitive";
      parts: string[];
      size: number;
      depth: number;
      key: string;
    };

const quoteOrBackslash = /["\\]/g;
const containerTokens = /["\\{}[\]]/g;
const primitiveEnd = /[,}\]\s]/g;

function describePath(path: string[]): string {
  return path.length === 0 ? "the top-level array" : `"${path.join(".")}"`;
}

/**
 * Streams the elements of one array inside a JSON document without holding the document: only the current
 * element is buffered (up to `maxItemChars`), so a 100 MB STIX bundle or KEV catalog parses in bounded
 * memory. Malformed elements become `error` events; the scan goes on at the next element.
 */
export async function* streamJsonItems(
  chunks: AsyncIterable<string>,
  options: JsonStreamOptions,
): AsyncGenerator<JsonStreamEvent> {
  const stack: Frame[] = [];
  let inString = false;
  let escaped = false;
  let stringIsKey = false;
  let keyParts = "";
  let capture: Capture | undefined;
  let targetFound = false;
  let rootSeen = false;
  let index = 0;
  const pending: JsonStreamEvent[] = [];

  const matchesPath = (): boolean =>
    options.paths.some(
      (path) =>
        path.length === stack.length &&
        path.every((segment, depth) => {
          const frame = stack[depth];
          return frame?.isObject === true && (segment === "*" || frame.key === segment);
        }),
    );

  const finishCapture = (text: string) => {
    if (!capture) return;
    const whole = capture.parts.length === 0 ? text : capture.parts.join("") + text;
    if (capture.purpose === "item") {
      index++;
      if (capture.size + text.length > options.maxItemChars) {
        pending.push({
          kind: "error",
          index,
          reason: `array element longer than the limit (${options.maxItemChars} chars)`,
          raw: whole.slice(0, 200),
        });
      } else {
        try {
          pending.push({ kind: "item", value: JSON.parse(whole), index, key: capture.key });
        } catch (error) {
          pending.push({
            kind: "error",
            index,
            reason: `invalid JSON element: ${String(error)}`.slice(0, 200),
            raw: whole.slice(0, 200),
          });
        }
      }
    } else {
      try {
        const value: unknown = JSON.parse(whole);
        if (
          value === null ||
          typeof value === "string" ||
          typeof value === "number" ||
          typeof value === "boolean"
        ) {
          pending.push({ kind: "scalar", key: capture.key, value });
        }
      } catch {
        // A malformed root member is not worth failing the run for; the items are what matter.
      }
    }
    capture = undefined;
  };

  const appendCapture = (text: string) => {
    if (!capture) return;
    capture.size += text.length;
    // Past the limit the text is dropped; only the size and the first 200 characters stay.
    if (capture.size <= options.maxItemChars) capture.parts.push(text);
    else if (capture.parts.length === 0 || capture.parts.join("").length < 200)
      capture.parts.push(text.slice(0, 200));
  };

  const startValue = (shape: "container" | "string" | "primitive"): Capture | undefined => {
    const parent = stack[stack.length - 1];
    if (parent?.target) {
      return { purpose: "item", shape, parts: [], size: 0, depth: 1, key: stack[stack.length - 2]?.key };
    }
    if (stack.length === 1 && parent?.isObject && parent.key !== undefined && shape !== "container") {
      return { purpose: "scalar", shape, parts: [], size: 0, depth: 0, key: parent.key };
    }
    return undefined;
  };

  for await (const chunk of chunks) {
    const length = chunk.length;
    let position = 0;
    let captureStart = capture ? 0 : -1;
    let keyStart = inString && stringIsKey ? 0 : -1;
    while (position < length) {
      if (escaped) {
        // The character after a backslash (maybe in the next chunk) never ends a string.
        escaped = false;
        position++;
        continue;
      }
      if (capture?.shape === "container") {
        // Inside a captured element only nesting and strings matter.
        const current = capture;
        containerTokens.lastIndex = position;
        position = length;
        for (let match = containerTokens.exec(chunk); match; match = containerTokens.exec(chunk)) {
          const at = match.index;
          const token = chunk[at];
          if (inString) {
            if (token === "\\") {
              if (at + 1 < length) containerTokens.lastIndex = at + 2;
              else escaped = true;
            } else if (token === '"') {
              inString = false;
            }
            continue;
          }
          if (token === '"') inString = true;
          else if (token === "{" || token === "[") current.depth++;
          else if (token === "}" || token === "]") {
            current.depth--;
            if (current.depth === 0) {
              finishCapture(chunk.slice(captureStart, at + 1));
              captureStart = -1;
              position = at + 1;
              break;
            }
          }
        }
        for (const event of pending.splice(0)) yield event;
        continue;
      }
      if (inString) {
        quoteOrBackslash.lastIndex = position;
        const match = quoteOrBackslash.exec(chunk);
        if (!match) {
          position = length;
          continue;
        }
        const at = match.index;
        if (chunk[at] === "\\") {
          // Skip the escaped character, which may itself be a quote.
          if (at + 1 < length) position = at + 2;
          else {
            escaped = true;
            position = length;
          }
          continue;
        }
        inString = false;
        position = at + 1;
        if (stringIsKey) {
          const raw = keyParts + chunk.slice(Math.max(keyStart, 0), at);
          keyParts = "";
          keyStart = -1;
          stringIsKey = false;
          const frame = stack[stack.length - 1];
          if (frame) {
            try {
              frame.key = JSON.parse(`"${raw}"`) as string;
            } catch {
              frame.key = raw;
            }
            frame.expectKey = false;
          }
        } else if (capture) {
          finishCapture(chunk.slice(captureStart, at + 1));
          captureStart = -1;
          for (const event of pending.splice(0)) yield event;
        }
        continue;
      }
      if (capture?.shape === "primitive") {
        primitiveEnd.lastIndex = position;
        const match = primitiveEnd.exec(chunk);
        if (!match) {
          position = length;
          continue;
        }
        finishCapture(chunk.slice(captureStart, match.index));
        captureStart = -1;
        position = match.index;
        for (const event of pending.splice(0)) yield event;
        continue;
      }
      const token = chunk[position];
      const frame = stack[stack.length - 1];
      switch (token) {
        case " ":
        case "\n":
        case "\r":
        case "\t":
        case ":":
          break;
        case "{":
        case "[":
          {
            const started = startValue("container");
            if (started) {
              capture = started;
              captureStart = position;
              break;
            }
          }
          if (stack.length === 0 && rootSeen) {
            yield {
              kind: "error",
              index,
              reason: "unexpected data after the JSON document",
              raw: chunk.slice(position, position + 200),
            };
            return;
          }
          rootSeen = true;
          if (token === "{") {
            stack.push({ isObject: true, key: undefined, expectKey: true, target: false });
          } else {
            const target = matchesPath();
            targetFound ||= target;
            stack.push({ isObject: false, key: undefined, expectKey: false, target });
          }
          break;
        case "}":
        case "]":
          stack.pop();
          break;
        case ",":
          if (frame?.isObject) frame.expectKey = true;
          break;
        case '"':
          inString = true;
          if (frame?.isObject && frame.expectKey) {
            stringIsKey = true;
            keyStart = position + 1;
            keyParts = "";
          } else {
            const started = startValue("string");
            if (started) {
              capture = started;
              captureStart = position;
            }
          }
          break;
        default:
          if (stack.length === 0) {
            const reason = rootSeen ? "unexpected data after the JSON document" : "not a JSON document";
            yield { kind: "error", index, reason, raw: chunk.slice(position, position + 200) };
            return;
          }
          {
            const started = startValue("primitive");
            if (started) {
              capture = started;
              captureStart = position;
              continue;
            }
          }
      }
      position++;
    }
    if (capture && captureStart >= 0) appendCapture(chunk.slice(captureStart));
    if (inString && stringIsKey) {
      keyParts = (keyParts + chunk.slice(Math.max(keyStart, 0))).slice(0, 10_000);
    }
    for (const event of pending.splice(0)) yield event;
  }
  if (capture?.shape === "primitive") {
    finishCapture("");
    for (const event of pending.splice(0)) yield event;
  }
  if (stack.length > 0 || inString || capture) {
    yield { kind: "error", index: index + 1, reason: "JSON document is truncated", raw: "" };
  }
  if (!targetFound && rootSeen) {
    const wanted = options.paths.map(describePath).join(" or ");
    yield { kind: "error", index: 0, reason: `no array at ${wanted}`, raw: "" };
  }
}
