import { describe, expect, it } from "vitest";
import { parseText } from "../test/support.ts";
import { splitCsvRecord } from "./csv.ts";

describe("splitCsvRecord", () => {
  it("splits plain and RFC 4180 quoted fields", () => {
    expect(splitCsvRecord('a,"b,c","d ""q"""')).toEqual({ fields: ["a", "b,c", 'd "q"'], open: false });
    expect(splitCsvRecord("a,,")).toEqual({ fields: ["a", "", ""], open: false });
  });

  it("accepts ThreatFox's comma-space separator between quoted fields", () => {
    expect(splitCsvRecord('"2026-08-22", "192.0.2.44:8443", "ip:port"').fields).toEqual([
      "2026-08-22",
      "192.0.2.44:8443",
      "ip:port",
    ]);
  });

  it("reports a quote left open at the end of the line", () => {
    expect(splitCsvRecord('a,"b\nc').open).toBe(true);
  });

  it("splits tab-separated records", () => {
    expect(splitCsvRecord("x\tIntel::ADDR\tF", "\t").fields).toEqual(["x", "Intel::ADDR", "F"]);
  });
});

describe("CSV with a column mapping", () => {
  it("uses a plain first-row header and reads mapped columns", async () => {
    const result = await parseText(
      "csv",
      "type,indicator,detected_date\ndomain,evil.example.com,2025-09-30\nip,192.0.2.9,2025-09-30\n",
      {
        csv: { value: "indicator", typeField: "type", typeMap: { ip: "auto" }, firstSeen: "detected_date" },
      },
    );
    expect(result.indicators.map((indicator) => [indicator.type, indicator.value])).toEqual([
      ["domain", "evil.example.com"],
      ["ipv4", "192.0.2.9"],
    ]);
    expect(result.indicators[0]?.firstSeen).toBe("2025-09-30T00:00:00.000Z");
  });

  it("re-joins a record whose quoted field spans lines", async () => {
    const result = await parseText("csv", 'value,note\n"192.0.2.7","line one\nline two"\n192.0.2.8,x\n', {
      csv: { value: "value", context: { description: "note" } },
    });
    expect(result.indicators.map((indicator) => indicator.context.description)).toEqual([
      "line one\nline two",
      "x",
    ]);
  });

  it("rejects a quote never closed, at the end of the feed", async () => {
    const result = await parseText("csv", 'value\n"192.0.2.7\n', { csv: { value: "value" } });
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.reason).toMatch(/unterminated/);
  });

  it("fails the run with a clear reason when the named value column is nowhere", async () => {
    await expect(parseText("csv", "a,b\n1,2\n", { csv: { value: "url" } })).rejects.toThrow(
      /header naming the value column "url"/,
    );
  });

  it("refuses a mapping without a value column", async () => {
    await expect(parseText("csv", "a\n", { csv: {} as never })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
  });

  it("unquotes values a spreadsheet re-quoted (ThreatFox export passed through pandas)", async () => {
    const quirky = 'ioc_value,malware_printable\n" ""88602976f7c64499ef40e4972ac17db6"""," ""Formbook"""\n';
    const result = await parseText("csv", quirky, {
      csv: { value: "ioc_value", context: { malwareFamily: "malware_printable" } },
    });
    expect(result.indicators[0]).toMatchObject({
      type: "md5",
      value: "88602976f7c64499ef40e4972ac17db6",
      context: { malwareFamily: "Formbook" },
    });
  });

  it("reads mixed CRLF and LF line endings (concatenated daily files) row by row", async () => {
    const result = await parseText(
      "tweetfeed",
      "2025-01-01 00:00:00,u,ip,192.0.2.1,,x\r\n2025-01-02 00:00:00,u,ip,192.0.2.2,,x\n2025-01-03 00:00:00,u,domain,a.example.com,,x\r\n",
    );
    expect(result.indicators.map((indicator) => indicator.value)).toEqual([
      "192.0.2.1",
      "192.0.2.2",
      "a.example.com",
    ]);
  });
});
