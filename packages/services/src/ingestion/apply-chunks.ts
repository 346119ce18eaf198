import type { Logger } from "@threatfusion/core";
import {
  ByIndicatorKey,
  type Database,
  type DbTransaction,
  type Tlp,
  untilQueriesSent,
  upsertIndicators,
  upsertObservations,
  withIngestTx,
  withTenantTx,
} from "@threatfusion/db";
import type { Reliability, ScoringModel } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { scoreRowsBeforeUpsert } from "../scoring/ingest-score.ts";
import { loadGlobalModel } from "../scoring/model-store.ts";
import { indexChangedInTransaction, searchIndexedAtApply } from "../search/index-on-change.ts";
import type { FeedChunkMessage } from "./messages.ts";
import { upsertPrivateIndicators } from "./private-upsert.ts";
import {
  type FeedFacts,
  type IndicatorKey,
  type RejectedIndicator,
  toGlobalRows,
  toPrivateRows,
} from "./rows.ts";

/**
 * The consumer's write step. The global chunks of a queue batch are cut into groups of ~5,000 indicators (about
 * one bulk statement of each kind per group), written by two lanes (connections), each group in an ingestion
 * transaction of its own, a lane taking the next group when its last one committed; each tenant's private
 * chunks go into one transaction of that tenant. In the same transaction each chunk claims its row in the
 * idempotency ledger (`ingest_chunks`, key run_id + chunk): a chunk whose row exists is a redelivery and writes
 * nothing.
 */

export interface ApplyDependencies {
  /** Ingestion role: global catalog, ledger, runs. */
  ingestDb: Database;
  /** Application role: tenant-private feeds, inside that tenant's transaction. */
  appDb: Database;
  model?: ScoringModel;
  logger?: Logger;
  /** Clock for the score written with new catalog rows (epoch ms); defaults to `Date.now`. */
  now?: () => number;
  /** Test seam: called inside the transaction after the upserts, before commit ("kill mid-batch"). */
  beforeCommit?: () => void | Promise<void>;
  /**
   * Global chunks are written by this many lanes at the same time, each a connection of its own that writes
   * its groups one transaction after another (default 2: the ingest pool holds two). Each group claims its own
   * ledger rows, so a failure of one group retries only what it did not commit.
   */
  parallelism?: number;
  /**
   * About how many indicators one group (one transaction) carries (default 5,000: whole chunks, so a group of
   * up to ~6,000 may take a second, small statement of each kind, as `upsertIndicators` cuts at 5,000):
   * a delivery is cut into at least `parallelism` groups, more when it is larger, so that while one lane's
   * statements run in PostgreSQL the other lane's JavaScript (rows, scores, parameters) runs here, instead of
   * all lanes computing at once with PostgreSQL idle, then all writing at once with the Worker idle.
   */
  groupIndicators?: number;
}

export type ChunkOutcome = "applied" | "duplicate" | "unknown-run";

export interface ApplyResult {
  /** By `runId:chunk`. */
  outcomes: Map<string, ChunkOutcome>;
  /** Runs that received chunks (applied or duplicate): hand-off and finishing look at these. */
  runIds: string[];
  /** What the hand-off would otherwise read back from the ledger, for the chunks applied by this call. */
  applied: AppliedInMemory;
}

/** Known in the invocation that applied the chunks; a later hand-off reads the ledger instead. */
export interface AppliedInMemory {
  /** By `runId:chunk`: the ids written to the ledger row's `touched_ids`. */
  touchedByChunk: Map<string, string[]>;
  /**
   * By `runId:chunk` (global chunks): the ids of `touchedByChunk` whose stored score may be stale, in the same
   * order: all but the new catalog rows inserted with their score that no other group of the delivery wrote
   * beside them (see `IndicatorChange.mayBeStale`).
   */
  mayBeStaleByChunk: Map<string, string[]>;
}

interface RunFacts extends FeedFacts {
  runId: string;
}

