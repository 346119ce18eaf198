import { cp, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createClient } from "./client.ts";
import { defaultMigrationsDirectory, migrate, readMigrations } from "./migrate.ts";

const database = inject("database");
const databaseName = `tf_migrate_${process.pid}_${Date.now()}`;
const upgradeDatabaseName = `${databaseName}_upgrade`;
const urlOf = (name: string) => {
  const parsed = new URL(database.adminUrl);
  parsed.pathname = `/${name}`;
  return parsed.toString();
};
const url = urlOf(databaseName);

async function adminQuery(text: string): Promise<void> {
  const client = createClient({ url: database.adminUrl, wsProxy: database.wsProxy });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await adminQuery(`create database ${databaseName}`);
  await adminQuery(`create database ${upgradeDatabaseName}`);
});
afterAll(async () => {
  await adminQuery(`drop database if exists ${databaseName} with (force)`);
  await adminQuery(`drop database if exists ${upgradeDatabaseName} with (force)`);
});

describe("migrate", () => {
  it("builds the schema from scratch once under concurrent runners, then applies nothing when run again", async () => {
    const files = (await readMigrations()).map((file) => file.name);
    expect(files.length).toBeGreaterThan(0);
    const racing = await Promise.all([
      migrate({ url, wsProxy: database.wsProxy }),
      migrate({ url, wsProxy: database.wsProxy }),
    ]);
    // The advisory lock serialises the runners: one applies every file, the other finds them applied.
    expect(racing.map((result) => result.applied.length).sort()).toEqual([0, files.length]);
    expect(racing.flatMap((result) => result.applied).sort()).toEqual(files);
    const again = await migrate({ url, wsProxy: database.wsProxy });
    expect(again).toEqual({ applied: [], alreadyApplied: files });
  });

  it("refuses to run when an applied migration file was changed", async () => {
    const directory = await mkdtemp(join(tmpdir(), "tf-migrations-"));
    try {
      await cp(defaultMigrationsDirectory, directory, { recursive: true });
      const [first] = await readMigrations(directory);
      if (!first) throw new Error("no migrations");
      const path = join(directory, first.name);
      await writeFile(path, `${await readFile(path, "utf8")}\n-- edited after release\n`);
      await expect(migrate({ url, wsProxy: database.wsProxy, directory })).rejects.toThrow(
        /was changed after it was applied/,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("rolls back a failing migration completely and records nothing for it", async () => {
    const directory = await mkdtemp(join(tmpdir(), "tf-migrations-"));
    try {
      await cp(defaultMigrationsDirectory, directory, { recursive: true });
      await writeFile(
        join(directory, "9999_broken.sql"),
        "create table half_done (id text);\nselect no_such_function();\n",
      );
      await expect(migrate({ url, wsProxy: database.wsProxy, directory })).rejects.toThrow(
        /9999_broken.sql failed/,
      );
      const client = createClient({ url, wsProxy: database.wsProxy });
      await client.connect();
      try {
        const { rows } = await client.query(
          "select (select count(*)::int from schema_migrations where name = '9999_broken.sql') as recorded, to_regclass('half_done') is null as rolled_back",
        );
        expect(rows[0]).toEqual({ recorded: 0, rolled_back: true });
      } finally {
        await client.end();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
  it("keeps every catalog explanation stored in a row when 0067 moves them to the shared set", async () => {
    const upgradeUrl = urlOf(upgradeDatabaseName);
    const directory = await mkdtemp(join(tmpdir(), "tf-migrations-"));
    const client = createClient({ url: upgradeUrl, wsProxy: database.wsProxy });
    try {
      await cp(defaultMigrationsDirectory, directory, { recursive: true });
      const later = (await readMigrations(directory)).filter((file) => file.name >= "0067");
      for (const file of later) await unlink(join(directory, file.name));
      await migrate({ url: upgradeUrl, wsProxy: database.wsProxy, directory });
      await client.connect();
      // Before 0067: two rows re-scored with the same explanation in the row, one with its own, one unscored.
      const shared = { summary: "re-scored", factors: [{ key: "decay", weight: 0.5 }] };
      const own = { summary: "only this one" };
      await client.query(
        `insert into indicators (id, type, value, first_seen, last_seen, score_explanation) values
          ('ind_a', 'domain', 'a.example', now(), now(), $1::jsonb),
          ('ind_b', 'domain', 'b.example', now(), now(), $1::jsonb),
          ('ind_c', 'domain', 'c.example', now(), now(), $2::jsonb),
          ('ind_d', 'domain', 'd.example', now(), now(), null)`,
        [JSON.stringify(shared), JSON.stringify(own)],
      );
      await migrate({ url: upgradeUrl, wsProxy: database.wsProxy });
      const { rows } = await client.query<{ id: string; explanation: unknown }>(
        `select i.id, (select e.explanation from score_explanations e where e.id = i.score_explanation_id limit 1)
           as explanation
         from indicators i order by i.id`,
      );
      expect(rows).toEqual([
        { id: "ind_a", explanation: shared },
        { id: "ind_b", explanation: shared },
        { id: "ind_c", explanation: own },
        { id: "ind_d", explanation: null },
      ]);
      const stored = await client.query<{ n: number; column_left: boolean; forced: boolean[] }>(
        `select (select count(*)::int from score_explanations) as n,
           exists (select 1 from information_schema.columns
                   where table_name = 'indicators' and column_name = 'score_explanation') as column_left,
           array(select c.relforcerowsecurity from pg_class c
                 where c.relname in ('indicators', 'score_explanations') order by c.relname) as forced`,
      );
      expect(stored.rows[0]).toEqual({ n: 2, column_left: false, forced: [true, true] });
    } finally {
      await client.end();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
