import { describe, expect, it } from "vitest";
import { contrastRatio, ensureContrast, parseHex, readableTextOn } from "./colors.ts";

describe("brand colours", () => {
  it("parses short and long hex and rejects other strings", () => {
    expect(parseHex("#fff")).toEqual([255, 255, 255]);
    expect(parseHex("2563eb")).toEqual([37, 99, 235]);
    expect(parseHex("red")).toBeNull();
  });

  it("picks the text colour that reads better on a brand background", () => {
    expect(readableTextOn("#ffe600")).toBe("#000000");
    expect(readableTextOn("#1e3a8a")).toBe("#ffffff");
  });

  it("darkens a pale brand colour until links reach AA contrast on white", () => {
    const adjusted = ensureContrast("#ffe600", "#ffffff");
    const rgb = parseHex(adjusted);
    expect(rgb).not.toBeNull();
    if (rgb) expect(contrastRatio(rgb, [255, 255, 255])).toBeGreaterThanOrEqual(4.5);
  });

  it("lightens a dark brand colour on a dark surface", () => {
    const adjusted = ensureContrast("#1e3a8a", "#0b1220");
    const rgb = parseHex(adjusted);
    if (rgb) expect(contrastRatio(rgb, [11, 18, 32])).toBeGreaterThanOrEqual(4.5);
    expect(adjusted).not.toBe("#1e3a8a");
  });
});
