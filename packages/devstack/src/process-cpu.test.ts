import { describe, expect, it } from "vitest";
import { type MachineTicksSample, machineBusySeconds, machineIdleShare } from "./process-cpu.ts";

// Two cores, ticks at 100 per second: each sample 1 s apart adds 200 ticks in all.
const samples: MachineTicksSample[] = [
  { at: 0, idle: 0, total: 0 },
  { at: 1000, idle: 100, total: 200 }, // half idle
  { at: 2000, idle: 100, total: 400 }, // both cores busy
  { at: 3000, idle: 300, total: 600 }, // all idle
];

describe("the machine's ticks over a window of samples", () => {
  it("gives the idle share between the window's first and last samples", () => {
    expect(machineIdleShare(samples, 0, 3000)).toBeCloseTo(0.5);
    expect(machineIdleShare(samples, 1000, 2000)).toBe(0);
    expect(machineIdleShare(samples, 2000, 3000)).toBe(1);
  });

  it("gives the busy CPU seconds of all cores in the window", () => {
    expect(machineBusySeconds(samples, 0, 3000)).toBe(3);
    expect(machineBusySeconds(samples, 1000, 2000)).toBe(2);
    expect(machineBusySeconds(samples, 2000, 3000)).toBe(0);
  });

  it("answers 0 for a window without samples", () => {
    expect(machineBusySeconds(samples, 3500, 4000)).toBe(0);
    expect(machineIdleShare(samples, 3500, 4000)).toBe(0);
  });
});
