import { newId } from "@threatfusion/core";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  type IndicatorScoreColumns,
  type IndicatorUpsertRow,
  numberArrayLiteral,
  type ObservationUpsertRow,
  textArrayLiteral,
  upsertIndicators,
  upsertObservations,
} from "./bulk.ts";
import type { DbTransaction } from "./client.ts";
import { withIngestTx } from "./tenant-tx.ts";
import { connectTestDatabases, type PlanNode, planNodes } from "./testing.ts";

/**
 * The statements the bulk path sends to PostgreSQL, their parameters and plans: each statement is rendered and
 * recorded on its way to a real ingest transaction. The tests of what the rows store are in bulk.test.ts; these
 * hold the parameter building (row order, shared columns) to what it sent before it was made cheaper, and the
 * observations statement to a plan whose cost cannot hang on the planner's estimates.
 */
const dialect = new PgDialect();
const dbs = connectTestDatabases(inject("database"));
afterAll(() => dbs.end());
/** Values of this file's run, apart from other suites' and runs'. */
const runTag = newId("job").slice(-8).toLowerCase();

interface Sent {
  text: string;
  params: unknown[];
}

/** Runs `fn` in an ingest transaction whose statements are also rendered into `sent`, in order. */
function recorded<T>(sent: Sent[], fn: (tx: DbTransaction) => Promise<T>): Promise<T> {
  return withIngestTx({ db: dbs.ingest.db }, (tx) => {
    const recording = new Proxy(tx, {
      get(target, property, receiver) {
        if (property !== "execute") return Reflect.get(target, property, receiver);
        return (query: Parameters<PgDialect["sqlToQuery"]>[0]) => {
          const { sql: text, params } = dialect.sqlToQuery(query);
          sent.push({ text, params });
          return target.execute(query);
        };
      },
    });
    return fn(recording);
  });
}

