import type { IndicatorType } from "@threatfusion/ioc";
import {
  computeConfidence,
  confidenceOnly,
  type Observation,
  type SourceContribution,
} from "./confidence.ts";
import { dayMs, decayedScore, nextReactionAt } from "./decay.ts";
import { type ContextKind, contextKinds, type ScoringModel } from "./model.ts";

export interface ThreatContext {
  kinds?: readonly ContextKind[];
  malwareFamilies?: readonly string[];
}

/** The tenant's own observation of the indicator (SIEM hit, EDR alert…). Times are epoch ms. */
export interface Sighting {
  at: number;
  /** Where it was seen, as shown to the analyst: "SIEM", "EDR", "firewall". */
  source?: string;
}

export type TenantVerdict = "false-positive" | "true-positive";

/** Feedback counts across tenants. Counts only: which tenants said what never reaches scoring. */
export interface FeedbackCounts {
  falsePositiveTenants: number;
  truePositiveTenants: number;
}

export interface TenantOverlay {
  sightings?: readonly Sighting[];
  verdict?: TenantVerdict;
  /** When the verdict was given; a true-positive confirmation restarts decay from then. */
  verdictAt?: number;
}

export interface ScoreInput {
  type: IndicatorType;
  /** Precomputed confidence (0–100); computed from `observations` when absent. */
  confidence?: number;
  context?: ThreatContext;
  observations: readonly Observation[];
  /** Tenant overlay; leave out for the global score. */
  sightings?: readonly Sighting[];
  feedback?: { global?: FeedbackCounts; tenantVerdict?: TenantVerdict; tenantVerdictAt?: number };
  /** Epoch ms; scoring is a pure function of its inputs and `now`. */
  now: number;
}

export type FactorKey =
  | "confidence"
  | "context"
  | "globalFeedback"
  | "sightings"
  | "tenantFeedback"
  | "decay"
  | "bounds";

export interface ScoreFactor {
  key: FactorKey;
  label: string;
  /** The parameter applied (a multiplier for confidence/decay/false positive, points otherwise). */
  weight: number;
  /** Points this factor added (negative: removed) on the way to the final score. */
  contribution: number;
  detail: string;
}

export interface ScoreExplanation {
  factors: ScoreFactor[];
  /** The summary's clauses other than age, so a tenant overlay can extend a stored explanation. */
  clauses: string[];
  summary: string;
}

export interface ScoreResult {
  type: IndicatorType;
  /** 0–100, stepped at reaction points; 0 once expired. */
  score: number;
  expired: boolean;
  /** The exact decay curve value now, for charts; the stored value is `score`. */
  liveScore: number;
  /** Score before decay; tenant overlays build on the global one. */
  baseScore: number;
  /** Epoch ms at which decay started (latest evidence). */
  decayStart: number;
  /** When decay alone next changes `score` (epoch ms), null when expired. */
  nextReactionAt: number | null;
  confidence: number;
  independentSources: number;
  explanation: ScoreExplanation;
}

export interface FeedbackSignal {
  applied: boolean;
  /** Points to remove from the global score (0 when not applied). */
  penalty: number;
  detail: string;
}

const contextLabels: Record<ContextKind, string> = {
  c2: "C2 server",
  ransomware: "ransomware",
  "exploited-cve": "exploited vulnerability",
  malware: "malware",
  phishing: "phishing",
  botnet: "botnet",
  scanner: "mass scanner",
};

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : Math.min(value, max);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function daysAgo(ms: number): string {
  const days = Math.floor(ms / dayMs);
  if (days <= 0) return "today";
  return days === 1 ? "yesterday" : `${days} days ago`;
}

/**
 * The global feedback signal: tenants' false-positive verdicts, aggregated. Ignored until at least
 * `globalMinTenants` tenants said false positive, so no single tenant's verdict is inferable from
 * the global score (k-anonymity); the penalty then scales with the false-positive share.
 */
