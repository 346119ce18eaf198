import { readFile } from "node:fs/promises";
import { type DbTransaction, withIngestTx } from "@threatfusion/db";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { useOwnTestDatabase } from "../testing/own-database.ts";
import { importWarninglists } from "./import.ts";
import { matchWarninglists } from "./match.ts";

const suite = useOwnTestDatabase();

const dialect = new PgDialect();
// Inside an AWS range of the fixture list.
const awsAddress = "52.95.110.1";
const indicators = [
  { type: "ipv4", value: awsAddress },
  { type: "ipv4", value: "11.22.33.44" },
  { type: "domain", value: "www.example.com" },
] as const;

/** Matches inside an ingestion transaction, answering the statements it sent too. */
async function matchRecorded() {
  return withIngestTx({ db: suite.dbs.ingest.db }, async (tx) => {
    const sent: string[] = [];
    const recording = new Proxy(tx, {
      get(target, property, receiver) {
        if (property !== "execute") return Reflect.get(target, property, receiver);
        return (query: SQL) => {
          sent.push(dialect.sqlToQuery(query).sql);
          return target.execute(query);
        };
      },
    }) satisfies DbTransaction;
    const matches = await matchWarninglists(recording, indicators);
    return { matches, sent };
  });
}

describe("warninglist matching at ingestion", () => {
  it("sends no candidate keys while no keyed list is enabled, then finds the candidates of one", async () => {
    const before = await matchRecorded();
    expect(before.matches.map((match) => match.suppressed)).toEqual([false, false, false]);
    expect(before.sent.some((statement) => statement.includes("match_key"))).toBe(false);

    const url = new URL("../../fixtures/warninglists/amazon-aws.json", import.meta.url);
    await importWarninglists({
      db: suite.dbs.ingest.db,
      lists: [{ id: "amazon-aws", json: JSON.parse(await readFile(url, "utf8")) }],
    });
    const after = await matchRecorded();
    expect(after.sent.some((statement) => statement.includes("match_key"))).toBe(true);
    expect(after.matches.map((match) => match.suppressed)).toEqual([true, false, false]);
    expect(after.matches[0]?.reasons.map((reason) => reason.listId)).toEqual(["amazon-aws"]);
  });

  it("flags reserved addresses on every call, also when no stored entry is a candidate", async () => {
    const reserved = [
      { type: "ipv4", value: "10.1.2.3" },
      { type: "ipv4", value: "11.22.33.44" },
      { type: "ipv4", value: "192.0.2.5" },
      { type: "domain", value: "www.example.com" },
    ] as const;
    for (let call = 0; call < 2; call++) {
      const matches = await withIngestTx({ db: suite.dbs.ingest.db }, (tx) =>
        matchWarninglists(tx, reserved),
      );
      expect(matches.map((match) => match.suppressed)).toEqual([true, false, true, false]);
      expect(matches[0]?.reasons.map((reason) => reason.kind)).toEqual(["reserved"]);
      expect(matches[1]?.reasons).toEqual([]);
    }
  });
});
