import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createClient } from "./client.ts";
import { defaultMigrationsDirectory, migrate, readMigrations } from "./migrate.ts";

const database = inject("database");
const databaseName = `tf_migrate_${process.pid}_${Date.now()}`;
const url = (() => {
  const parsed = new URL(database.adminUrl);
  parsed.pathname = `/${databaseName}`;
  return parsed.toString();
})();

async function adminQuery(text: string): Promise<void> {
  const client = createClient({ url: database.adminUrl, wsProxy: database.wsProxy });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

beforeAll(() => adminQuery(`create database ${databaseName}`));
afterAll(() => adminQuery(`drop database if exists ${databaseName} with (force)`));

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
});
