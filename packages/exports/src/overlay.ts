import { type ExportIndicator, type ExportSource, isRecordBatch, type OverlayOptions } from "./types.ts";

/**
 * Applies the tenant overlay to an export: false positives and allowlisted indicators are left out
 * unless `includeSuppressed` is set; each one left out is reported through `onSuppressed`. Batches in the
 * source are flattened, so writers see one record at a time.
 */
export async function* applyOverlay(
  records: ExportSource,
  options: OverlayOptions = {},
): AsyncGenerator<ExportIndicator> {
  for await (const item of records) {
    const batch: readonly ExportIndicator[] = isRecordBatch(item) ? item : [item];
    for (const record of batch) {
      const reason = record.suppressedReason;
      if (reason !== undefined && options.includeSuppressed !== true) {
        options.onSuppressed?.(record, reason);
        continue;
      }
      yield record;
    }
  }
}