interface ChunkCounts<H> {
  indicators: number;
  new: number;
  changed: number;
  unchanged: number;
  rejected: number;
  touched: string[];
  /** Per id of `touched`: what `touched(key)` answered for it (undefined: a corroborated row). */
  hits: (H | undefined)[];
}

const chunkKey = (message: Pick<FeedChunkMessage, "runId" | "chunk">) => `${message.runId}:${message.chunk}`;

async function loadRuns(db: Database, runIds: string[]): Promise<Map<string, RunFacts>> {
  const { rows } = await db.execute<{
    run_id: string;
    feed_id: string;
    tenant_id: string | null;
    source_id: string;
    source_name: string;
    reliability: Reliability;
    default_tlp: Tlp;
  }>(sql`
    select r.id as run_id, r.feed_id, r.tenant_id, f.source_id, s.name as source_name, s.reliability, s.default_tlp
    from feed_runs r join feeds f on f.id = r.feed_id join sources s on s.id = f.source_id
    where r.id = any (${sql.param(runIds)}::text[])`);
  return new Map(
    rows.map((row) => [
      row.run_id,
      {
        runId: row.run_id,
        feedId: row.feed_id,
        tenantId: row.tenant_id,
        sourceId: row.source_id,
        sourceName: row.source_name,
        reliability: row.reliability,
        tlp: row.default_tlp,
      },
    ]),
  );
}

/** Inserts ledger rows; returns the keys that were not there yet (the chunks to apply now). */
async function claimLedger(
  tx: DbTransaction,
  chunks: readonly FeedChunkMessage[],
  tenantId: string | null,
): Promise<Set<string>> {
  const { rows } = await tx.execute<{ run_id: string; chunk: number }>(sql`
    insert into ingest_chunks (run_id, chunk, tenant_id)
    select u.run_id, u.chunk, ${tenantId}
    from unnest(${sql.param(chunks.map((c) => c.runId))}::text[], ${sql.param(chunks.map((c) => c.chunk))}::int[])
      as u(run_id, chunk)
    on conflict (run_id, chunk) do nothing
    returning run_id, chunk`);
  return new Set(rows.map((row) => `${row.run_id}:${row.chunk}`));
}

async function recordLedger(
  tx: DbTransaction,
  chunks: readonly FeedChunkMessage[],
  counts: ChunkCounts<unknown>[],
  rejected: RejectedIndicator[][],
  tenantId: string | null,
): Promise<void> {
  await tx.execute(sql`
    update ingest_chunks c set
      indicators = u.indicators, indicators_new = u.new, indicators_changed = u.changed,
      indicators_unchanged = u.unchanged, rows_rejected = u.rejected,
      touched_ids = case when u.touched = '' then '{}'::text[] else string_to_array(u.touched, ',') end
    from unnest(${sql.param(chunks.map((c) => c.runId))}::text[], ${sql.param(chunks.map((c) => c.chunk))}::int[],
                ${sql.param(counts.map((c) => c.indicators))}::int[], ${sql.param(counts.map((c) => c.new))}::int[],
                ${sql.param(counts.map((c) => c.changed))}::int[], ${sql.param(counts.map((c) => c.unchanged))}::int[],
                ${sql.param(counts.map((c) => c.rejected))}::int[],
                ${sql.param(counts.map((c) => c.touched.join(",")))}::text[])
      as u(run_id, chunk, indicators, new, changed, unchanged, rejected, touched)
    where c.run_id = u.run_id and c.chunk = u.chunk`);
  const runIds: string[] = [];
  const chunkNumbers: number[] = [];
  const ordinals: number[] = [];
  const lines: number[] = [];
  const reasons: string[] = [];
  const raws: string[] = [];
  chunks.forEach((chunk, index) => {
    const rows = [...chunk.rejected, ...(rejected[index] ?? [])];
    rows.forEach((row, ordinal) => {
      runIds.push(chunk.runId);
      chunkNumbers.push(chunk.chunk);
      ordinals.push(ordinal);
      lines.push(row.line);
      reasons.push(row.reason.slice(0, 500));
      raws.push(row.raw.slice(0, 200));
    });
  });
  if (runIds.length === 0) return;
  await tx.execute(sql`
    insert into feed_run_rejections (run_id, chunk, ordinal, tenant_id, line, reason, raw)
    select u.run_id, u.chunk, u.ordinal, ${tenantId}, u.line, u.reason, u.raw
    from unnest(${sql.param(runIds)}::text[], ${sql.param(chunkNumbers)}::int[], ${sql.param(ordinals)}::int[],
                ${sql.param(lines)}::int[], ${sql.param(reasons)}::text[], ${sql.param(raws)}::text[])
      as u(run_id, chunk, ordinal, line, reason, raw)
    on conflict do nothing`);
}