/** The parameter of the column `values` as the statement sends it: once (`array_fill`) or as an array literal. */
function expectColumn(statement: Sent, values: readonly (string | number | null)[], type: string): void {
  const first = values[0];
  if (values.length >= 2 && values.every((value) => value === first)) {
    const filled = [...statement.text.matchAll(/array_fill\(\$(\d+)::(\w+), array\[(\d+)\]\)/g)].filter(
      (match) => match[2] === type && Number(match[3]) === values.length,
    );
    expect(filled.some((match) => statement.params[Number(match[1]) - 1] === first)).toBe(true);
  } else {
    const literal = values.some((value) => typeof value === "number")
      ? numberArrayLiteral(values as (number | null)[])
      : textArrayLiteral(values as (string | null)[]);
    expect(statement.params).toContain(literal);
  }
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Values whose order by UTF-16 code units differs from a locale's or code points' (case, accents, astral). */
function mixedValues(count: number): string[] {
  const shapes = ["B", "a", "é", "Z", "\u{1F600}", "\uFF5E", "0", "-"];
  return Array.from(
    { length: count },
    (_, i) => `${shapes[(i * 7) % shapes.length]}${(i * 7919) % 1009}.${runTag}.example`,
  );
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let seed = 17;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function score(n: number): IndicatorScoreColumns {
  return {
    score: 40 + (n % 3),
    confidence: 50,
    base: 30 + n / 2,
    decayStart: 1_767_225_600_000,
    expired: false,
    nextReactionAt: n % 2 === 0 ? null : 1_800_000_000_000 + n,
    explanation: JSON.stringify({ n: n % 5 }),
    suppressed: n === 4,
    reasons: n === 4 ? '["listed"]' : "[]",
  };
}

const types = ["url", "domain", "ipv4", "sha256"];

function indicatorRows(
  values: readonly string[],
  scores: (IndicatorScoreColumns | undefined)[],
): IndicatorUpsertRow[] {
  return values.map((value, i) => {
    const columns = scores[i % scores.length];
    return {
      type: types[i % types.length] as string,
      value,
      firstSeen: "2026-01-10T00:00:00.000Z",
      lastSeen: "2026-01-12T00:00:00.000Z",
      confidence: 60,
      baseScore: 40,
      tlp: "clear",
      tags: [],
      searchTerms: ["bench source"],
      ...(columns === undefined ? {} : { score: columns }),
    };
  });
}

describe("bulk statement parameters", () => {
  it("sends a statement's rows ordered by type, then value in UTF-16 code units, duplicates merged once", async () => {
    // 300 rows, 40 of them repeats of others (merged), in shuffled order: more than the small-input path takes.
    const values = mixedValues(260);
    const rows = shuffled([
      ...indicatorRows(values, [undefined]),
      ...indicatorRows(values.slice(0, 40), [undefined]),
    ]);
    const sent: Sent[] = [];
    const result = await recorded(sent, (tx) =>
      upsertIndicators(tx, rows, { searchDocuments: true, queueUnscored: false }),
    );
    expect(result.new).toBe(260);
    const expected = [...new Map(rows.map((row) => [`${row.type}\u0000${row.value}`, row])).values()].sort(
      (a, b) => byCodeUnits(a.type, b.type) || byCodeUnits(a.value, b.value),
    );
    const [statement] = sent;
    if (statement === undefined) throw new Error("no statement sent");
    expectColumn(
      statement,
      expected.map((row) => row.type),
      "text",
    );
    expect(statement.params).toContain(textArrayLiteral(expected.map((row) => row.value)));
  });

  it("sends observations ordered by type, value, then source, with one source or several", async () => {
    const values = mixedValues(200);
    for (const sources of [["src_a"], ["src_b", "src_a", "src_c"]]) {
      const rows: ObservationUpsertRow[] = shuffled(
        values.flatMap((value, i) =>
          sources.map((sourceId) => ({
            indicatorType: types[i % types.length] as string,
            indicatorValue: value,
            sourceId,
            firstSeen: "2026-01-10T00:00:00.000Z",
            lastSeen: "2026-01-12T00:00:00.000Z",
          })),
        ),
      );
      const sent: Sent[] = [];
      await recorded(sent, (tx) =>
        upsertObservations(tx, [...rows, ...rows.slice(0, 30)], { returnTouched: false }),
      );
      const expected = [
        ...new Map(
          rows.map((row) => [`${row.indicatorType}\u0000${row.indicatorValue}\u0000${row.sourceId}`, row]),
        ).values(),
      ].sort(
        (a, b) =>
          byCodeUnits(a.indicatorType, b.indicatorType) ||
          byCodeUnits(a.indicatorValue, b.indicatorValue) ||
          byCodeUnits(a.sourceId, b.sourceId),
      );
      const [statement] = sent;
      if (statement === undefined) throw new Error("no statement sent");
      expect(statement.params).toContain(textArrayLiteral(expected.map((row) => row.indicatorValue)));
      expectColumn(
        statement,
        expected.map((row) => row.sourceId),
        "text",
      );
    }
  });

  it("sends each score column as its rows' scores give it: shared columns once, the others row by row", async () => {
    const few = [score(0), score(1), undefined, score(2)];
    // More distinct score objects than the shared-column check looks at.
    const many = Array.from({ length: 12 }, (_, n) => score(n));
    for (const scores of [[score(3)], few, many, [undefined]]) {
      const values = mixedValues(120);
      const rows = indicatorRows(values, scores);
      const sent: Sent[] = [];
      await recorded(sent, (tx) => upsertIndicators(tx, rows, { queueUnscored: false }));
      const [statement] = sent;
      if (statement === undefined) throw new Error("no statement sent");
      const ordered = [...rows].sort((a, b) => byCodeUnits(a.type, b.type) || byCodeUnits(a.value, b.value));
      // Explanations are numbered in the order the sent rows first carry them.
      const texts: string[] = [];
      const number = (text: string) => (texts.includes(text) ? texts.indexOf(text) + 1 : texts.push(text));
      const column = <V>(get: (columns: IndicatorScoreColumns) => V) =>
        ordered.map((row) => (row.score === undefined ? null : get(row.score)));
      const flag = (value: boolean) => (value ? "t" : "f");
      // The nine columns in the statement's order.
      const columns: [(c: IndicatorScoreColumns) => string | number | null, string][] = [
        [(c) => c.score, "smallint"],
        [(c) => c.confidence, "smallint"],
        [(c) => c.base, "real"],
        [(c) => c.decayStart, "float8"],
        [(c) => flag(c.expired), "boolean"],
        [(c) => c.nextReactionAt, "float8"],
        [(c) => number(c.explanation), "int"],
        [(c) => flag(c.suppressed), "boolean"],
        [(c) => c.reasons, "jsonb"],
      ];
      for (const [get, type] of columns) expectColumn(statement, column(get), type);
      expect(statement.params[0]).toBe(textArrayLiteral(texts));
    }
  });
});

/** The node a join input reads, below the nodes that only hold or order its rows (a hash join's `Hash`…). */
function joinInput(node: PlanNode): PlanNode {
  const passThrough = ["Hash", "Materialize", "Sort", "Incremental Sort", "Memoize"];
  let input = node;
  while (
    passThrough.includes(input["Node Type"]) &&
    input.Plans?.length === 1 &&
    input.Plans[0] !== undefined
  )
    input = input.Plans[0];
  return input;
}

describe("bulk statement plans", () => {
  it("plans the observations statement without a join of two CTE scans, in both of its forms", async () => {
    // Session 8's corroboration joined its `written` and `matched` CTEs by id: CTE scans have no index, so that
    // join's cost hung on the estimates and went ~8x dearer on an analyzed 1M catalog (docs/BENCHMARKS.md,
    // ingestion). The catalog row is reached by primary key instead, whatever the estimates.
    const values = mixedValues(40).map((value) => `plan-${value}`);
    const rows = indicatorRows(values, [undefined]);
    await recorded([], (tx) => upsertIndicators(tx, rows, { queueUnscored: false }));
    const observations: ObservationUpsertRow[] = rows.map((row) => ({
      indicatorType: row.type,
      indicatorValue: row.value,
      sourceId: "src_plan",
      firstSeen: row.firstSeen,
      lastSeen: row.lastSeen,
    }));
    for (const returnTouched of [false, true]) {
      const sent: Sent[] = [];
      await recorded(sent, (tx) => upsertObservations(tx, observations, { returnTouched }));
      const [statement] = sent;
      if (statement === undefined) throw new Error("no statement sent");
      const explained = await dbs.admin.pool.query<{ "QUERY PLAN": { Plan: PlanNode }[] }>(
        `explain (format json) ${statement.text}`,
        statement.params,
      );
      const nodes = planNodes(explained.rows[0]?.["QUERY PLAN"][0]?.Plan);
      expect(nodes.some((node) => node["Node Type"] === "CTE Scan")).toBe(true);
      const joins = nodes.filter((node) =>
        ["Hash Join", "Merge Join", "Nested Loop"].includes(node["Node Type"]),
      );
      for (const join of joins) {
        const cteInputs = (join.Plans ?? []).filter((child) => joinInput(child)["Node Type"] === "CTE Scan");
        expect(
          cteInputs.length,
          `a join of two CTE scans (returnTouched ${returnTouched})`,
        ).toBeLessThanOrEqual(1);
      }
    }
  });
});
