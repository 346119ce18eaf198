import type { IndicatorType } from "@threatfusion/ioc";
import { indicatorTypes } from "@threatfusion/ioc";

/** Admiralty-code source reliability: A completely reliable … E unreliable, F cannot be judged. */
export const reliabilityLevels = ["A", "B", "C", "D", "E", "F"] as const;
export type Reliability = (typeof reliabilityLevels)[number];

/** Threat context that makes an indicator more (or less) actionable. */
export const contextKinds = [
  "c2",
  "ransomware",
  "exploited-cve",
  "malware",
  "phishing",
  "botnet",
  "scanner",
] as const;
export type ContextKind = (typeof contextKinds)[number];

/** Per-type parameters: how actionable the type is and how fast it goes stale. */
export interface TypeParameters {
  /** Multiplier (0–1) applied to confidence: how safely this type can be acted on (collateral damage). */
  weight: number;
  /** Days after the last evidence at which the decay curve reaches 0. */
  lifetimeDays: number;
  /** MISP's δ: above 1 the score drops early then flattens, below 1 it holds then drops near the end. */
  decaySpeed: number;
}

export interface ScoringModel {
  types: Record<IndicatorType, TypeParameters>;
  /**
   * Score levels, descending, at which a stored (materialized) score steps down as it decays. The
   * expiry threshold acts as the last one.
   */
  reactionPoints: number[];
  /** A live score under this expires the indicator: it leaves the active set and blocklists. */
  expiryThreshold: number;
  /** Probability (0–1) that a report from a source of this reliability is right. */
  reliabilityWeights: Record<Reliability, number>;
  /** MSSP overrides of a source's reliability, by source id; wins over the observation's own letter. */
  sourceReliability: Record<string, Reliability>;
  confidence: {
    /** Assumed confidence (0–100) of a source that states none. */
    defaultSourceConfidence: number;
    /** How much (0–1) each further independent source closes the remaining doubt, relative to the first. */
    corroborationWeight: number;
  };
  context: {
    /** Points added for each context kind; the strongest kind counts (no stacking). */
    boosts: Record<ContextKind, number>;
    /** Extra points when a named malware family is attached. */
    malwareFamilyBoost: number;
  };
  sightings: {
    /** Points added while the tenant's own sighting is recent. */
    boost: number;
    /** Extra points per further sighting, up to `maxExtraSightings`. */
    boostPerExtraSighting: number;
    maxExtraSightings: number;
    /** For how many days a sighting keeps its boost. */
    windowDays: number;
  };
  feedback: {
    /** A tenant's false-positive verdict multiplies its effective base score by this (0–1). */
    tenantFalsePositiveFactor: number;
    /** Points added when a tenant confirms a true positive; the confirmation also restarts decay. */
    tenantTruePositiveBoost: number;
    /** Maximum global points removed when every tenant with a verdict said false positive. */
    globalFalsePositivePenalty: number;
    /** k-anonymity floor: global feedback is ignored until at least this many tenants said false positive. */
    globalMinTenants: number;
  };
}

/**
 * Defaults; each value is justified in docs/scoring.md. Lifetimes follow the volatility of the type:
 * IPs are re-assigned within weeks, URLs go offline within days to weeks, domains outlive both,
 * and a file hash names the same malware forever.
 */