interface TouchedRow {
  id: string;
  outcome: "new" | "changed";
}

/**
 * Splits the bulk result back to the chunks: each distinct key belongs to the first chunk that carried it;
 * a touched key counts as new/changed there, every other assigned key as unchanged. `firstTime(key)` says
 * whether a key is met for the first time in this call, `touched(key)` what the upsert did with it,
 * `corroborated(key)` the id of a catalog row left unchanged that gained this feed as a source (its chunk
 * hands it on without counting it changed).
 */
function attribute<K, H extends TouchedRow>(
  keysPerChunk: (K | null)[][],
  firstTime: (key: K) => boolean,
  touched: (key: K) => H | undefined,
  corroborated: (key: K) => string | undefined,
  rejectedPerChunk: RejectedIndicator[][],
): ChunkCounts<H>[] {
  return keysPerChunk.map((keys, index) => {
    const counts: ChunkCounts<H> = {
      indicators: 0,
      new: 0,
      changed: 0,
      unchanged: 0,
      rejected: rejectedPerChunk[index]?.length ?? 0,
      touched: [],
      hits: [],
    };
    for (const key of keys) {
      if (key === null) continue;
      counts.indicators++;
      if (!firstTime(key)) continue;
      const hit = touched(key);
      if (hit === undefined) {
        // A catalog row left as it was counts as unchanged; one this feed gave a new source is handed on.
        counts.unchanged++;
        const corroboratedId = corroborated(key);
        if (corroboratedId !== undefined) {
          counts.touched.push(corroboratedId);
          counts.hits.push(undefined);
        }
      } else {
        counts[hit.outcome]++;
        counts.touched.push(hit.id);
        counts.hits.push(hit);
      }
    }
    return counts;
  });
}

