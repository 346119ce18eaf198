import type { Reliability, ScoringModel } from "./model.ts";

/** One source's report of an indicator. Times are epoch milliseconds. */
export interface Observation {
  sourceId: string;
  /** Display name for explanations ("Feodo Tracker"); falls back to the id. */
  sourceName?: string;
  reliability: Reliability;
  /** The source's own confidence (0–100) when it states one (STIX `confidence`, MISP threat level…). */
  sourceConfidence?: number;
  firstSeen: number;
  lastSeen: number;
  /**
   * Sources that republish one origin (aggregators re-sharing abuse.ch, say) share a group and count
   * once. Defaults to the source id.
   */
  independenceGroup?: string;
}

export interface SourceContribution {
  group: string;
  sourceId: string;
  sourceName: string;
  reliability: Reliability;
  /** Probability (0–1) that this source is right about this indicator. */
  probability: number;
}

export interface ConfidenceResult {
  /** 0–100, STIX semantics: how sure we are that the indicator is malicious. */
  confidence: number;
  independentSources: number;
  /** The strongest independent source first. */
  sources: SourceContribution[];
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : Math.min(value, max);
}

/** The reliability that applies: the MSSP's override for the source, else the observation's own. */
export function effectiveReliability(observation: Observation, model: ScoringModel): Reliability {
  return model.sourceReliability[observation.sourceId] ?? observation.reliability;
}

/**
 * Confidence from source reliability, each source's own confidence and corroboration across
 * INDEPENDENT sources: the same source (or independence group) counts once, at its best report.
 * The strongest source sets the floor; each further one closes part of the remaining doubt
 * (a damped noisy-OR), so adding a source never lowers confidence.
 *
 * @example computeConfidence([{ sourceId: "feodo", reliability: "B", firstSeen: t, lastSeen: t }], model)
 */
export function computeConfidence(
  observations: readonly Observation[],
  model: ScoringModel,
): ConfidenceResult {
  const best = new Map<string, SourceContribution>();
  for (const observation of observations) {
    const reliability = effectiveReliability(observation, model);
    const stated = observation.sourceConfidence ?? model.confidence.defaultSourceConfidence;
    const probability = model.reliabilityWeights[reliability] * (clamp(stated, 0, 100) / 100);
    const group = observation.independenceGroup ?? observation.sourceId;
    const current = best.get(group);
    if (current === undefined || probability > current.probability) {
      best.set(group, {
        group,
        sourceId: observation.sourceId,
        sourceName: observation.sourceName ?? observation.sourceId,
        reliability,
        probability,
      });
    }
  }
  const sources = [...best.values()].sort(
    (a, b) => b.probability - a.probability || a.group.localeCompare(b.group),
  );
  const probabilities = sources.map((source) => source.probability);
  return {
    confidence: combineProbabilities(probabilities, model),
    independentSources: sources.length,
    sources,
  };
}

/**
 * `computeConfidence` without the per-source breakdown, allocating next to nothing: the batch
 * re-scorer's path. Gives the same confidence and source count.
 */
export function confidenceOnly(
  observations: readonly Observation[],
  model: ScoringModel,
): { confidence: number; independentSources: number } {
  const groups: string[] = [];
  const probabilities: number[] = [];
  for (const observation of observations) {
    const reliability = effectiveReliability(observation, model);
    const stated = observation.sourceConfidence ?? model.confidence.defaultSourceConfidence;
    const probability = model.reliabilityWeights[reliability] * (clamp(stated, 0, 100) / 100);
    const group = observation.independenceGroup ?? observation.sourceId;
    const at = groups.indexOf(group);
    if (at === -1) {
      groups.push(group);
      probabilities.push(probability);
    } else if (probability > (probabilities[at] ?? 0)) {
      probabilities[at] = probability;
    }
  }
  probabilities.sort((a, b) => b - a);
  return { confidence: combineProbabilities(probabilities, model), independentSources: groups.length };
}

/** Damped noisy-OR over probabilities sorted from strongest to weakest. */
function combineProbabilities(sorted: readonly number[], model: ScoringModel): number {
  const first = sorted[0];
  if (first === undefined) return 0;
  let doubt = 1 - first;
  for (let i = 1; i < sorted.length; i++) {
    doubt *= 1 - model.confidence.corroborationWeight * (sorted[i] ?? 0);
  }
  // Rounding at 1e-9 first keeps float noise from flipping a .5 boundary between equal inputs.
  return clamp(Math.round(Math.round((1 - doubt) * 1e9) / 1e7), 0, 100);
}
