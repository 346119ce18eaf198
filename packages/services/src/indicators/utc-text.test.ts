import { describe, expect, it } from "vitest";
import { utcTextToIso } from "./utc-text.ts";

describe("utcTextToIso", () => {
  it("turns PostgreSQL's UTC text into RFC 3339 with milliseconds, truncated like Date#toISOString", () => {
    expect(utcTextToIso("2025-03-01 10:00:00+00")).toBe("2025-03-01T10:00:00.000Z");
    expect(utcTextToIso("2025-03-01 10:00:00.5+00")).toBe("2025-03-01T10:00:00.500Z");
    expect(utcTextToIso("2025-03-01 10:00:00.123999+00")).toBe("2025-03-01T10:00:00.123Z");
    expect(utcTextToIso("2025-03-01T10:00:00+02:00")).toBe("2025-03-01T08:00:00.000Z");
  });
});
