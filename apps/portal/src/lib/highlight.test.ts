import { extract } from "@threatfusion/ioc";
import { describe, expect, it } from "vitest";
import { segmentText } from "./highlight.ts";

describe("bulk lookup highlighting", () => {
  it("keeps the text as written and marks each indicator where it appears", () => {
    const text = "C2 at 185.220.101[.]7 and hxxps://evil-login[.]com/a.php today";
    const segments = segmentText(text, extract(text, { offsets: true }));
    expect(segments.map((s) => s.text).join("")).toBe(text);
    const iocs = segments.filter((s) => s.kind === "ioc");
    expect(iocs.map((s) => s.text)).toEqual(["185.220.101[.]7", "hxxps://evil-login[.]com/a.php"]);
    expect(iocs.map((s) => (s.kind === "ioc" ? s.finding.value : ""))).toEqual([
      "185.220.101.7",
      "https://evil-login.com/a.php",
    ]);
  });

  it("returns the whole text as one plain segment when nothing is found", () => {
    expect(segmentText("nothing here", [])).toEqual([{ kind: "text", text: "nothing here" }]);
  });
});
