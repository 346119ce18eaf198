import { describe, expect, it } from "vitest";
import { adversarialInputs } from "../bench/adversarial.ts";
import { extractGrouped, refang } from "./index.ts";

/**
 * CPU milliseconds of this process for one run. CPU time, not wall time: the suite runs in parallel with
 * other work on shared cores, and a linear-time guarantee is about work done, not about scheduling.
 */
function cpuMs(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

describe("linear time on hostile input", () => {
  extractGrouped("warm up the JIT: 1.2.3.4 evil[.]com hxxp://x[.]org/a ab:cd::1 a@b.com");

  it.each(adversarialInputs(1024 * 1024))("extracts 1 MB of %s in well under a second", (_name, input) => {
    expect(cpuMs(() => extractGrouped(input))).toBeLessThan(1000);
  });

  it("refangs 1 MB of markers in well under a second", () => {
    const input = "[.](.)[dot] hxxp[:]// a DOT b ".repeat(40_000);
    expect(cpuMs(() => refang(input))).toBeLessThan(1000);
  });

  it("grows linearly: 4x the input takes well under 16x the time", () => {
    const unit = "a.b[.]c 1.2.3.4.5 http://x.com/(( ab:cd:ef ";
    const time = (copies: number): number => {
      const text = unit.repeat(copies);
      extractGrouped(text);
      return cpuMs(() => extractGrouped(text));
    };
    const small = Math.max(time(10_000), 1);
    expect(time(40_000)).toBeLessThan(small * 16);
  });
});