export function feedbackAggregate(counts: FeedbackCounts, model: ScoringModel): FeedbackSignal {
  const fp = Math.max(0, Math.floor(counts.falsePositiveTenants));
  const tp = Math.max(0, Math.floor(counts.truePositiveTenants));
  if (fp < model.feedback.globalMinTenants) {
    return { applied: false, penalty: 0, detail: "too few tenant verdicts to use" };
  }
  const share = fp / (fp + tp);
  return {
    applied: true,
    penalty: round1(model.feedback.globalFalsePositivePenalty * share),
    detail: `marked false positive by ${fp} of ${fp + tp} tenants with a verdict`,
  };
}

interface GlobalParts {
  base: number;
  decayStart: number;
  confidence: number;
  independentSources: number;
  bestSource: SourceContribution | undefined;
  topContext: ContextKind | undefined;
  factors: ScoreFactor[];
  summaryParts: string[];
}

function strongestContext(kinds: readonly ContextKind[], model: ScoringModel): ContextKind | undefined {
  let best: ContextKind | undefined;
  for (const kind of kinds) {
    // The strongest boost wins; a negative kind (scanner) applies only when nothing positive does. Equal
    // boosts go to the kind listed first in `contextKinds`, not to the first reported: the feeds' order (the
    // order a database returns observations in) must not change the explanation.
    const boost = model.context.boosts[kind];
    if (
      best === undefined ||
      boost > model.context.boosts[best] ||
      (boost === model.context.boosts[best] && contextKinds.indexOf(kind) < contextKinds.indexOf(best))
    ) {
      best = kind;
    }
  }
  return best;
}

function globalParts(input: UnscoredInput, now: number, model: ScoringModel, explain: boolean): GlobalParts {
  const params = model.types[input.type];
  const factors: ScoreFactor[] = [];
  const summaryParts: string[] = [];

  // The batch re-scorer (explain false) skips the per-source breakdown; no object spread on that path.
  const detailed = explain ? computeConfidence(input.observations, model) : undefined;
  const computed = detailed ?? confidenceOnly(input.observations, model);
  const confidence = input.confidence === undefined ? computed.confidence : clamp(input.confidence, 0, 100);
  const bestSource = detailed?.sources[0];
  let decayStart = Number.NEGATIVE_INFINITY;
  for (const observation of input.observations) {
    if (observation.lastSeen > decayStart) decayStart = observation.lastSeen;
  }
  if (decayStart === Number.NEGATIVE_INFINITY) decayStart = now;

  let base = confidence * params.weight;
  if (explain) {
    const sources = computed.independentSources;
    factors.push({
      key: "confidence",
      label: "Confidence",
      weight: params.weight,
      contribution: round1(base),
      detail: `confidence ${confidence} from ${plural(sources, "independent source")} × ${input.type} weight ${params.weight}`,
    });
  }

  const kinds = input.context?.kinds ?? [];
  const topContext = strongestContext(kinds, model);
  const families = input.context?.malwareFamilies ?? [];
  let contextPoints = topContext === undefined ? 0 : model.context.boosts[topContext];
  if (families.length > 0) contextPoints += model.context.malwareFamilyBoost;
  base += contextPoints;
  if (explain && (topContext !== undefined || families.length > 0)) {
    const label = topContext === undefined ? "malware" : contextLabels[topContext];
    factors.push({
      key: "context",
      label: "Threat context",
      weight: contextPoints,
      contribution: contextPoints,
      detail: families.length > 0 ? `${label} (${families.join(", ")})` : label,
    });
  }
  if (explain) {
    const label = topContext === undefined ? "reported" : contextLabels[topContext];
    const family = families.length > 0 ? ` ${families[0]}` : "";
    summaryParts.push(
      bestSource === undefined
        ? `${label}${family}`
        : `${label}${family} (${bestSource.sourceName}, reliability ${bestSource.reliability})`,
    );
    if (computed.independentSources > 1) summaryParts.push(`seen by ${computed.independentSources} sources`);
  }

  if (input.feedback?.global !== undefined) {
    const signal = feedbackAggregate(input.feedback.global, model);
    if (signal.applied) {
      base -= signal.penalty;
      if (explain) {
        factors.push({
          key: "globalFeedback",
          label: "Feedback across tenants",
          weight: model.feedback.globalFalsePositivePenalty,
          contribution: -signal.penalty,
          detail: signal.detail,
        });
        summaryParts.push(signal.detail);
      }
    }
  }

  return {
    // Rounded to 0.1 so the global base stored in the database rebuilds the same tenant score.
    base: round1(clampWithFactor(base, factors, explain)),
    decayStart,
    confidence,
    independentSources: computed.independentSources,
    bestSource,
    topContext,
    factors,
    summaryParts,
  };
}

