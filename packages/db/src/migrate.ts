import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "@threatfusion/core";
import { createClient, type DatabaseConfig } from "./client.ts";

/**
 * The migration runner (Node only: it reads `migrations/*.sql`). Each file runs in its own transaction and is
 * recorded in `schema_migrations` with its SHA-256; the whole run holds an advisory lock so concurrent
 * runners (two `pnpm dev`, parallel CI jobs) apply each file once. Re-running applies nothing new; an
 * applied file whose content changed is an error (write a new migration instead).
 */

export const defaultMigrationsDirectory = fileURLToPath(new URL("../../../migrations/", import.meta.url));

/** Any stable 64-bit number: the advisory-lock key that serialises migration runs on one database. */
const migrationLockKey = 7_406_273_114_923_001n;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions extends DatabaseConfig {
  directory?: string;
  log?: (line: string) => void;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

/** Reads `NNNN_name.sql` files in name order. */
export async function readMigrations(directory = defaultMigrationsDirectory): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(directory, name), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

/**
 * Applies the pending migrations to the database at `url` (the owner role, `DATABASE_ADMIN_URL`).
 *
 * @example await migrate({ url: process.env.DATABASE_ADMIN_URL, wsProxy: process.env.PG_WS_PROXY });
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const files = await readMigrations(options.directory);
  const client = createClient(options);
  await client.connect();
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  try {
    await client.query("select pg_advisory_lock($1)", [migrationLockKey.toString()]);
    try {
      await client.query(`create table if not exists schema_migrations (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`);
      const { rows } = await client.query<{ name: string; checksum: string }>(
        "select name, checksum from schema_migrations",
      );
      const applied = new Map(rows.map((row) => [row.name, row.checksum]));
      for (const file of files) {
        const checksum = applied.get(file.name);
        if (checksum !== undefined) {
          if (checksum !== file.checksum) {
            throw new AppError(
              "CONFLICT",
              `migration ${file.name} was changed after it was applied (checksum ${checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk); add a new migration instead`,
            );
          }
          result.alreadyApplied.push(file.name);
          continue;
        }
        await client.query("begin");
        try {
          await client.query(file.sql);
          await client.query("insert into schema_migrations (name, checksum) values ($1, $2)", [
            file.name,
            file.checksum,
          ]);
          await client.query("commit");
        } catch (error) {
          await client.query("rollback");
          throw new AppError("INTERNAL", `migration ${file.name} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
        log(`applied ${file.name}`);
        result.applied.push(file.name);
      }
    } finally {
      await client.query("select pg_advisory_unlock($1)", [migrationLockKey.toString()]);
    }
  } finally {
    await client.end();
  }
  return result;
}
