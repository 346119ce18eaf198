import type { ExportIndicator, OverlayOptions } from "./types.ts";

/**
 * Applies the tenant overlay to an export: false positives and allowlisted indicators are left out
 * unless `includeSuppressed` is set; each one left out is reported through `onSuppressed`.
 */
export async function* applyOverlay(
  records: AsyncIterable<ExportIndicator> | Iterable<ExportIndicator>,
  options: OverlayOptions = {},
): AsyncGenerator<ExportIndicator> {
  for await (const record of records) {
    const reason = record.suppressedReason;
    if (reason !== undefined && options.includeSuppressed !== true) {
      options.onSuppressed?.(record, reason);
      continue;
    }
    yield record;
  }
}