export const defaultScoringModel: ScoringModel = {
  types: {
    ipv4: { weight: 0.8, lifetimeDays: 30, decaySpeed: 2 },
    ipv6: { weight: 0.8, lifetimeDays: 30, decaySpeed: 2 },
    cidr: { weight: 0.6, lifetimeDays: 60, decaySpeed: 1.5 },
    url: { weight: 0.95, lifetimeDays: 60, decaySpeed: 2 },
    domain: { weight: 0.9, lifetimeDays: 120, decaySpeed: 1 },
    email: { weight: 0.85, lifetimeDays: 180, decaySpeed: 1 },
    md5: { weight: 1, lifetimeDays: 730, decaySpeed: 0.5 },
    sha1: { weight: 1, lifetimeDays: 730, decaySpeed: 0.5 },
    sha256: { weight: 1, lifetimeDays: 730, decaySpeed: 0.5 },
    sha512: { weight: 1, lifetimeDays: 730, decaySpeed: 0.5 },
    cve: { weight: 0.9, lifetimeDays: 365, decaySpeed: 0.5 },
    asn: { weight: 0.4, lifetimeDays: 90, decaySpeed: 1 },
  },
  reactionPoints: [90, 80, 70, 60, 50, 40, 30],
  expiryThreshold: 20,
  reliabilityWeights: { A: 0.95, B: 0.8, C: 0.6, D: 0.4, E: 0.15, F: 0.45 },
  sourceReliability: {},
  confidence: { defaultSourceConfidence: 75, corroborationWeight: 0.5 },
  context: {
    boosts: {
      c2: 20,
      ransomware: 25,
      "exploited-cve": 25,
      malware: 10,
      phishing: 10,
      botnet: 10,
      scanner: -15,
    },
    malwareFamilyBoost: 5,
  },
  sightings: { boost: 15, boostPerExtraSighting: 2, maxExtraSightings: 5, windowDays: 30 },
  feedback: {
    tenantFalsePositiveFactor: 0.1,
    tenantTruePositiveBoost: 10,
    globalFalsePositivePenalty: 40,
    globalMinTenants: 3,
  },
};

export interface ModelError {
  path: string;
  message: string;
}

export type ModelValidation = { ok: true; model: ScoringModel } | { ok: false; errors: ModelError[] };

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep-merges a partial edit over a base; arrays and scalars replace, objects merge. */
function mergeOver(base: unknown, edit: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(edit)) return edit === undefined ? base : edit;
  const out: PlainObject = { ...base };
  for (const [key, value] of Object.entries(edit)) out[key] = mergeOver(base[key], value);
  return out;
}

class Checker {
  readonly errors: ModelError[] = [];

  number(value: unknown, path: string, min: number, max: number, integer = false): void {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.errors.push({ path, message: "must be a finite number" });
    } else if (value < min || value > max) {
      this.errors.push({ path, message: `must be between ${min} and ${max}` });
    } else if (integer && !Number.isInteger(value)) {
      this.errors.push({ path, message: "must be an integer" });
    }
  }

  object(value: unknown, path: string): PlainObject {
    if (isPlainObject(value)) return value;
    this.errors.push({ path, message: "must be an object" });
    return {};
  }

  unknownKeys(value: PlainObject, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        this.errors.push({ path: `${path}.${key}`, message: "is not a known setting" });
    }
  }
}

/**
 * Validates an MSSP's edit of the model (a partial object merged over `base`) and returns the full
 * model or every problem found, each with its path. Never throws on bad input.
 *
 * @example validateScoringModel({ types: { ipv4: { lifetimeDays: 14 } } })
 */
