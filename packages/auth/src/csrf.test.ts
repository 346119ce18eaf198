import { describe, expect, it } from "vitest";
import { isSafeMethod, verifyRequestOrigin } from "./csrf.ts";

const host = "app.threatfusion.test";

describe("verifyRequestOrigin", () => {
  it("lets safe methods through without an Origin", () => {
    for (const method of ["GET", "HEAD", "OPTIONS", "get"]) {
      expect(verifyRequestOrigin({ method, origin: null, host })).toBe(true);
    }
    expect(isSafeMethod("POST")).toBe(false);
  });

  it("accepts a state-changing request from our own host", () => {
    expect(verifyRequestOrigin({ method: "POST", origin: `https://${host}`, host })).toBe(true);
    expect(
      verifyRequestOrigin({ method: "DELETE", origin: "http://localhost:8787", host: "localhost:8787" }),
    ).toBe(true);
  });

  it("rejects a missing, opaque, malformed or foreign Origin", () => {
    for (const origin of [
      null,
      "",
      "null",
      "not a url",
      "https://evil.test",
      `https://${host}.evil.test`,
      "file:///x",
    ]) {
      expect(verifyRequestOrigin({ method: "POST", origin, host })).toBe(false);
    }
  });

  it("rejects a request whose Origin differs from Host only by port", () => {
    expect(verifyRequestOrigin({ method: "PUT", origin: `https://${host}:8443`, host })).toBe(false);
  });

  it("accepts explicitly allowed origins, compared as whole origins", () => {
    const allowedOrigins = ["https://portal.threatfusion.test"];
    expect(
      verifyRequestOrigin({
        method: "PATCH",
        origin: "https://portal.threatfusion.test",
        host,
        allowedOrigins,
      }),
    ).toBe(true);
    expect(
      verifyRequestOrigin({
        method: "PATCH",
        origin: "http://portal.threatfusion.test",
        host,
        allowedOrigins,
      }),
    ).toBe(false);
  });

  it("treats unknown methods as state-changing", () => {
    expect(verifyRequestOrigin({ method: "PROPFIND", origin: null, host })).toBe(false);
  });
});
