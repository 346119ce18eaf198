/**
 * Splits pasted text into plain and indicator segments using the findings' offsets, so the bulk lookup can
 * show the text as written (defanged stays defanged) with each found indicator highlighted in place.
 */
import type { Finding } from "@threatfusion/ioc";

export type Segment = { kind: "text"; text: string } | { kind: "ioc"; text: string; finding: Finding };

export function segmentText(text: string, findings: readonly Finding[]): Segment[] {
  // Derived findings (a URL's host) overlap their parent: keep the outermost, earliest span.
  const spans = findings
    .filter((f) => f.derivedFrom === undefined)
    .slice()
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const segments: Segment[] = [];
  let position = 0;
  for (const finding of spans) {
    if (finding.offset < position) continue;
    if (finding.offset > position)
      segments.push({ kind: "text", text: text.slice(position, finding.offset) });
    segments.push({
      kind: "ioc",
      text: text.slice(finding.offset, finding.offset + finding.length),
      finding,
    });
    position = finding.offset + finding.length;
  }
  if (position < text.length) segments.push({ kind: "text", text: text.slice(position) });
  return segments;
}