export function validateScoringModel(
  input: unknown,
  base: ScoringModel = defaultScoringModel,
): ModelValidation {
  const check = new Checker();
  if (!isPlainObject(input)) return { ok: false, errors: [{ path: "$", message: "must be an object" }] };
  const merged = check.object(mergeOver(base, input), "$");
  check.unknownKeys(
    merged,
    [
      "types",
      "reactionPoints",
      "expiryThreshold",
      "reliabilityWeights",
      "sourceReliability",
      "confidence",
      "context",
      "sightings",
      "feedback",
    ],
    "$",
  );

  const types = check.object(merged.types, "types");
  check.unknownKeys(types, indicatorTypes, "types");
  for (const type of indicatorTypes) {
    const params = check.object(types[type], `types.${type}`);
    check.unknownKeys(params, ["weight", "lifetimeDays", "decaySpeed"], `types.${type}`);
    check.number(params.weight, `types.${type}.weight`, 0, 1);
    check.number(params.lifetimeDays, `types.${type}.lifetimeDays`, 1, 3650);
    check.number(params.decaySpeed, `types.${type}.decaySpeed`, 0.1, 10);
  }

  const points = merged.reactionPoints;
  if (!Array.isArray(points)) {
    check.errors.push({ path: "reactionPoints", message: "must be an array of scores" });
  } else {
    if (points.length > 20) check.errors.push({ path: "reactionPoints", message: "at most 20 points" });
    points.forEach((point, i) => {
      check.number(point, `reactionPoints.${i}`, 1, 99, true);
    });
    for (let i = 1; i < points.length; i++) {
      const previous = points[i - 1];
      const current = points[i];
      if (typeof previous === "number" && typeof current === "number" && current >= previous) {
        check.errors.push({ path: `reactionPoints.${i}`, message: "points must be strictly descending" });
      }
    }
  }
  check.number(merged.expiryThreshold, "expiryThreshold", 0, 100, true);

  const weights = check.object(merged.reliabilityWeights, "reliabilityWeights");
  check.unknownKeys(weights, reliabilityLevels, "reliabilityWeights");
  for (const level of reliabilityLevels) check.number(weights[level], `reliabilityWeights.${level}`, 0, 1);
  for (let i = 1; i < 5; i++) {
    const higher = weights[reliabilityLevels[i - 1] ?? "A"];
    const lower = weights[reliabilityLevels[i] ?? "A"];
    if (typeof higher === "number" && typeof lower === "number" && lower > higher) {
      check.errors.push({
        path: `reliabilityWeights.${reliabilityLevels[i]}`,
        message: "A–E must not increase from one level to the next",
      });
    }
  }
  const overrides = check.object(merged.sourceReliability, "sourceReliability");
  for (const [sourceId, level] of Object.entries(overrides)) {
    if (typeof level !== "string" || !(reliabilityLevels as readonly string[]).includes(level)) {
      check.errors.push({
        path: `sourceReliability.${sourceId}`,
        message: "must be one of A, B, C, D, E, F",
      });
    }
  }

  const confidence = check.object(merged.confidence, "confidence");
  check.unknownKeys(confidence, ["defaultSourceConfidence", "corroborationWeight"], "confidence");
  check.number(confidence.defaultSourceConfidence, "confidence.defaultSourceConfidence", 0, 100);
  check.number(confidence.corroborationWeight, "confidence.corroborationWeight", 0, 1);

  const context = check.object(merged.context, "context");
  check.unknownKeys(context, ["boosts", "malwareFamilyBoost"], "context");
  const boosts = check.object(context.boosts, "context.boosts");
  check.unknownKeys(boosts, contextKinds, "context.boosts");
  for (const kind of contextKinds) check.number(boosts[kind], `context.boosts.${kind}`, -50, 50);
  check.number(context.malwareFamilyBoost, "context.malwareFamilyBoost", 0, 25);

  const sightings = check.object(merged.sightings, "sightings");
  check.unknownKeys(
    sightings,
    ["boost", "boostPerExtraSighting", "maxExtraSightings", "windowDays"],
    "sightings",
  );
  check.number(sightings.boost, "sightings.boost", 0, 50);
  check.number(sightings.boostPerExtraSighting, "sightings.boostPerExtraSighting", 0, 10);
  check.number(sightings.maxExtraSightings, "sightings.maxExtraSightings", 0, 50, true);
  check.number(sightings.windowDays, "sightings.windowDays", 1, 365);

  const feedback = check.object(merged.feedback, "feedback");
  check.unknownKeys(
    feedback,
    [
      "tenantFalsePositiveFactor",
      "tenantTruePositiveBoost",
      "globalFalsePositivePenalty",
      "globalMinTenants",
    ],
    "feedback",
  );
  check.number(feedback.tenantFalsePositiveFactor, "feedback.tenantFalsePositiveFactor", 0, 1);
  check.number(feedback.tenantTruePositiveBoost, "feedback.tenantTruePositiveBoost", 0, 50);
  check.number(feedback.globalFalsePositivePenalty, "feedback.globalFalsePositivePenalty", 0, 100);
  check.number(feedback.globalMinTenants, "feedback.globalMinTenants", 2, 1000, true);

  if (check.errors.length > 0) return { ok: false, errors: check.errors };
  // Every field was checked above, so the merged object has the model's shape.
  return { ok: true, model: merged as unknown as ScoringModel };
}