function clampWithFactor(value: number, factors: ScoreFactor[], explain: boolean): number {
  const clamped = clamp(value, 0, 100);
  if (explain && clamped !== value) {
    factors.push({
      key: "bounds",
      label: "Score bounds",
      weight: 1,
      contribution: round1(clamped - value),
      detail: "kept within 0–100",
    });
  }
  return clamped;
}

interface OverlayParts {
  base: number;
  decayStart: number;
}

function applyOverlay(
  start: OverlayParts,
  overlay: TenantOverlay,
  now: number,
  model: ScoringModel,
  factors: ScoreFactor[],
  summaryParts: string[],
  explain: boolean,
): OverlayParts {
  let { base, decayStart } = start;

  const windowMs = model.sightings.windowDays * dayMs;
  let lastSighting: Sighting | undefined;
  let recentCount = 0;
  for (const sighting of overlay.sightings ?? []) {
    if (sighting.at > now || now - sighting.at > windowMs) continue;
    recentCount++;
    if (lastSighting === undefined || sighting.at > lastSighting.at) lastSighting = sighting;
  }
  if (lastSighting !== undefined) {
    const extra = Math.min(recentCount - 1, model.sightings.maxExtraSightings);
    const points = model.sightings.boost + extra * model.sightings.boostPerExtraSighting;
    base += points;
    // A sighting in the tenant's own environment is fresh evidence: decay restarts from it.
    if (lastSighting.at > decayStart) decayStart = lastSighting.at;
    if (explain) {
      const where = lastSighting.source === undefined ? "your environment" : `your ${lastSighting.source}`;
      const text = `sighted in ${where} ${daysAgo(now - lastSighting.at)}`;
      factors.push({
        key: "sightings",
        label: "Sightings in your environment",
        weight: model.sightings.boost,
        contribution: points,
        detail: recentCount > 1 ? `${text} (${recentCount} sightings)` : text,
      });
      summaryParts.push(text);
    }
  }

  if (overlay.verdict === "true-positive") {
    base += model.feedback.tenantTruePositiveBoost;
    if (overlay.verdictAt !== undefined && overlay.verdictAt <= now && overlay.verdictAt > decayStart) {
      decayStart = overlay.verdictAt;
    }
    if (explain) {
      factors.push({
        key: "tenantFeedback",
        label: "Your team's verdict",
        weight: model.feedback.tenantTruePositiveBoost,
        contribution: model.feedback.tenantTruePositiveBoost,
        detail: "confirmed malicious by your team",
      });
      summaryParts.push("confirmed by your team");
    }
  }
  base = clampWithFactor(base, factors, explain);

  if (overlay.verdict === "false-positive") {
    const lowered = base * model.feedback.tenantFalsePositiveFactor;
    if (explain) {
      factors.push({
        key: "tenantFeedback",
        label: "Your team's verdict",
        weight: model.feedback.tenantFalsePositiveFactor,
        contribution: round1(lowered - base),
        detail: "marked false positive by your team",
      });
      summaryParts.push("marked false positive by your team");
    }
    base = lowered;
  }
  return { base, decayStart };
}

