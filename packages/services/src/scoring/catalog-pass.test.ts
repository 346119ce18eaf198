import { readFile } from "node:fs/promises";
import { newId } from "@threatfusion/core";
import { seededRandom } from "@threatfusion/core/testing";
import { catalogExplanation, textArrayLiteral, withIngestTx } from "@threatfusion/db";
import { dayMs, defaultScoringModel, type ScoringModel, scoreIndicator } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { useOwnTestDatabase } from "../testing/own-database.ts";
import { importWarninglists } from "../warninglists/import.ts";
import { parseRange, rescoreCatalogRanges, visitRangeRows } from "./catalog-pass.ts";
import { storedExplanation } from "./catalog-score.ts";
import { loadScoringInputs } from "./inputs.ts";
import { scoreCatalog } from "./pipeline.ts";

const suite = useOwnTestDatabase({ tenantTree: "pass" });

let ids: string[] = [];
const t0 = Date.UTC(2026, 10, 25, 12);

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

/**
 * 300 catalog rows with 0–3 observations each from sources of every reliability, last seen at microsecond
 * precision (the millisecond flooring must match the id path), free text with tabs, newlines, quotes and
 * non-ASCII in tags, threat types and malware families, the sources' own confidence as number, string or
 * absent, and tenants' verdicts on some rows (global feedback counts).
 */
async function seedRandomCatalog(): Promise<string[]> {
  const next = seededRandom(20261126);
  const sources = ["A", "B", "C", "D", "E", "F"].map((reliability) => ({
    id: newId("source"),
    name: `Pass source ${reliability}\twith "tab"`,
    reliability,
  }));
  for (const source of sources) {
    await suite.dbs.admin.pool.query(
      "insert into sources (id, tenant_id, name, reliability) values ($1, null, $2, $3)",
      [source.id, source.name, source.reliability],
    );
  }
  const labels = [
    null,
    "botnet_cc",
    "ransomware",
    "malware_download",
    "scanner",
    "phish\tkit\n",
    'c2 "x"',
    "ümlaut",
  ];
  const types = ["ipv4", "domain", "url", "sha256", "md5", "cve"] as const;
  const rows: { id: string; type: string; value: string; tags: string[] }[] = [];
  const observations: unknown[][] = [];
  for (let n = 0; n < 300; n++) {
    const id = newId("indicator");
    const type = pick(next, types);
    const value =
      type === "ipv4"
        ? `45.${n % 256}.${Math.floor(next() * 256)}.${(n * 7) % 256}`
        : type === "cve"
          ? `CVE-2024-${10_000 + n}`
          : `${type}-${n}-${Math.floor(next() * 1e9)}.example.org`;
    const tags =
      next() < 0.3
        ? [
            pick(
              next,
              labels.filter((label) => label !== null),
            ),
          ]
        : [];
    rows.push({ id, type, value, tags });
    const count = Math.floor(next() * 4);
    const used = new Set<string>();
    for (let k = 0; k < count; k++) {
      const source = pick(next, sources);
      if (used.has(source.id)) continue;
      used.add(source.id);
      // Microseconds on purpose: the read floors to milliseconds as Date.parse would.
      const lastMicros = Math.floor(t0 - next() * 90 * dayMs) * 1000 + Math.floor(next() * 1000);
      const confidence = pick(next, [null, 10, 55, 90, "80"]);
      observations.push([
        newId("observation"),
        id,
        source.id,
        new Date(lastMicros / 1000 - 5 * dayMs).toISOString(),
        `${new Date(Math.floor(lastMicros / 1000)).toISOString().slice(0, 23)}${String(lastMicros % 1000).padStart(3, "0")}Z`,
        next() < 0.2 ? pick(next, ["Emotet", "Qak\tBot", "Ünïcode\n"]) : null,
        pick(next, labels),
        JSON.stringify(confidence === null ? {} : { confidence }),
      ]);
    }
  }
  await suite.dbs.admin.pool.query(
    `insert into indicators (id, type, value, first_seen, last_seen, tags)
     select r.id, r.type, r.value, now(), now(), array(select json_array_elements_text(r.tags))
     from json_to_recordset($1::json) as r(id text, type text, value text, tags json)`,
    [JSON.stringify(rows)],
  );
  await suite.dbs.admin.pool.query(
    `insert into observations (id, indicator_id, source_id, first_seen, last_seen, malware_family, threat_type, context)
     select o->>0, o->>1, o->>2, (o->>3)::timestamptz, (o->>4)::timestamptz, o->>5, o->>6, (o->>7)::jsonb
     from json_array_elements($1::json) as o`,
    [JSON.stringify(observations)],
  );
  // Verdicts of the three tenants on the first 40 rows: global feedback counts (k = 3 applies to some).
  const tenants = [suite.tree.msspId, suite.tree.clientAId, suite.tree.clientBId];
  for (const [n, row] of rows.slice(0, 40).entries()) {
    for (const [k, tenantId] of tenants.entries()) {
      if ((n + k) % 4 === 0) continue;
      await suite.dbs.admin.pool.query(
        "insert into tenant_indicators (tenant_id, indicator_id, status) values ($1, $2, $3)",
        [tenantId, row.id, (n + k) % 3 === 0 ? "confirmed" : "false_positive"],
      );
    }
  }
  return rows.map((row) => row.id);
}