async function applyGlobal(
  deps: ApplyDependencies,
  chunks: FeedChunkMessage[],
  group: number,
  carried: ByIndicatorKey<KeyCarried>,
  runs: Map<string, RunFacts>,
  outcomes: Map<string, ChunkOutcome>,
  applied: AppliedInMemory,
  touchedEntries: Map<string, (KeyCarried | undefined)[]>,
): Promise<void> {
  return withIngestTx({ db: deps.ingestDb }, async (tx) => {
    const fresh = await claimLedger(tx, chunks, null);
    const toApply = chunks.filter((chunk) => fresh.has(chunkKey(chunk)));
    for (const chunk of chunks)
      outcomes.set(chunkKey(chunk), fresh.has(chunkKey(chunk)) ? "applied" : "duplicate");
    if (toApply.length === 0) return;
    // The global model is read before this group's JavaScript, so the statement reading it is not held back.
    const model = await loadGlobalModel(tx);
    // What the other lane sent meanwhile leaves before this group's rows, scores and parameters hold the
    // event loop (the driver writes from a timer).
    await untilQueriesSent();
    const scored = toApply.map((chunk) => {
      const facts = runs.get(chunk.runId);
      if (!facts) throw new Error(`run ${chunk.runId} vanished`);
      return { facts, rows: toGlobalRows(chunk.indicators, facts, chunk.observedAt, deps.model) };
    });
    // New catalog rows are scored here and written once, scored, by the upsert (the global model, as the
    // scoring stage uses it); rows that already existed are re-scored by the scoring stage afterwards.
    await scoreRowsBeforeUpsert(
      tx,
      scored.map(({ facts, rows }) => ({
        source: facts,
        indicators: rows.indicators,
        observations: rows.observations,
      })),
      { now: (deps.now ?? Date.now)(), model },
    );
    const prepared = scored.map(({ rows }) => rows);
    // Without Meilisearch, new rows get their search documents from the upsert statement itself (their
    // ids and terms travel once); rows that existed are re-indexed from all their sources below.
    const documentsAtUpsert = searchIndexedAtApply();
    const indicatorResult = await upsertIndicators(
      tx,
      prepared.flatMap((rows) => rows.indicators),
      { searchDocuments: documentsAtUpsert },
    );
    await untilQueriesSent();
    // Counts only: nothing here uses the observation rows, and sending one back per indicator cost a
    // million rows through the driver per million indicators.
    const observationResult = await upsertObservations(
      tx,
      prepared.flatMap((rows) => rows.observations),
      { returnTouched: false },
    );
    if (documentsAtUpsert)
      await indexChangedInTransaction(tx, [
        ...indicatorResult.touched.filter((row) => row.outcome === "changed").map((row) => row.id),
        ...observationResult.corroborated.map((row) => row.id),
      ]);
    // From here to the attribution nothing awaits: the group's marks on the delivery-wide entries (what the
    // upserts did with each key) are read before another group's could replace them. One entry per key serves
    // the attribution, the touched rows and the stored rows this feed corroborated without changing the
    // catalog row (a source more for their confidence and their search document: source names are search
    // terms), instead of a map of its own for each.
    for (const row of indicatorResult.touched) {
      const entry = carriedEntry(carried, row.type, row.value);
      if (entry.touchedGroup === group) continue;
      entry.touchedGroup = group;
      entry.id = row.id;
      entry.outcome = row.outcome;
      // scoreRowsBeforeUpsert scored every row of a type the model scores.
      entry.insertedScored = row.outcome === "new" && row.type in model.types;
    }
    for (const row of observationResult.corroborated) {
      const entry = carriedEntry(carried, row.type, row.value);
      if (entry.corroboratedGroup === group) continue;
      entry.corroboratedGroup = group;
      entry.corroboratedId = row.id;
    }
    const rejected = prepared.map((rows) => rows.rejected);
    // The entry of the key `firstTime` looked at last: attribution asks about that key next.
    let lastKey: IndicatorKey | undefined;
    let lastEntry: KeyCarried | undefined;
    const entryOf = (key: IndicatorKey) => (key === lastKey ? lastEntry : carried.get(key.type, key.value));
    const counts = attribute(
      prepared.map((rows) => rows.keys),
      // First in this group: a key some other group carried too is marked shared.
      (key) => {
        const entry = carriedEntry(carried, key.type, key.value);
        lastKey = key;
        lastEntry = entry;
        if (entry.group === group) return false;
        if (entry.group !== noGroup) entry.shared = true;
        entry.group = group;
        return true;
      },
      (key) => {
        const entry = entryOf(key);
        return entry?.touchedGroup === group ? entry : undefined;
      },
      (key) => {
        const entry = entryOf(key);
        return entry?.corroboratedGroup === group ? entry.corroboratedId : undefined;
      },
      rejected,
    );
    await recordLedger(tx, toApply, counts, rejected, null);
    await deps.beforeCommit?.();
    // Known once this transaction commits (the hand-off runs only after every group committed).
    toApply.forEach((chunk, index) => {
      applied.touchedByChunk.set(chunkKey(chunk), counts[index]?.touched ?? []);
      touchedEntries.set(chunkKey(chunk), counts[index]?.hits ?? []);
    });
  });
}

/**
 * Per key of a delivery's global chunks: the group that last carried it, and whether more than one group did
 * (for `AppliedInMemory.mayBeStaleByChunk`); what the upserts of the group `touchedGroup` / `corroboratedGroup` did
 * with it (each group's marks and attribution run without a pause, so one map serves all).
 */
