import { databaseConfigFromEnv } from "./client.ts";
import { migrate } from "./migrate.ts";

// `pnpm db:migrate`: applies migrations/*.sql to DATABASE_ADMIN_URL (PG_WS_PROXY in dev only).
try {
  const config = databaseConfigFromEnv(process.env, "admin");
  const result = await migrate({ ...config, log: (line) => console.log(line) });
  console.log(
    `migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
