import { describe, expect, it } from "vitest";
import { searchHref, seriesOf, sourceHref } from "./dashboard-links.ts";
import { filtersFromParams } from "./filters.ts";

function paramsOf(href: string): Record<string, string> {
  return Object.fromEntries(new URL(href, "http://portal.test").searchParams);
}

describe("dashboard widget links", () => {
  it("lead to a search the search page reads back as the same filter", () => {
    expect(filtersFromParams(paramsOf(searchHref({ type: "domain" })))).toEqual({ type: "domain" });
    expect(filtersFromParams(paramsOf(searchHref({ status: "false_positive" })))).toEqual({
      status: "false_positive",
    });
  });

  it("filter a global source by its id, and a tenant's own indicators by the tenant's name", () => {
    expect(paramsOf(sourceHref({ key: "src_01abc", label: "URLhaus" }))).toEqual({ source: "src_01abc" });
    expect(paramsOf(sourceHref({ key: "tnt_01xyz", label: "Contoso" }))).toEqual({ q: "Contoso" });
  });

  it("turns the per-day series into chart coordinates in seconds", () => {
    expect(
      seriesOf([
        { day: "2026-11-24", count: 3 },
        { day: "2026-11-25", count: 0 },
      ]),
    ).toEqual({ x: [Date.UTC(2026, 10, 24) / 1000, Date.UTC(2026, 10, 25) / 1000], y: [3, 0] });
  });
});
