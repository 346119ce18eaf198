import { describe, expect, it } from "vitest";
import { adversarialInputs } from "../bench/adversarial.ts";
import { extractGrouped, refang } from "./index.ts";

describe("linear time on hostile input", () => {
  it.each(adversarialInputs(1024 * 1024))("extracts 1 MB of %s in well under a second", (_name, input) => {
    const start = performance.now();
    extractGrouped(input);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("refangs 1 MB of markers in well under a second", () => {
    const input = "[.](.)[dot] hxxp[:]// a DOT b ".repeat(40_000);
    const start = performance.now();
    refang(input);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("grows linearly: 4x the input takes well under 16x the time", () => {
    const unit = "a.b[.]c 1.2.3.4.5 http://x.com/(( ab:cd:ef ";
    const time = (copies: number): number => {
      const text = unit.repeat(copies);
      extractGrouped(text);
      const start = performance.now();
      extractGrouped(text);
      return performance.now() - start;
    };
    const small = Math.max(time(10_000), 1);
    expect(time(40_000)).toBeLessThan(small * 16);
  });
});
