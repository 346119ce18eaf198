import type { ScoringModel } from "./model.ts";

export const dayMs = 86_400_000;

/**
 * The MISP / OpenCTI polynomial decay: the share (0–1) of the base score left after `ageDays`,
 * `1 - (t / lifetime)^(1 / speed)`. Equal to 1 at t <= 0 and 0 from the lifetime on.
 * (OpenCTI writes the same curve with speed = 3 × its "decay factor".)
 */
export function decayFraction(ageDays: number, lifetimeDays: number, decaySpeed: number): number {
  if (ageDays <= 0) return 1;
  if (ageDays >= lifetimeDays) return 0;
  return 1 - (ageDays / lifetimeDays) ** (1 / decaySpeed);
}

/** Inverse of `decayFraction`: the age in days at which the curve reaches `fraction`. */
export function ageAtFraction(fraction: number, lifetimeDays: number, decaySpeed: number): number {
  if (fraction >= 1) return 0;
  if (fraction <= 0) return lifetimeDays;
  return lifetimeDays * (1 - fraction) ** decaySpeed;
}

export interface DecayInput {
  /** Score before decay (0–100). */
  base: number;
  /** When decay started: the latest evidence (epoch ms). */
  decayStart: number;
  lifetimeDays: number;
  decaySpeed: number;
}

export interface DecayedScore {
  /** The exact curve value now. */
  live: number;
  /** The value to store and show: the curve stepped at reaction points; 0 once expired. */
  stored: number;
  expired: boolean;
  ageDays: number;
}

/**
 * The stored score at `now`: it stays at the base until the live curve reaches the next reaction
 * point, then holds that point (as OpenCTI does), so a stored score changes only at reaction points and
 * the scheduler writes a handful of rows per indicator over its lifetime instead of one a day.
 */
export function decayedScore(input: DecayInput, now: number, model: ScoringModel): DecayedScore {
  const ageDays = (now - input.decayStart) / dayMs;
  const live = input.base * decayFraction(ageDays, input.lifetimeDays, input.decaySpeed);
  if (live < model.expiryThreshold || ageDays >= input.lifetimeDays || live <= 0) {
    return { live, stored: 0, expired: true, ageDays };
  }
  let stepped = input.base;
  for (const point of model.reactionPoints) {
    if (point < stepped && point >= live) stepped = point;
  }
  return { live, stored: Math.round(stepped), expired: false, ageDays };
}

/**
 * When the stored score will next change by decay alone (epoch ms), or null when it never will
 * (already expired). Sightings and feedback are events and trigger their own re-score.
 */
export function nextReactionAt(
  input: DecayInput,
  now: number,
  model: ScoringModel,
  /** `decayedScore(input, now, model)` when the caller has it already (the batch re-scorer does). */
  current: DecayedScore = decayedScore(input, now, model),
): number | null {
  if (current.expired) return null;
  const { base, lifetimeDays, decaySpeed } = input;
  let nextAgeDays = lifetimeDays;
  const consider = (ageDays: number): void => {
    if (ageDays > current.ageDays && ageDays < nextAgeDays) nextAgeDays = ageDays;
  };
  for (const point of model.reactionPoints) {
    if (point < current.stored) consider(ageAtFraction(point / base, lifetimeDays, decaySpeed));
  }
  if (model.expiryThreshold > 0) {
    consider(ageAtFraction(model.expiryThreshold / base, lifetimeDays, decaySpeed));
  }
  // One millisecond past the exact crossing, so that re-scoring at that instant sees the change
  // despite floating-point error in the inverse.
  return input.decayStart + Math.ceil(nextAgeDays * dayMs) + 1;
}
