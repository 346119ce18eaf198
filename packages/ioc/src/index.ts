import { IndicatorCollector } from "./extract.ts";
import { type IndicatorType, indicatorTypes } from "./types.ts";

export { canonicalize, detectIndicator, type HashType, hashTypeByLength } from "./canonicalize.ts";
export { defangText } from "./defang-text.ts";
export { isPublicSuffix, isValidDomain, registrableDomain } from "./domain.ts";
export { type ExtractOptions, extract, IndicatorCollector } from "./extract.ts";
export { classifyIp, type IpClass } from "./ip.ts";
export { defang, refang } from "./refang.ts";
export * from "./types.ts";

/**
 * Unique canonical values per type, each array sorted; types without findings are omitted. This is the
 * shape `tf extract --json` prints.
 *
 * @example extractGrouped("see 1.2.3[.]4 and evil[.]com") // { ipv4: ["1.2.3.4"], domain: ["evil.com"] }
 */
export function extractGrouped(text: string): Partial<Record<IndicatorType, string[]>> {
  const collector = new IndicatorCollector();
  collector.add(text);
  return collector.grouped(indicatorTypes);
}