interface StoredScore extends Record<string, unknown> {
  id: string;
  score: number;
  score_confidence: number | null;
  score_base: number | null;
  decay_start: string | null;
  score_expired: boolean;
  next_reaction: string | null;
  explanation: string | null;
  suppressed: boolean;
  reasons: string;
  scored_at: string | null;
  moved: boolean;
}

/** Every stored score column, as text, plus whether `updated_at` moved since the snapshot. */
async function storedScores(): Promise<StoredScore[]> {
  const { rows } = await suite.dbs.admin.db.execute<StoredScore>(sql`
    select i.id, i.score, i.score_confidence, i.score_base, i.score_decay_start::text as decay_start, i.score_expired,
      i.score_next_reaction_at::text as next_reaction, ${catalogExplanation(sql`i`)}::text as explanation, i.suppressed,
      i.suppression_reasons::text as reasons, i.scored_at::text as scored_at, i.updated_at <> s.updated_at as moved
    from indicators i join pass_snapshot s on s.id = i.id order by i.id`);
  return rows;
}

async function snapshot(): Promise<void> {
  await suite.dbs.admin.pool.query("drop table if exists pass_snapshot");
  await suite.dbs.admin.pool.query("create table pass_snapshot as select * from indicators");
}

async function restore(): Promise<void> {
  await suite.dbs.admin.pool.query(`
    update indicators i set score = s.score, score_confidence = s.score_confidence, score_base = s.score_base,
      score_decay_start = s.score_decay_start, score_expired = s.score_expired,
      score_next_reaction_at = s.score_next_reaction_at, score_explanation_id = s.score_explanation_id,
      suppressed = s.suppressed, suppression_reasons = s.suppression_reasons, scored_at = s.scored_at,
      updated_at = s.updated_at
    from pass_snapshot s where s.id = i.id`);
}

/** Runs the id path and the range pass from the same stored state; returns both outcomes. */
async function bothPaths(now: number, model: ScoringModel, rangeSize: number) {
  await restore();
  const byIds = await scoreCatalog(suite.dbs.ingest.db, ids, { now, model });
  const idState = await storedScores();
  await restore();
  const byRanges = await rescoreCatalogRanges(suite.dbs.ingest.db, { now, model, rangeSize });
  const rangeState = await storedScores();
  return { byIds, idState, byRanges, rangeState };
}

function variedModel(seed: number): ScoringModel {
  const next = seededRandom(seed);
  const types = Object.fromEntries(
    Object.entries(defaultScoringModel.types).map(([type, params]) => [
      type,
      {
        weight: Math.round((0.4 + next() * 0.6) * 100) / 100,
        lifetimeDays: 10 + Math.floor(next() * 700),
        decaySpeed: pick(next, [0.3, 0.5, 1, 1.5, 2, 3]) ?? params.decaySpeed,
      },
    ]),
  ) as ScoringModel["types"];
  return {
    ...defaultScoringModel,
    types,
    reliabilityWeights: { A: next(), B: next(), C: next(), D: next(), E: next(), F: next() },
    confidence: { defaultSourceConfidence: 20 + Math.floor(next() * 80), corroborationWeight: next() },
    feedback: { ...defaultScoringModel.feedback, globalMinTenants: 1 + Math.floor(next() * 3) },
  };
}

