/**
 * Rounds that tell the engine's speed from the host's (speed.ts). This machine's vCPU shares its physical core
 * with other tenants: a bare charCodeAt loop runs at ~540–585 MB/s one second and ~300–370 the next, with the
 * other vCPU idle and no steal time reported, and every engine slows with it, ours and ioc-extractor alike
 * (docs/BENCHMARKS.md, session 16; `bench/contention.ts` prints the engine's rate against the loop's). A single
 * timing therefore says as much about the neighbours as about the code.
 *
 * A round times each measure once, between two timings of that bare loop. A round in which both loop timings
 * reach `uncontendedShare` of the best loop rate of the whole run ran on a core it had to itself; the figures of
 * those rounds are the engine's rate on one core, and the other rounds show what the host's contention costs.
 * Nothing is dropped: every summary prints both groups and how many rounds each holds.
 */

/** A round in which both loop timings reach this share of the run's best loop rate counts as uncontended. */
export const uncontendedShare = 0.9;

/** CPU milliseconds of this process (user + system) spent in `run`. */
export function cpuMilliseconds(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

let loopSink = 0;

/**
 * The probe text: 8,192 code units, small enough to stay in the core's L1 cache, so the probe times the core alone,
 * not the memory traffic of the measure before it.
 */
const probeText = Array.from({ length: 8192 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join("");
const probePasses = 128;

/** MB/s (CPU time) of a bare charCodeAt loop over the cached probe text (1 MB in all): what the core delivers now. */
export function bareLoopRate(): number {
  const ms = cpuMilliseconds(() => {
    for (let pass = 0; pass < probePasses; pass++) {
      let sum = 0;
      for (let i = 0; i < probeText.length; i++) sum = (sum + probeText.charCodeAt(i)) | 0;
      loopSink ^= sum;
    }
  });
  return megabytesPerSecond(probePasses * probeText.length, ms);
}

/** MB/s for `characters` UTF-16 code units (counted as MB of 1,048,576 units, as every row of speed.ts). */
export function megabytesPerSecond(characters: number, milliseconds: number): number {
  return characters / 1024 / 1024 / (Math.max(milliseconds, 0.001) / 1000);
}

/** One timed thing: its CPU milliseconds per round (the best of `callsPerRound` calls). */
export interface Measure {
  name: string;
  run: () => void;
  callsPerRound?: number;
}

/** One measure's timing in one round, and the loop rates just before and just after it. */
export interface Sample {
  loopBefore: number;
  loopAfter: number;
  ms: number;
}

/** The samples of every measure, in round order, and the best and worst loop rates seen while taking them. */
export class Rounds {
  readonly samples = new Map<string, Sample[]>();
  bestLoopRate = 0;
  worstLoopRate = Number.POSITIVE_INFINITY;

  /** Times `measure` once between two loop timings and keeps the sample. */
  take(measure: Measure): void {
    const loopBefore = this.#loop();
    let ms = Number.POSITIVE_INFINITY;
    for (let call = 0; call < (measure.callsPerRound ?? 1); call++) {
      ms = Math.min(ms, cpuMilliseconds(measure.run));
    }
    const sample = { loopBefore, loopAfter: this.#loop(), ms };
    const list = this.samples.get(measure.name) ?? [];
    list.push(sample);
    this.samples.set(measure.name, list);
  }

  /**
   * Rounds of every measure in turn: at least `minRounds`, then on until every measure has `minUncontended`
   * uncontended rounds (judged against the best loop rate so far) or `maxSeconds` of wall time have passed, so a
   * run that starts in a contended phase waits for the host rather than reporting too few rounds.
   */
  run(
    measures: readonly Measure[],
    limits: { minRounds: number; minUncontended: number; maxSeconds: number },
  ): number {
    const start = performance.now();
    let done = 0;
    const enough = (): boolean =>
      measures.every(
        (measure) =>
          (this.samples.get(measure.name) ?? []).filter((sample) => this.isUncontended(sample)).length >=
          limits.minUncontended,
      );
    while (performance.now() - start < limits.maxSeconds * 1000 && (done < limits.minRounds || !enough())) {
      for (const measure of measures) this.take(measure);
      done++;
    }
    return done;
  }

  /** Whether `sample` ran on an uncontended core: both its loop timings reach uncontendedShare of the best. */
  isUncontended(sample: Sample): boolean {
    return Math.min(sample.loopBefore, sample.loopAfter) >= uncontendedShare * this.bestLoopRate;
  }

  /** The samples of `name` split by contention (call once every sample of the run is taken). */
  split(name: string): { uncontended: number[]; contended: number[] } {
    const uncontended: number[] = [];
    const contended: number[] = [];
    for (const sample of this.samples.get(name) ?? []) {
      (this.isUncontended(sample) ? uncontended : contended).push(sample.ms);
    }
    return { uncontended, contended };
  }

  #loop(): number {
    const rate = bareLoopRate();
    if (rate > this.bestLoopRate) this.bestLoopRate = rate;
    if (rate < this.worstLoopRate) this.worstLoopRate = rate;
    return rate;
  }
}

/** The median of `values` (the lower middle for an even count), or NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/** A checksum of every bare loop so far, printed so that no loop is optimized away. */
export function loopChecksum(): number {
  return loopSink & 7;
}
