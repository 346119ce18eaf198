import { describe, expect, it } from "vitest";
import { cefExtensionValue, cefHeaderField, cefLine, cefSeverity, cefStream } from "./cef.ts";
import { streamToText } from "./stream.ts";
import { makeRecord } from "./test-records.ts";

const device = { deviceVendor: "Acme|MSSP", deviceProduct: "ThreatFusion", deviceVersion: "1.0" };

describe("CEF escaping", () => {
  it("escapes pipes and backslashes in header fields and flattens line breaks", () => {
    expect(cefHeaderField("a|b\\c")).toBe("a\\|b\\\\c");
    expect(cefHeaderField("one\r\ntwo\nthree")).toBe("one two three");
  });

  it("escapes equals signs, backslashes and newlines in extension values, but not pipes", () => {
    expect(cefExtensionValue("a=b\\c|d")).toBe("a\\=b\\\\c|d");
    expect(cefExtensionValue("line1\nline2\r")).toBe("line1\\nline2\\r");
  });
});

describe("cefLine", () => {
  it("writes a CEF:0 header with seven fields and typed extension keys", () => {
    const line = cefLine(
      makeRecord("url", "http://x.example/?a=1|b", { score: 87, context: { description: "multi\nline" } }),
      device,
    );
    // Seven header fields, then the extension (where pipes need no escape); the escaped pipe in the
    // vendor name does not split it.
    const fields = line.split(/(?<!\\)\|/);
    expect(fields.slice(0, 7)).toEqual([
      "CEF:0",
      "Acme\\|MSSP",
      "ThreatFusion",
      "1.0",
      "indicator:url",
      "Threat indicator url",
      "9",
    ]);
    expect(line.startsWith("CEF:0|Acme\\|MSSP|ThreatFusion|1.0|indicator:url|Threat indicator url|9|")).toBe(
      true,
    );
    expect(line).toContain("request=http://x.example/?a\\=1|b");
    expect(line).toContain("msg=multi\\nline");
    expect(line).not.toContain("\n");
  });

  it("maps the score to CEF severity 0–10", () => {
    expect(cefSeverity(0)).toBe(0);
    expect(cefSeverity(54)).toBe(5);
    expect(cefSeverity(100)).toBe(10);
    expect(cefSeverity(250)).toBe(10);
  });

  it("streams one line per exportable indicator", async () => {
    const text = await streamToText(
      cefStream(
        [
          makeRecord("ipv4", "192.0.2.1"),
          makeRecord("ipv4", "192.0.2.2", { suppressedReason: "false_positive" }),
        ],
        device,
      ),
    );
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("dst=192.0.2.1");
  });
});
