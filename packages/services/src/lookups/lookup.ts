import { AppError } from "@threatfusion/core";
import { detectIndicator, extract, type IndicatorType } from "@threatfusion/ioc";
import { authorizeAction, type ServiceContext, tenantReadContext } from "../context.ts";
import { selectActiveIndicators } from "../indicators/active-indicators.ts";
import { type IndicatorView, toIndicatorView } from "../indicators/view.ts";

/** Most values (or indicators found in free text) one lookup answers. */
export const maxLookupValues = 10_000;
/** Largest free text accepted (characters). */
export const maxLookupText = 2_000_000;

export interface LookupInput {
  /** Values, defanged or not (`hxxp://evil[.]com/x`, `1.2.3[.]4`). */
  values?: string[] | undefined;
  /** Free text (a report, an e-mail): indicators are extracted from it first. */
  text?: string | undefined;
}

export interface LookupMatch {
  /** What the caller sent (the value, or the text as written at `offset`). */
  input: string;
  type: IndicatorType;
  value: string;
  offset?: number;
  /** Every visible row with that value: catalog, private and shared can all hold it. */
  indicators: IndicatorView[];
}

export interface LookupMiss {
  input: string;
  type?: IndicatorType;
  value?: string;
  offset?: number;
  /** Set when the input is not an indicator at all. */
  reason?: string;
}

export interface LookupResult {
  matches: LookupMatch[];
  misses: LookupMiss[];
}

interface Candidate {
  input: string;
  type: IndicatorType;
  value: string;
  offset?: number;
}

/**
 * Bulk lookup: up to 10,000 values or the indicators found in free text, answered with matches (with the
 * tenant's view of each indicator, suppressed ones included with their reason) and misses (unknown values,
 * and inputs that are not indicators, with why). One query (one round trip) per 1,000 distinct values.
 */
export async function lookupIndicators({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: LookupInput;
}): Promise<LookupResult> {
  authorizeAction(ctx, "indicator.read");
  const candidates: Candidate[] = [];
  const misses: LookupMiss[] = [];
  if (input.values !== undefined) {
    for (const raw of input.values) {
      const result = detectIndicator(raw);
      if (result.ok) candidates.push({ input: raw, type: result.type, value: result.value });
      else misses.push({ input: raw, reason: result.reason });
    }
  }
  if (input.text !== undefined) {
    if (input.text.length > maxLookupText) {
      throw new AppError("PAYLOAD_TOO_LARGE", `text: at most ${maxLookupText} characters`);
    }
    for (const finding of extract(input.text, { offsets: true })) {
      candidates.push({
        input: input.text.slice(finding.offset, finding.offset + finding.length),
        type: finding.type,
        value: finding.value,
        offset: finding.offset,
      });
    }
  }
  if (candidates.length + misses.length > maxLookupValues) {
    throw new AppError("PAYLOAD_TOO_LARGE", `At most ${maxLookupValues} values per lookup`, {
      details: { limit: maxLookupValues, received: candidates.length + misses.length },
    });
  }
  const keyOf = (type: string, value: string) => `${type}\u0000${value}`;
  const distinct = new Map<string, { type: IndicatorType; value: string }>();
  for (const candidate of candidates) distinct.set(keyOf(candidate.type, candidate.value), candidate);
  const found = new Map<string, IndicatorView[]>();
  const keys = [...distinct.values()];
  // Each batch is one statement in one round trip (readInTenant): the values are answered independently, so
  // they need no common transaction, and a lookup opens no database session.
  const target = tenantReadContext(ctx);
  for (let start = 0; start < keys.length; start += 1000) {
    const batch = keys.slice(start, start + 1000);
    const page = await selectActiveIndicators(
      target,
      { tenantId: ctx.tenant.tenantId },
      { keys: batch, includeSuppressed: true, includeInactive: true },
      { order: "recent", limit: batch.length * 3 },
    );
    for (const row of page.rows) {
      const key = keyOf(row.type, row.value);
      const list = found.get(key) ?? [];
      list.push(toIndicatorView(row));
      found.set(key, list);
    }
  }
  const matches: LookupMatch[] = [];
  for (const candidate of candidates) {
    const indicators = found.get(keyOf(candidate.type, candidate.value));
    const base = {
      input: candidate.input,
      type: candidate.type,
      value: candidate.value,
      ...(candidate.offset === undefined ? {} : { offset: candidate.offset }),
    };
    if (indicators === undefined) misses.push(base);
    else matches.push({ ...base, indicators });
  }
  return { matches, misses };
}
