import { indicatorStatuses, privateIndicatorStatuses, tlpLevels } from "@threatfusion/db";
import { indicatorTypes } from "@threatfusion/ioc";
import { z } from "zod";
import type { ActiveIndicatorFilter } from "./active-indicators.ts";

const percent = z.number().int().min(0).max(100);
const timestamp = z.iso.datetime({ offset: true });

/**
 * The JSON form of an active-indicators filter (saved searches, TAXII collections, POST bodies). The
 * same fields as the REST list's query parameters; unknown fields are refused so a typo never silently
 * widens a saved filter.
 */
export const indicatorFilterSchema = z
  .object({
    types: z.array(z.enum(indicatorTypes)).max(indicatorTypes.length).optional(),
    valuePrefix: z.string().min(1).max(2048).optional(),
    sourceIds: z
      .array(z.string().regex(/^src_[0-9a-z]{26}$/))
      .max(50)
      .optional(),
    feedIds: z
      .array(z.string().regex(/^fed_[0-9a-z]{26}$/))
      .max(50)
      .optional(),
    tags: z.array(z.string().min(1).max(200)).max(20).optional(),
    statuses: z.array(z.enum(privateIndicatorStatuses)).max(privateIndicatorStatuses.length).optional(),
    scoreMin: percent.optional(),
    scoreMax: percent.optional(),
    confidenceMin: percent.optional(),
    confidenceMax: percent.optional(),
    firstSeenFrom: timestamp.optional(),
    firstSeenTo: timestamp.optional(),
    lastSeenFrom: timestamp.optional(),
    lastSeenTo: timestamp.optional(),
    tlp: z.array(z.enum(tlpLevels)).max(tlpLevels.length).optional(),
    origins: z
      .array(z.enum(["catalog", "private", "shared"]))
      .max(3)
      .optional(),
    includeSuppressed: z.boolean().optional(),
    includeInactive: z.boolean().optional(),
  })
  .strict();

export type IndicatorFilterJson = z.infer<typeof indicatorFilterSchema>;

/** A stored filter back to a query filter; a stored value that no longer validates matches nothing. */
export function filterFromJson(value: unknown): ActiveIndicatorFilter {
  const parsed = indicatorFilterSchema.safeParse(value ?? {});
  return parsed.success ? (parsed.data as ActiveIndicatorFilter) : { ids: [] };
}

export { indicatorStatuses };