beforeAll(async () => {
  ids = await seedRandomCatalog();
  await scoreCatalog(suite.dbs.ingest.db, ids, { now: t0, model: defaultScoringModel });
  await snapshot();
}, 120_000);

describe("the catalog range pass", () => {
  it("writes exactly what the id path writes, field by field, across instants and models", async () => {
    const cases: [number, ScoringModel][] = [
      [t0, defaultScoringModel],
      [t0 + 3_600_000, defaultScoringModel],
      [t0 + dayMs, defaultScoringModel],
      [t0 + 20 * dayMs, defaultScoringModel],
      [t0 + 2 * dayMs, variedModel(1)],
      [t0 + 40 * dayMs, variedModel(2)],
      [t0, variedModel(3)],
    ];
    let written = 0;
    for (const [index, [now, model]] of cases.entries()) {
      const { byIds, idState, byRanges, rangeState } = await bothPaths(now, model, 7 + index * 13);
      expect(rangeState).toEqual(idState);
      expect(byRanges.examined).toBe(byIds.examined);
      expect(byRanges.changed).toBe(byIds.changed);
      expect(byRanges.membershipChanged).toBe(byIds.membershipChanged);
      expect([...byRanges.changedIds].sort()).toEqual([...byIds.changedIds].sort());
      expect(byRanges.finished).toBe(true);
      written += byRanges.changed;
    }
    // The cases must exercise both outcomes: nothing to write at t0, changes later.
    const first = await bothPaths(t0, defaultScoringModel, 50);
    expect(first.byRanges.changed).toBe(0);
    expect(first.byRanges.examined).toBe(ids.length);
    expect(written).toBeGreaterThan(100);
  }, 120_000);

  it("stores each written row's explanation and times exactly as the engine gives them for that row", async () => {
    // The pass sends times as epoch numbers made timestamps in SQL: compared here with the engine run on each
    // written row by itself, not with the id path (which shares the write).
    const now = t0 + 20 * dayMs;
    await restore();
    const pass = await rescoreCatalogRanges(suite.dbs.ingest.db, {
      now,
      model: defaultScoringModel,
      rangeSize: 37,
    });
    expect(pass.changed).toBeGreaterThan(100);
    const inputs = await withIngestTx({ db: suite.dbs.ingest.db }, (tx) =>
      loadScoringInputs(tx, pass.changedIds),
    );
    const { rows } = await suite.dbs.admin.db.execute<{
      id: string;
      explanation: string;
      decay_start_ms: number;
      next_reaction_ms: number | null;
    }>(sql`
      select i.id, ${catalogExplanation(sql`i`)}::text as explanation,
        (extract(epoch from i.score_decay_start) * 1000)::float8 as decay_start_ms,
        (extract(epoch from i.score_next_reaction_at) * 1000)::float8 as next_reaction_ms
      from indicators i where i.id = any(${textArrayLiteral(pass.changedIds)}::text[])`);
    const stored = new Map(rows.map((row) => [row.id, row]));
    expect(inputs).toHaveLength(pass.changed);
    for (const input of inputs) {
      const result = scoreIndicator({ ...input.input, now }, defaultScoringModel);
      const row = stored.get(input.id);
      expect(row === undefined ? null : JSON.parse(row.explanation)).toEqual(storedExplanation(result));
      expect([row?.decay_start_ms, row?.next_reaction_ms]).toEqual([
        result.decayStart,
        result.nextReactionAt,
      ]);
    }
  }, 120_000);

  it("covers every row exactly once when walked in bounded pages from a cursor", async () => {
    const now = t0 + 5 * dayMs;
    const whole = await bothPaths(now, defaultScoringModel, 11);
    await restore();
    let cursor = "";
    let examined = 0;
    let pages = 0;
    for (;;) {
      const page = await rescoreCatalogRanges(suite.dbs.ingest.db, {
        now,
        model: defaultScoringModel,
        after: cursor,
        limit: 64,
        rangeSize: 10,
      });
      examined += page.examined;
      pages++;
      if (page.finished) break;
      expect(page.examined).toBe(64);
      cursor = page.lastId;
    }
    expect(examined).toBe(ids.length);
    expect(pages).toBe(Math.ceil((ids.length + 1) / 64));
    expect(await storedScores()).toEqual(whole.rangeState);
  }, 120_000);

  it("sends rows scored before a warninglist change through matching, with the list's reasons", async () => {
    const url = new URL("../../fixtures/warninglists/rfc1918.json", import.meta.url);
    await restore();
    const { rows } = await suite.dbs.admin.db.execute<{ id: string }>(
      sql`update indicators set value = '10.0.0.' || (row_number) from (select id as rid, row_number() over (order by id) as row_number from indicators where type = 'ipv4' limit 5) r where id = r.rid returning id`,
    );
    expect(rows).toHaveLength(5);
    await importWarninglists({
      db: suite.dbs.ingest.db,
      lists: [{ id: "rfc1918", json: JSON.parse(await readFile(url, "utf8")) }],
    });
    await snapshot();
    const { byIds, idState, byRanges, rangeState } = await bothPaths(t0 + 1_000, defaultScoringModel, 40);
    expect(byRanges.matched).toBe(ids.length);
    expect(rangeState).toEqual(idState);
    expect(byRanges.changed).toBe(byIds.changed);
    const suppressed = rangeState.filter((row) => rows.some((changed) => changed.id === row.id));
    expect(suppressed.map((row) => [row.suppressed, row.reasons.includes('"listId": "rfc1918"')])).toEqual(
      Array.from({ length: 5 }, () => [true, true]),
    );
  }, 120_000);

  it("gives tenants' verdicts to the ingest role only as counts, and not to the app role", async () => {
    const { rows } = await suite.dbs.ingest.db.execute<Record<string, unknown>>(
      sql`select * from tf_feedback_counts_between('', null)`,
    );
    expect(rows.length).toBeGreaterThan(20);
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual([
      "false_positive_tenants",
      "indicator_id",
      "true_positive_tenants",
    ]);
    const refused = await suite.dbs.app.db
      .execute(sql`select * from tf_feedback_counts_between('', null)`)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error).cause)).toMatch(/permission denied/);
  });
});

