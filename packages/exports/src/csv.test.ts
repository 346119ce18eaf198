import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvCell, csvStream, isCsvColumn } from "./csv.ts";
import { streamToText } from "./stream.ts";
import { makeRecord } from "./test-records.ts";

describe("csvCell", () => {
  it("quotes per RFC 4180 only when needed, doubling inner quotes", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\r\nlines")).toBe('"two\r\nlines"');
  });

  it("neutralises spreadsheet formulas in cells starting with = + - @ tab or CR", () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-cmd")).toBe("'-cmd");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("=1", false)).toBe("=1");
  });

  it("round-trips any text through a standard CSV parser when the guard is off", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (cells) => {
        const line = cells.map((cell) => csvCell(cell, false)).join(",");
        const [row] = parse(line, { relax_column_count: true });
        expect(row).toEqual(cells.length === 1 && cells[0] === "" ? undefined : cells);
      }),
    );
  });
});

describe("csvStream", () => {
  it("writes the chosen columns with a header and CRLF line ends, with no row cap", async () => {
    const records = Array.from({ length: 6000 }, (_, i) =>
      makeRecord("domain", `d${i}.example`, { tags: ["a", "b,c"], context: { description: 'x "y"' } }),
    );
    const text = await streamToText(csvStream(records, { columns: ["value", "tags", "description"] }));
    const lines = text.split("\r\n");
    expect(lines[0]).toBe("value,tags,description");
    expect(lines[1]).toBe('d0.example,"a;b,c","x ""y"""');
    expect(lines).toHaveLength(6002);
    const rows = parse(text, { columns: true });
    expect(rows).toHaveLength(6000);
    expect(rows[5999]).toEqual({ value: "d5999.example", tags: "a;b,c", description: 'x "y"' });
  });

  it("leaves suppressed indicators out unless asked, then shows the reason", async () => {
    const records = [
      makeRecord("ipv4", "192.0.2.1"),
      makeRecord("ipv4", "192.0.2.9", { suppressedReason: "allowlisted" }),
    ];
    const defaultText = await streamToText(csvStream(records, { columns: ["value", "suppressed_reason"] }));
    expect(defaultText).toBe("value,suppressed_reason\r\n192.0.2.1,\r\n");
    const all = await streamToText(
      csvStream(records, { columns: ["value", "suppressed_reason"], includeSuppressed: true, header: false }),
    );
    expect(all).toBe("192.0.2.1,\r\n192.0.2.9,allowlisted\r\n");
  });

  it("knows its column names", () => {
    expect(isCsvColumn("value")).toBe(true);
    expect(isCsvColumn("constructor")).toBe(false);
  });
});
