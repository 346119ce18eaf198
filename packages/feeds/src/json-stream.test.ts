import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type JsonStreamEvent, streamJsonItems } from "./json-stream.ts";

async function* pieces(text: string, size: number): AsyncGenerator<string> {
  for (let offset = 0; offset < text.length; offset += size) yield text.slice(offset, offset + size);
}

async function scan(
  text: string,
  paths: string[][],
  size = 3,
  maxItemChars = 1_000_000,
): Promise<JsonStreamEvent[]> {
  const out: JsonStreamEvent[] = [];
  for await (const event of streamJsonItems(pieces(text, size), { paths, maxItemChars })) out.push(event);
  return out;
}

const items = (events: JsonStreamEvent[]) =>
  events.filter((event) => event.kind === "item").map((event) => event.value);

describe("streamJsonItems", () => {
  it("streams the elements of the array at a path and reports root scalars", async () => {
    const events = await scan(
      '{"more": true, "next": "a\\"b", "objects": [{"x": "]}"}, 2, "s", null, [1]]}',
      [["objects"]],
    );
    expect(items(events)).toEqual([{ x: "]}" }, 2, "s", null, [1]]);
    expect(events.filter((event) => event.kind === "scalar")).toEqual([
      { kind: "scalar", key: "more", value: true },
      { kind: "scalar", key: "next", value: 'a"b' },
    ]);
  });

  it("matches any key with * and tells which key an element came from", async () => {
    const events = await scan('{"101": [{"v": 1}], "102": [{"v": 2}, {"v": 3}]}', [["*"]]);
    expect(events.map((event) => (event.kind === "item" ? event.key : undefined))).toEqual([
      "101",
      "102",
      "102",
    ]);
  });

  it("yields the same elements as JSON.parse for any document and chunk size (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 17 }),
        async (values, size) => {
          const text = JSON.stringify({ meta: "x", data: values });
          const expected = JSON.parse(JSON.stringify(values)) as unknown[];
          expect(items(await scan(text, [["data"]], size))).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects an oversized element and goes on with the next", async () => {
    const big = JSON.stringify({ pad: "x".repeat(5000) });
    const events = await scan(`[${big}, {"ok": 1}]`, [[]], 64, 1000);
    expect(events[0]).toMatchObject({ kind: "error", index: 1 });
    expect(events[0]?.kind === "error" && events[0].raw.length).toBeLessThanOrEqual(200);
    expect(items(events)).toEqual([{ ok: 1 }]);
  });

  it("reports a truncated document, keeping the elements read before the cut", async () => {
    const events = await scan('{"objects": [{"a": 1}, {"b": ', [["objects"]]);
    expect(items(events)).toEqual([{ a: 1 }]);
    expect(events.at(-1)).toMatchObject({ kind: "error", reason: "JSON document is truncated" });
  });

  it("says when the expected array is missing", async () => {
    const events = await scan('{"data": {}}', [["objects"]]);
    expect(events).toEqual([{ kind: "error", index: 0, reason: 'no array at "objects"', raw: "" }]);
  });

  it("stops on text that is not JSON", async () => {
    const events = await scan("id,url\n1,http://x", [[]]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "error", reason: "not a JSON document" });
  });
});