describe("parsing a range's lines", () => {
  const sources = new Map([["src_a", { name: "Feed A", reliability: "B" as const }]]);
  /** The stored score, confidence (null: none) and flags as the range statement packs them in one field. */
  const packed = (score: number, confidence: number | null, flags: number) =>
    String(score + 128 * (confidence ?? 127) + 16384 * flags);
  /** An indicator line: id, type, tags, stored result (score, confidence and flags packed … next reaction). */
  const indicator = (id: string, stored = packed(40, 50, 4)) =>
    [id, "ipv4", "", stored, "40.5", "1000", "2000"].join("\t");
  /** An observation line: indicator id, source id, last seen, malware family, threat type, own confidence (JSON). */
  const observation = (id: string, lastSeenMicros: number, threatType: string, confidence = "") =>
    [id, "src_a", String(lastSeenMicros), `"x"`, JSON.stringify(threatType), confidence].join("\t");
  const range = (indicators: string[], observations: string[], feedback: string[] = []) => ({
    indicators: indicators.join("\n"),
    observations: observations.join("\n"),
    feedback: feedback.length === 0 ? null : feedback.join("\n"),
  });

  it("groups a row's observations and verdict counts the same whether its lines come in id order or not", () => {
    const ordered = parseRange(
      range(
        [indicator("ind_1"), indicator("ind_2")],
        [observation("ind_0", 500, "orphan"), observation("ind_1", 1_000, "a")]
          .concat([observation("ind_1", 2_000, "b"), observation("ind_2", 3_000, "c")])
          .concat([observation("ind_9", 9_000, "orphan")]),
        ["ind_2\t1\t0"],
      ),
      sources,
    );
    const unordered = parseRange(
      range(
        [indicator("ind_2"), indicator("ind_1"), indicator("ind_3")],
        [
          observation("ind_2", 3_000, "c"),
          observation("ind_1", 1_000, "a"),
          observation("ind_3", 4_000, "d"),
        ].concat([observation("ind_1", 2_000, "b"), observation("ind_0", 500, "orphan")]),
        ["ind_2\t1\t0"],
      ),
      sources,
    );
    expect(ordered.map((row) => [row.id, row.observations.length, row.false_positive_tenants])).toEqual([
      ["ind_1", 2, null],
      ["ind_2", 1, 1],
    ]);
    expect(unordered.map((row) => [row.id, row.observations.map((each) => each.threatType)])).toEqual([
      ["ind_2", ["c"]],
      ["ind_1", ["a", "b"]],
      ["ind_3", ["d"]],
    ]);
    expect(unordered.find((row) => row.id === "ind_1")?.observations).toEqual(ordered[0]?.observations);
    expect(unordered.find((row) => row.id === "ind_2")).toEqual(ordered[1]);
  });

  it("unpacks score, confidence and flags from one field, at every bound of each", () => {
    const cases: [number, number | null, number][] = [
      [0, null, 0],
      [100, 100, 7],
      [0, 0, 4],
      [57, null, 5],
      [100, 0, 2],
      [1, 99, 1],
    ];
    const rows = parseRange(
      range(
        cases.map(([score, confidence, flags], i) => indicator(`ind_${i}`, packed(score, confidence, flags))),
        [],
      ),
      sources,
    );
    expect(
      rows.map((row) => [
        row.score,
        row.score_confidence,
        Number(row.score_expired) + 2 * Number(row.suppressed) + 4 * Number(row.suppression_current),
      ]),
    ).toEqual(cases);
    expect(rows.map((row) => [row.score_base, row.decay_start_ms, row.next_reaction_ms])).toEqual(
      cases.map(() => [40.5, 1, 2]),
    );
  });

  it("takes a source's stated confidence only when the context holds a JSON number", () => {
    const stated = ["55", "-1.5", "0", `"80"`, `{"value":80}`, "[80]", "null", "true", ""];
    const rows = parseRange(
      range(
        stated.map((_, i) => indicator(`ind_${i}`)),
        stated.map((confidence, i) => observation(`ind_${i}`, 1_000, "t\tab\n", confidence)),
      ),
      sources,
    );
    expect(rows.map((row) => row.observations[0]?.sourceConfidence)).toEqual([
      55,
      -1.5,
      0,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(rows.map((row) => row.observations[0]?.threatType)).toEqual(stated.map(() => "t\tab\n"));
  });

  it("hands each row over complete, in id order, and stops at a line out of order", () => {
    const visited: [string, number][] = [];
    const complete = visitRangeRows(
      range(
        [indicator("ind_1"), indicator("ind_2"), indicator("ind_3")],
        [
          observation("ind_1", 1_000, "a"),
          observation("ind_1", 2_000, "b"),
          observation("ind_3", 3_000, "c"),
        ],
      ),
      sources,
      (row) => {
        visited.push([row.id, row.observations.length]);
      },
    );
    expect(complete).toBe(true);
    expect(visited).toEqual([
      ["ind_1", 2],
      ["ind_2", 0],
      ["ind_3", 1],
    ]);
    const lateIndicator = range([indicator("ind_2"), indicator("ind_1")], []);
    expect(visitRangeRows(lateIndicator, sources, () => {})).toBe(false);
    const lateObservation = range(
      [indicator("ind_1"), indicator("ind_2")],
      [observation("ind_2", 3_000, "c"), observation("ind_1", 1_000, "a")],
    );
    expect(visitRangeRows(lateObservation, sources, () => {})).toBe(false);
    const lateAfterTheLast = range(
      [indicator("ind_1")],
      [observation("ind_5", 5_000, "e"), observation("ind_1", 1_000, "a")],
    );
    expect(visitRangeRows(lateAfterTheLast, sources, () => {})).toBe(false);
  });
});