interface KeyCarried extends TouchedRow {
  /** `noGroup` until a group's attribution meets the key. */
  group: number;
  shared: boolean;
  /** The group whose upsert touched the key last; `id` and `outcome` are what it did. */
  touchedGroup: number;
  /** That upsert inserted the row with its score (see `scoreRowsBeforeUpsert`). */
  insertedScored: boolean;
  corroboratedGroup: number;
  corroboratedId: string | undefined;
}

const noGroup = -1;

function carriedEntry(carried: ByIndicatorKey<KeyCarried>, type: string, value: string): KeyCarried {
  const known = carried.get(type, value);
  if (known !== undefined) return known;
  const entry: KeyCarried = {
    group: noGroup,
    shared: false,
    touchedGroup: noGroup,
    id: "",
    outcome: "new",
    insertedScored: false,
    corroboratedGroup: noGroup,
    corroboratedId: undefined,
  };
  carried.add(type, value, entry);
  return entry;
}

async function applyPrivate(
  deps: ApplyDependencies,
  tenantId: string,
  chunks: FeedChunkMessage[],
  runs: Map<string, RunFacts>,
  outcomes: Map<string, ChunkOutcome>,
  applied: AppliedInMemory,
): Promise<void> {
  await withTenantTx({ db: deps.appDb, tenantId }, async (tx) => {
    const fresh = await claimLedger(tx, chunks, tenantId);
    const toApply = chunks.filter((chunk) => fresh.has(chunkKey(chunk)));
    for (const chunk of chunks)
      outcomes.set(chunkKey(chunk), fresh.has(chunkKey(chunk)) ? "applied" : "duplicate");
    if (toApply.length === 0) return;
    const prepared = toApply.map((chunk) => {
      const facts = runs.get(chunk.runId);
      if (!facts) throw new Error(`run ${chunk.runId} vanished`);
      return toPrivateRows(chunk.indicators, facts, chunk.observedAt, deps.model);
    });
    const result = await upsertPrivateIndicators(
      tx,
      tenantId,
      prepared.flatMap((rows) => rows.rows),
    );
    const touched = new Map(result.touched.map((row) => [row.key, { id: row.id, outcome: row.outcome }]));
    const rejected = prepared.map((rows) => rows.rejected);
    const assigned = new Set<string>();
    const counts = attribute(
      prepared.map((rows) => rows.keys),
      (key) => assigned.size < assigned.add(key).size,
      (key) => touched.get(key),
      // A private indicator has no per-source observations: nothing to corroborate.
      () => undefined,
      rejected,
    );
    await recordLedger(tx, toApply, counts, rejected, tenantId);
    await deps.beforeCommit?.();
    toApply.forEach((chunk, index) => {
      applied.touchedByChunk.set(chunkKey(chunk), counts[index]?.touched ?? []);
    });
  });
}

/**
 * Global groups in a transaction in this isolate, across deliveries. Two deliveries at once (production's
 * `max_concurrency`, or Miniflare flushing a batch by its timeout beside a full one) would otherwise write with
 * twice the lanes: more writers on the same btree and GIN pages cost PostgreSQL ~15 % more CPU for the same rows
 * (docs/BENCHMARKS.md, ingestion, sessions 9–11).
 */
let groupsWriting = 0;
/** How long an extra lane waits before it looks again whether a writer is free. */
const lanePollMs = 5;

