import { extract } from "./extract.ts";
import { defang } from "./refang.ts";

/**
 * Defangs every indicator found in free text for safe display, leaving the rest of the text as written.
 * Each indicator is replaced by the defanged form of its canonical value (so `HTTP://Evil.com` becomes
 * `hxxp://evil[.]com`); indicators inside an already replaced span (a URL's host or path) are skipped.
 *
 * @example defangText("beacon to https://evil.com/x") // "beacon to hxxps://evil[.]com/x"
 */
export function defangText(text: string): string {
  const findings = extract(text)
    .filter((finding) => finding.derivedFrom === undefined)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const parts: string[] = [];
  let cursor = 0;
  for (const finding of findings) {
    if (finding.offset < cursor) continue;
    const replacement = defang(finding.value);
    if (
      replacement === finding.value &&
      text.slice(finding.offset, finding.offset + finding.length) === finding.value
    )
      continue;
    parts.push(text.slice(cursor, finding.offset), replacement);
    cursor = finding.offset + finding.length;
  }
  parts.push(text.slice(cursor));
  return parts.join("");
}
