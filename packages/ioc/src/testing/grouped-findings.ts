import { extract } from "../extract.ts";

/**
 * `extractGrouped`'s answer built from `extract()`'s findings, which look at every occurrence (the collector
 * behind `extractGrouped` skips values it already holds): tests compare the two.
 */
export function groupedFromFindings(text: string): Record<string, string[]> {
  const values = new Map<string, Set<string>>();
  for (const finding of extract(text)) {
    values.set(finding.type, (values.get(finding.type) ?? new Set<string>()).add(finding.value));
  }
  return Object.fromEntries([...values].map(([type, set]) => [type, [...set].sort()]));
}