/** Contiguous groups of about equal indicator counts (neighbouring chunks share key ranges less often). */
function splitEvenly(chunks: readonly FeedChunkMessage[], parts: number): FeedChunkMessage[][] {
  const total = chunks.reduce((sum, chunk) => sum + chunk.indicators.length, 0);
  const groups: FeedChunkMessage[][] = [];
  let current: FeedChunkMessage[] = [];
  let size = 0;
  for (const chunk of chunks) {
    current.push(chunk);
    size += chunk.indicators.length;
    if (groups.length < parts - 1 && size >= (total / parts) * (groups.length + 1)) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Applies feed chunks (from one queue batch) exactly once each. Throws when a transaction fails: nothing of
 * that group was written, and the caller retries the messages. Chunks of unknown runs are reported, not applied.
 */
export async function applyFeedChunks(
  deps: ApplyDependencies,
  messages: readonly FeedChunkMessage[],
): Promise<ApplyResult> {
  const outcomes = new Map<string, ChunkOutcome>();
  const runIds = [...new Set(messages.map((message) => message.runId))];
  const applied: AppliedInMemory = { touchedByChunk: new Map(), mayBeStaleByChunk: new Map() };
  if (messages.length === 0) return { outcomes, runIds: [], applied };
  const runs = await loadRuns(deps.ingestDb, runIds);
  // One chunk per key even if the batch itself holds a duplicate.
  const unique = new Map<string, FeedChunkMessage>();
  for (const message of messages) {
    if (!runs.has(message.runId)) {
      outcomes.set(chunkKey(message), "unknown-run");
      deps.logger?.warn("feed chunk for an unknown run", { runId: message.runId, chunk: message.chunk });
    } else if (unique.has(chunkKey(message))) outcomes.set(chunkKey(message), "duplicate");
    else unique.set(chunkKey(message), message);
  }
  const global: FeedChunkMessage[] = [];
  const byTenant = new Map<string, FeedChunkMessage[]>();
  for (const message of unique.values()) {
    const tenantId = runs.get(message.runId)?.tenantId ?? null;
    if (tenantId === null) global.push(message);
    else byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), message]);
  }
  const lanes = Math.max(1, deps.parallelism ?? 2);
  const indicators = global.reduce((sum, chunk) => sum + chunk.indicators.length, 0);
  const perGroup = Math.max(1, deps.groupIndicators ?? 5_000);
  // A multiple of the lanes, so that they finish together.
  const groupCount = Math.max(lanes, Math.ceil(indicators / perGroup / lanes) * lanes);
  const groups = splitEvenly(global, groupCount);
  // Each lane takes the next group when its last one committed. After a failure no lane starts another group;
  // all settle before the error is thrown: the caller closes the pool, which must not cut a group committing.
  const carried = new ByIndicatorKey<KeyCarried>();
  // By global chunk: the entry behind each of its touched ids (undefined: a corroborated row).
  const touchedEntries = new Map<string, (KeyCarried | undefined)[]>();
  const failures: unknown[] = [];
  let next = 0;
  const lane = async () => {
    while (failures.length === 0 && next < groups.length) {
      // Another delivery writing in this isolate: its groups and ours share the writers, so a lane waits for a
      // free one (a timer, no promise shared across requests; a waiting lane holds no connection, and every
      // writer's transaction ends, so one frees up).
      if (groupsWriting >= lanes) {
        await new Promise((resolve) => setTimeout(resolve, lanePollMs));
        continue;
      }
      const index = next++;
      const group = groups[index];
      if (group === undefined) continue;
      groupsWriting++;
      try {
        await applyGlobal(deps, group, index, carried, runs, outcomes, applied, touchedEntries);
      } catch (error) {
        failures.push(error);
      } finally {
        groupsWriting--;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, groups.length) }, lane));
  if (failures.length > 0) throw failures[0];
  // A row one group inserted and scored, whose key another group wrote at the same time (another source's
  // observation, committed beside it), may be stale already: it is left to the scoring stage's check.
  for (const [key, entries] of touchedEntries) {
    const ids = applied.touchedByChunk.get(key) ?? [];
    const scoredHere = (entry: KeyCarried | undefined) => entry?.insertedScored === true && !entry.shared;
    applied.mayBeStaleByChunk.set(
      key,
      entries.some(scoredHere) ? ids.filter((_, index) => !scoredHere(entries[index])) : ids,
    );
  }
  for (const [tenantId, chunks] of byTenant)
    await applyPrivate(deps, tenantId, chunks, runs, outcomes, applied);
  return { outcomes, runIds: runIds.filter((runId) => runs.has(runId)), applied };
}
