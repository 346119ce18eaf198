/** Scoring of extractors against the labelled corpora (shared by the accuracy benchmark and tests). */
import type { IndicatorType } from "../src/types.ts";
import { canonicalOrNull, type LabelledCase } from "./corpora.ts";

export type Extractor = (text: string) => Partial<Record<IndicatorType, string[]>>;

export interface Score {
  tp: number;
  fp: number;
  fn: number;
}

export function emptyScore(): Score {
  return { tp: 0, fp: 0, fn: 0 };
}

export function add(target: Score, other: Score): void {
  target.tp += other.tp;
  target.fp += other.fp;
  target.fn += other.fn;
}

function canonicalSet(type: IndicatorType, values: readonly string[] | undefined): Set<string> {
  const set = new Set<string>();
  for (const value of values ?? []) set.add(canonicalOrNull(type, value) ?? value.toLowerCase());
  return set;
}

export function scoreCase(
  testCase: LabelledCase,
  predicted: Partial<Record<IndicatorType, string[]>>,
  misses: string[],
): Map<IndicatorType, Score> {
  const scores = new Map<IndicatorType, Score>();
  for (const [type, expectation] of Object.entries(testCase.expected) as Array<
    [IndicatorType, LabelledCase["expected"][IndicatorType]]
  >) {
    if (expectation === undefined) continue;
    const got = canonicalSet(type, predicted[type]);
    const score = emptyScore();
    if (expectation.kind === "set") {
      for (const value of expectation.values) {
        if (got.has(value)) score.tp++;
        else {
          score.fn++;
          misses.push(`${testCase.corpus} ${testCase.name} FN ${type} ${value}`);
        }
      }
      if (!testCase.recallOnly) {
        for (const value of got) {
          if (!expectation.values.has(value)) {
            score.fp++;
            misses.push(`${testCase.corpus} ${testCase.name} FP ${type} ${value}`);
          }
        }
      }
    } else if (expectation.atLeast) {
      if (got.size >= expectation.count) score.tp += expectation.count;
      else {
        score.fn += expectation.count - got.size;
        score.tp += got.size;
        misses.push(
          `${testCase.corpus} ${testCase.name} FN ${type} (found ${got.size}, want >= ${expectation.count})`,
        );
      }
    } else {
      score.tp += Math.min(got.size, expectation.count);
      score.fp += Math.max(0, got.size - expectation.count);
      score.fn += Math.max(0, expectation.count - got.size);
      if (got.size !== expectation.count) {
        misses.push(
          `${testCase.corpus} ${testCase.name} ${got.size > expectation.count ? "FP" : "FN"} ${type} count ${got.size} want ${expectation.count}: ${[...got].join(" ")}`,
        );
      }
    }
    scores.set(type, score);
  }
  return scores;
}

/** F1 of a score; 1 when there was nothing to find and nothing was reported. */
export function f1(score: Score): number {
  const denominator = 2 * score.tp + score.fp + score.fn;
  return denominator === 0 ? 1 : (2 * score.tp) / denominator;
}

/** Micro-averaged score of one extractor over cases. */
export function microScore(extractor: Extractor, cases: readonly LabelledCase[]): Score {
  const total = emptyScore();
  for (const testCase of cases)
    for (const score of scoreCase(testCase, extractor(testCase.input), []).values()) add(total, score);
  return total;
}
