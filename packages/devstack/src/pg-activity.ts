import pg from "pg";

/**
 * Benchmark instrument: what one role's backends are doing, sampled from `pg_stat_activity` every `intervalMs`
 * over a direct TCP connection (not through the WebSocket bridge, whose CPU the benchmarks measure). Tells whether PostgreSQL waits on the
 * client ("idle in transaction": the Worker computing between two statements of a transaction), runs one or
 * several statements, or has no connection of the role at all (between two queue deliveries).
 */
export interface ActivitySample {
  /** ms since `origin` (a performance.now value). */
  at: number;
  active: number;
  idleInTransaction: number;
  idle: number;
  /** Wait events of the active backends, `type:event` (or "cpu" when none). */
  waits: string[];
}

export interface ActivitySampler {
  stop(): Promise<ActivitySample[]>;
}

export function sampleActivity(
  url: string,
  role: string,
  intervalMs = 50,
  origin = performance.now(),
): ActivitySampler {
  const samples: ActivitySample[] = [];
  const client = new pg.Client({ connectionString: url });
  const started = origin;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const before = performance.now();
      const { rows } = await client.query<{ state: string | null; wait: string | null }>(
        `select state, case when wait_event is null then null else wait_event_type || ':' || wait_event end as wait
         from pg_stat_activity where usename = $1 and pid <> pg_backend_pid()`,
        [role],
      );
      const sample: ActivitySample = {
        at: before - started,
        active: 0,
        idleInTransaction: 0,
        idle: 0,
        waits: [],
      };
      for (const row of rows) {
        if (row.state === "active") {
          sample.active++;
          sample.waits.push(row.wait ?? "cpu");
        } else if (row.state?.startsWith("idle in transaction")) sample.idleInTransaction++;
        else if (row.state === "idle") sample.idle++;
      }
      samples.push(sample);
      const spent = performance.now() - before;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - spent)));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      return samples;
    },
  };
}

/** Shares of the samples in [from, to) (ms since the sampler started) by what the role's backends did. */
export function summarizeActivity(
  samples: readonly ActivitySample[],
  from: number,
  to: number,
): {
  samples: number;
  /** No backend of the role connected (between deliveries), connected but none in a transaction or active. */
  noConnection: number;
  connectedIdle: number;
  /** Some in a transaction waiting on the client, none running a statement. */
  waitingOnClient: number;
  /** Exactly one / two or more statements running. */
  oneActive: number;
  twoActive: number;
  /** Of the samples with statements running: one running and another waiting on the client. */
  oneActiveOtherWaiting: number;
  waits: Map<string, number>;
} {
  const window = samples.filter((sample) => sample.at >= from && sample.at < to);
  const count = Math.max(1, window.length);
  const waits = new Map<string, number>();
  let noConnection = 0;
  let connectedIdle = 0;
  let waitingOnClient = 0;
  let oneActive = 0;
  let twoActive = 0;
  let oneActiveOtherWaiting = 0;
  for (const sample of window) {
    for (const wait of sample.waits) waits.set(wait, (waits.get(wait) ?? 0) + 1);
    if (sample.active >= 2) twoActive++;
    else if (sample.active === 1) {
      oneActive++;
      if (sample.idleInTransaction > 0) oneActiveOtherWaiting++;
    } else if (sample.idleInTransaction > 0) waitingOnClient++;
    else if (sample.idle > 0) connectedIdle++;
    else noConnection++;
  }
  return {
    samples: window.length,
    noConnection: noConnection / count,
    connectedIdle: connectedIdle / count,
    waitingOnClient: waitingOnClient / count,
    oneActive: oneActive / count,
    twoActive: twoActive / count,
    oneActiveOtherWaiting: oneActiveOtherWaiting / count,
    waits,
  };
}
