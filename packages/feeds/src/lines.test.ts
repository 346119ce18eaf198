import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Line, splitLines } from "./lines.ts";

async function* fromStrings(parts: string[]): AsyncGenerator<string> {
  yield* parts;
}

async function lines(parts: string[], max?: number): Promise<Line[]> {
  const out: Line[] = [];
  for await (const line of splitLines(fromStrings(parts), max)) out.push(line);
  return out;
}

describe("splitLines", () => {
  it("splits LF and CRLF lines and numbers them from 1", async () => {
    expect(await lines(["a\r\nb", "\nc"])).toEqual([
      { number: 1, text: "a" },
      { number: 2, text: "b" },
      { number: 3, text: "c" },
    ]);
  });

  it("reports an over-long line once, with its head, and keeps going", async () => {
    const long = "x".repeat(50);
    const result = await lines([`ok\n${long.slice(0, 20)}`, long.slice(20), "\nnext\n"], 30);
    expect(result).toHaveLength(3);
    expect(result[1]).toMatchObject({ number: 2, tooLong: true, length: 50 });
    expect(result[2]).toEqual({ number: 3, text: "next" });
  });

  it("gives the same lines whatever the chunking (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom("a", "b", "\n", "\r\n", "é") }),
        fc.array(fc.nat(40)),
        async (text, cuts) => {
          const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
          const parts: string[] = [];
          let previous = 0;
          for (const point of points) {
            parts.push(text.slice(previous, point));
            previous = point;
          }
          parts.push(text.slice(previous));
          expect(await lines(parts)).toEqual(await lines([text]));
        },
      ),
    );
  });

  it("drops a 10 MB line without keeping it (only a 200-char head survives)", async () => {
    const chunk = "A".repeat(1024 * 1024);
    const parts = [...Array.from({ length: 10 }, () => chunk), "\n192.0.2.1\n"];
    const result = await lines(parts);
    expect(result[0]).toMatchObject({ tooLong: true, length: 10 * 1024 * 1024 });
    expect(result[0]?.tooLong && result[0].head.length).toBe(200);
    expect(result[1]).toEqual({ number: 2, text: "192.0.2.1" });
  });
});
