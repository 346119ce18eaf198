import type { IndicatorContext, ParsedIndicator, ParseEvent } from "./types.ts";
import { canonicalValue, previewJson, toIsoDate } from "./values.ts";

type Json = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * Turns one CISA KEV catalog entry into a `cve` indicator with vendor, product, name, due date, required
 * action and known ransomware use as context; `dateAdded` is its first-seen date.
 */
export function kevEntryEvents(entry: unknown, unit: number): ParseEvent[] {
  if (entry === null || typeof entry !== "object") {
    return [
      {
        kind: "rejected",
        row: { line: unit, reason: "KEV entry is not an object", raw: previewJson(entry) },
      },
    ];
  }
  const record = entry as Json;
  const result = canonicalValue("cve", str(record.cveID) ?? "");
  if (!result.ok)
    return [{ kind: "rejected", row: { line: unit, reason: result.reason, raw: previewJson(entry) } }];
  const context: IndicatorContext = {};
  const copy = (
    key: "vendor" | "product" | "vulnerabilityName" | "requiredAction" | "knownRansomwareCampaignUse",
    from: string,
  ) => {
    const value = str(record[from]);
    if (value) context[key] = value.slice(0, 2000);
  };
  copy("vendor", "vendorProject");
  copy("product", "product");
  copy("vulnerabilityName", "vulnerabilityName");
  copy("requiredAction", "requiredAction");
  copy("knownRansomwareCampaignUse", "knownRansomwareCampaignUse");
  const description = str(record.shortDescription);
  if (description) context.description = description.slice(0, 2000);
  const due = toIsoDate(record.dueDate);
  if (due) context.dueDate = due.slice(0, 10);
  const extra: Record<string, string> = {};
  const notes = str(record.notes);
  if (notes) extra.notes = notes.slice(0, 2000);
  const cwes = Array.isArray(record.cwes) ? record.cwes.filter((cwe) => typeof cwe === "string") : [];
  if (cwes.length > 0) extra.cwes = cwes.join(",");
  if (Object.keys(extra).length > 0) context.extra = extra;
  const ransomware = context.knownRansomwareCampaignUse?.toLowerCase() === "known";
  const indicator: ParsedIndicator = {
    type: result.type,
    value: result.value,
    tags: ransomware ? ["kev", "ransomware"] : ["kev"],
    context,
    line: unit,
  };
  const added = toIsoDate(record.dateAdded);
  if (added) indicator.firstSeen = added;
  return [{ kind: "indicator", indicator }];
}