function finish(
  type: IndicatorType,
  parts: { base: number; decayStart: number; confidence: number; independentSources: number },
  factors: ScoreFactor[],
  summaryParts: string[],
  now: number,
  model: ScoringModel,
  explain: boolean,
): ScoreResult {
  const params = model.types[type];
  const decayInput = {
    base: parts.base,
    decayStart: parts.decayStart,
    lifetimeDays: params.lifetimeDays,
    decaySpeed: params.decaySpeed,
  };
  const decayed = decayedScore(decayInput, now, model);
  const ageDays = Math.floor(decayed.ageDays);
  let summary = "";
  if (explain) {
    const removed = decayed.stored - parts.base;
    if (removed !== 0 || ageDays >= 1) {
      factors.push({
        key: "decay",
        label: "Age",
        weight: parts.base > 0 ? round1((decayed.stored / parts.base) * 100) / 100 : 0,
        contribution: round1(removed),
        detail: decayed.expired
          ? `expired: ${ageDays} days since last evidence (lifetime ${params.lifetimeDays} days)`
          : `${plural(ageDays, "day")} since last evidence of a ${params.lifetimeDays}-day lifetime`,
      });
    }
    const clauses = [...summaryParts];
    if (decayed.expired) clauses.push(`expired after ${plural(ageDays, "day")}`);
    else if (ageDays >= 1) clauses.push(`decaying for ${plural(ageDays, "day")}`);
    summary = `score ${decayed.stored}: ${clauses.join(", ")}`;
  }
  return {
    type,
    score: decayed.stored,
    expired: decayed.expired,
    liveScore: round1(decayed.live),
    baseScore: round1(parts.base),
    decayStart: parts.decayStart,
    nextReactionAt: decayed.expired ? null : nextReactionAt(decayInput, now, model, decayed),
    confidence: parts.confidence,
    independentSources: parts.independentSources,
    explanation: { factors, clauses: summaryParts, summary },
  };
}

/** A score input without its clock: what is stored for an indicator. */
export type UnscoredInput = Omit<ScoreInput, "now">;

function hasOverlay(input: UnscoredInput): boolean {
  return (
    (input.sightings !== undefined && input.sightings.length > 0) ||
    input.feedback?.tenantVerdict !== undefined
  );
}

/** Shared by `scoreIndicator` and the batch re-scorer (which skips building explanations). */
export function scoreAt(
  input: UnscoredInput,
  now: number,
  model: ScoringModel,
  explain: boolean,
): ScoreResult {
  const global = globalParts(input, now, model, explain);
  let parts: OverlayParts = { base: global.base, decayStart: global.decayStart };
  if (hasOverlay(input)) {
    const overlay: TenantOverlay = {
      ...(input.sightings === undefined ? {} : { sightings: input.sightings }),
      ...(input.feedback?.tenantVerdict === undefined ? {} : { verdict: input.feedback.tenantVerdict }),
      ...(input.feedback?.tenantVerdictAt === undefined ? {} : { verdictAt: input.feedback.tenantVerdictAt }),
    };
    parts = applyOverlay(parts, overlay, now, model, global.factors, global.summaryParts, explain);
  }
  return finish(
    input.type,
    { ...parts, confidence: global.confidence, independentSources: global.independentSources },
    global.factors,
    global.summaryParts,
    now,
    model,
    explain,
  );
}

/**
 * Scores one indicator: confidence (or observations) × type weight, plus threat context, minus
 * global false-positive feedback, then — when sightings or a tenant verdict are given — the tenant's
 * overlay, then decay since the latest evidence, stepped at reaction points. Deterministic: `now`
 * is an input. Without sightings/verdict this is the global score.
 *
 * @example scoreIndicator({ type: "ipv4", observations, context: { kinds: ["c2"] }, now: Date.now() }, model)
 *   // { score: 80, expired: false, explanation: { summary: "score 80: C2 server (Feodo Tracker, reliability B), …" } }
 */
export function scoreIndicator(input: ScoreInput, model: ScoringModel): ScoreResult {
  return scoreAt(input, input.now, model, true);
}

/**
 * A tenant's effective score from the stored global result and the tenant's overlay (sightings,
 * verdict), without re-reading observations: what a tenant's Durable Object runs. The global
 * explanation's factors are carried over and the tenant's are appended. `global` must be a global
 * result (scored without sightings or a tenant verdict), or the overlay would count twice.
 */
export function effectiveTenantScore(
  global: ScoreResult,
  overlay: TenantOverlay,
  model: ScoringModel,
  now: number,
): ScoreResult {
  const factors = global.explanation.factors.filter((factor) => factor.key !== "decay");
  const summaryParts = [...global.explanation.clauses];
  const parts = applyOverlay(
    { base: global.baseScore, decayStart: global.decayStart },
    overlay,
    now,
    model,
    factors,
    summaryParts,
    true,
  );
  return finish(
    global.type,
    { ...parts, confidence: global.confidence, independentSources: global.independentSources },
    factors,
    summaryParts,
    now,
    model,
    true,
  );
}
