import { AppError } from "@threatfusion/core";
import { canonicalize, detectIndicator, type IndicatorType, indicatorTypes } from "@threatfusion/ioc";
import {
  type ActiveIndicator,
  type ActiveIndicatorsTarget,
  selectActiveIndicatorsById,
  selectActiveIndicatorsByKey,
} from "./active-indicators.ts";

const idPattern = /^(ind|pin)_[0-9a-z]{26}$/;

/** True for our indicator ids (`ind_…` catalog, `pin_…` private). */
export function isIndicatorId(value: string): boolean {
  return idPattern.test(value);
}

/** Refangs and canonicalizes a value, with the type when the caller knows it; throws a 400 when it is not one. */
export function canonicalKey(raw: string, type?: string): { type: IndicatorType; value: string } {
  if (type !== undefined && !(indicatorTypes as readonly string[]).includes(type)) {
    throw new AppError("VALIDATION_FAILED", `type: unknown indicator type "${type}"`, {
      details: [{ path: "type", message: `one of ${indicatorTypes.join(", ")}` }],
    });
  }
  const result = type === undefined ? detectIndicator(raw) : canonicalize(type as IndicatorType, raw);
  if (!result.ok) {
    throw new AppError("VALIDATION_FAILED", `value: ${result.reason}`, {
      details: [{ path: "value", message: result.reason }],
    });
  }
  return { type: result.type, value: result.value };
}

/**
 * One indicator of the tenant's view by id or by (defanged or not) value, whatever its status: the
 * single-object read behind GET /indicators/{id}, timelines, related indicators and overlay updates.
 * Answers NOT_FOUND for anything the tenant cannot see, exactly as for what does not exist. One statement:
 * inside the tenant's open transaction, or as a round trip of its own (`target` a TenantContext).
 */
export async function findIndicator(
  target: ActiveIndicatorsTarget,
  tenantId: string,
  ref: { id?: string | undefined; value?: string | undefined; type?: string | undefined },
): Promise<ActiveIndicator> {
  let rows: ActiveIndicator[];
  if (ref.id !== undefined) {
    if (!isIndicatorId(ref.id)) throw new AppError("NOT_FOUND", "No such indicator");
    // Through the function whose plan PostgreSQL caches (the same statement; see selectActiveIndicatorsById).
    rows = await selectActiveIndicatorsById(target, { tenantId }, ref.id);
  } else if (ref.value !== undefined) {
    const key = canonicalKey(ref.value, ref.type);
    // A value can be both in the catalog and private: the tenant's own private row wins, then shared, then catalog.
    // Through the function whose plan PostgreSQL caches (the same statement; see selectActiveIndicatorsByKey).
    rows = await selectActiveIndicatorsByKey(target, { tenantId }, key);
    const rank = { private: 0, shared: 1, catalog: 2 } as const;
    rows.sort((a, b) => rank[a.origin] - rank[b.origin]);
  } else {
    throw new AppError("VALIDATION_FAILED", "Give an indicator id or a value");
  }
  const row = rows[0];
  if (row === undefined) throw new AppError("NOT_FOUND", "No such indicator");
  return row;
}
