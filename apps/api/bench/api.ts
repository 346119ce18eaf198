// The API benchmark (issue 7): the real local runtime (`wrangler dev` + embedded PostgreSQL through the Neon
// driver's WebSocket bridge, exactly as `pnpm dev`), 1,000,000 indicators loaded through the bulk path, then:
//   1. single lookup (GET /api/v1/indicators/by-value) p50/p95 under 16 concurrent clients  (target p95 <= 25 ms)
//   2. a 1,000-object TAXII page (objects?limit=1000, walking `next`) p50/p95               (target p95 <= 50 ms)
//   3. the full EDL of all IPs (GET /api/v1/blocklists/ip)                                  (target <= 2 s)
//   4. a streamed STIX bundle of every indicator (GET /api/v1/exports/stix)                 (target <= 20 s, bounded memory)
// Each figure is printed next to the raw limit measured in the same run (the same read straight from
// Postgres, or the serializer alone). Run: `pnpm bench:api` (BENCH_INDICATORS=200000 for a quicker run).

import { readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createApiToken } from "@threatfusion/auth";
import { newId } from "@threatfusion/core";
import {
  createDatabase,
  createPool,
  upsertIndicators,
  upsertObservations,
  withIngestTx,
} from "@threatfusion/db";
import { createTenantTree } from "@threatfusion/db/testing";
import { type ExportIndicator, stixBundleStream } from "@threatfusion/exports";
import { provideDevDatabase } from "../../../packages/devstack/src/dev-database.ts";
import { runToCompletion, startProcess } from "../../../packages/devstack/src/processes.ts";

const root = join(import.meta.dirname, "../../..");
const total = Number(process.env.BENCH_INDICATORS ?? 1_000_000);
const port = Number(process.env.BENCH_PORT ?? 8791);
const log = (message: string) => console.log(`[bench] ${message}`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** The i-th benchmark indicator: 40% IPv4, 25% domains, 25% URLs, 10% SHA-256. */
function indicatorAt(i: number): { type: string; value: string } {
  const bucket = i % 20;
  if (bucket < 8)
    return { type: "ipv4", value: `${11 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}` };
  if (bucket < 13) return { type: "domain", value: `host${i}.bench${i % 997}.com` };
  if (bucket < 18) return { type: "url", value: `http://host${i}.bench${i % 997}.com/path/${i}` };
  return { type: "sha256", value: i.toString(16).padStart(64, "0") };
}

/** RSS (KiB) of the workerd processes this benchmark started (descendants of this process, from /proc). */
function workerdRssKib(): number {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const isOurs = (pid: number) => {
    for (let current = pid, hops = 0; current > 1 && hops < 50; hops++) {
      if (current === process.pid) return true;
      current = parents.get(current) ?? 0;
    }
    return false;
  };
  let sum = 0;
  for (const pid of parents.keys()) {
    if (!isOurs(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) continue;
      sum += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return sum;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** Reads a response body to the end, counting bytes and newlines only (bounded memory on our side). */
async function drain(response: Response): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  const reader = response.body?.getReader();
  if (!reader) return { bytes, lines };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    for (const byte of value) if (byte === 10) lines++;
  }
  return { bytes, lines };
}

/**
 * Embedded Postgres + bridge + migrations (the dev stack's own function), then `wrangler dev` on a bundle
 * built once into the work folder: other work edits the repository meanwhile, and `wrangler dev` on the
 * sources would rebuild and restart the Worker on each change, dropping requests in flight.
 */
async function startFrozenStack(
  work: string,
): Promise<{ origin: string; adminUrl: string; wsProxy?: string | undefined; stop(): Promise<void> }> {
  const database = await provideDevDatabase({ root, dataDir: work, setting: () => undefined, log });
  const bundleDir = join(work, "bundle");
  await runToCompletion(
    "bundle",
    "pnpm",
    ["exec", "wrangler", "deploy", "--dry-run", "--outdir", bundleDir],
    {
      cwd: root,
      env: { WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    },
  );
  const toml = (await readFile(join(root, "wrangler.toml"), "utf8"))
    .replace(/^main = .*$/m, `main = "${join(bundleDir, "index.js")}"`)
    .replace(/\[assets\][\s\S]*?\n\n/, "");
  await mkdir(join(work, "config"));
  const configPath = join(work, "config", "wrangler.toml");
  await writeFile(configPath, toml);
  const vars: Record<string, string> = {
    ENVIRONMENT: "development",
    DATABASE_URL: database.appUrl,
    DATABASE_INGEST_URL: database.ingestUrl,
    ...(database.wsProxy ? { PG_WS_PROXY: database.wsProxy } : {}),
  };
  const wrangler = startProcess(
    "wrangler",
    "pnpm",
    [
      "exec",
      "wrangler",
      "dev",
      "--config",
      configPath,
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      join(work, "wrangler"),
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    {
      cwd: root,
      env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
      onLine: (line) => {
        if (process.env.BENCH_VERBOSE || /error|exception/i.test(line)) console.log(`[wrangler] ${line}`);
      },
    },
  );
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  while (
    !(await fetch(`${origin}/api/health`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error("the Worker did not become healthy in 180 s");
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    origin,
    adminUrl: database.adminUrl,
    wsProxy: database.wsProxy,
    stop: async () => {
      await wrangler.stop();
      await database.stop();
    },
  };
}

const dataDir = await mkdtemp(join(root, ".data", "bench-api-"));
// The embedded server runs as its own user, which must be able to enter the folder.
await chmod(dataDir, 0o755);
log(
  `starting the local stack (wrangler dev on :${port} over a frozen bundle, fresh embedded Postgres in ${dataDir})…`,
);
const stack = await startFrozenStack(dataDir);
const admin = { url: stack.adminUrl, wsProxy: stack.wsProxy };
// Stop the stack (Postgres, wrangler) on Ctrl-C or a timeout too, not only at the end.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void stack
      .stop()
      .finally(() => rm(dataDir, { recursive: true, force: true }).finally(() => process.exit(130)));
  });
}
const lookupRequests = Number(process.env.BENCH_LOOKUPS ?? 1_600);
try {
  // --- load through the bulk path -------------------------------------------------------------------
  const pool = createPool(admin, { max: 2 });
  const sourceId = newId("source");
  await pool.query(
    "insert into sources (id, tenant_id, name, reliability) values ($1, null, 'Bench OSINT', 'B')",
    [sourceId],
  );
  const handles = [createDatabase(admin, { max: 1 }), createDatabase(admin, { max: 1 })];
  const batch = 5_000;
  const now = new Date().toISOString();
  const load = await timed(async () => {
    let next = 0;
    await Promise.all(
      handles.map(async (handle) => {
        for (;;) {
          const start = next;
          next += batch;
          if (start >= total) return;
          if (start % 100_000 === 0) log(`  ${start.toLocaleString()} loaded`);
          const rows = Array.from({ length: Math.min(batch, total - start) }, (_, k) =>
            indicatorAt(start + k),
          );
          await withIngestTx({ db: handle.db }, async (tx) => {
            await upsertIndicators(
              tx,
              rows.map((row) => ({
                ...row,
                firstSeen: now,
                lastSeen: now,
                confidence: 70,
                baseScore: 60,
                tlp: "green" as const,
              })),
            );
            await upsertObservations(
              tx,
              rows.map((row) => ({
                indicatorType: row.type,
                indicatorValue: row.value,
                sourceId,
                firstSeen: now,
                lastSeen: now,
                malwareFamily: "benchbot",
              })),
            );
          });
        }
      }),
    );
  });
  await Promise.all(handles.map((handle) => handle.end()));
  await pool.query("analyze indicators; analyze observations");
  log(
    `loaded ${total.toLocaleString()} indicators + observations via the bulk path in ${(load.ms / 1000).toFixed(1)} s`,
  );

  const tree = await createTenantTree(admin, "bench");
  await pool.query(`update tenants set settings = $2::jsonb where id = $1`, [
    tree.clientAId,
    JSON.stringify({
      rateLimits: { perToken: { perMinute: 10_000_000 }, perTenant: { perMinute: 10_000_000 } },
    }),
  ]);
  const token = await createApiToken();
  await pool.query(
    `insert into api_tokens (id, tenant_id, name, token_prefix, token_hash, scopes) values ($1, $2, 'bench', $3, $4, '{indicators:read,exports:read}')`,
    [token.id, tree.clientAId, token.hint, token.secretHash],
  );
  const headers = { authorization: `Bearer ${token.token}` };
  const api = (path: string, extra: Record<string, string> = {}) =>
    fetch(`${stack.origin}${path}`, { headers: { ...headers, ...extra } });
  const results: string[] = [];

  // --- 1. single lookup under 16 concurrent clients ------------------------------------------------
  {
    const values = Array.from(
      { length: lookupRequests },
      (_, k) => indicatorAt((k * 2_654_435_761) % total).value,
    );
    for (const value of values.slice(0, 16))
      await (await api(`/api/v1/indicators/by-value?value=${encodeURIComponent(value)}`)).arrayBuffer();
    const latencies: number[] = [];
    let cursor = 0;
    let failures = 0;
    const wall = await timed(() =>
      Promise.all(
        Array.from({ length: 16 }, async () => {
          for (;;) {
            const value = values[cursor++];
            if (value === undefined) return;
            const started = performance.now();
            const response = await api(`/api/v1/indicators/by-value?value=${encodeURIComponent(value)}`);
            await response.arrayBuffer();
            latencies.push(performance.now() - started);
            if (response.status !== 200) failures++;
          }
        }),
      ),
    );
    // Where the time goes: one client at a time, the lookup next to an authenticated route that does no
    // query of its own (authentication: token lookup on a fresh connection, rate limiter).
    const sequential: number[] = [];
    const authOnly: number[] = [];
    for (const value of values.slice(0, 40)) {
      let started = performance.now();
      await (await api(`/api/v1/indicators/by-value?value=${encodeURIComponent(value)}`)).arrayBuffer();
      sequential.push(performance.now() - started);
      started = performance.now();
      await (await api("/api/v1/auth/me")).arrayBuffer();
      authOnly.push(performance.now() - started);
    }
    results.push(
      `lookup, one client at a time: p50 ${ms(percentile(sequential, 50))}, p95 ${ms(percentile(sequential, 95))} | ` +
        `GET /api/v1/auth/me (authentication only) p50 ${ms(percentile(authOnly, 50))}`,
    );
    log(results.at(-1) ?? "");
    const raw: number[] = [];
    for (const value of values.slice(0, 500)) {
      const started = performance.now();
      await pool.query("select id from indicators where value = $1", [value]);
      raw.push(performance.now() - started);
    }
    results.push(
      `lookup (16 clients, ${latencies.length} requests, ${failures} non-200): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, ` +
        `${Math.round((latencies.length / wall.ms) * 1000)} req/s | raw Postgres point query through the bridge: p50 ${ms(percentile(raw, 50))}, p95 ${ms(percentile(raw, 95))}`,
    );
    log(results.at(-1) ?? "");
  }

  // --- 2. 1,000-object TAXII pages ------------------------------------------------------------------
  {
    const taxiiHeaders = { accept: "application/taxii+json;version=2.1" };
    const collections = (await (
      await api(`/taxii2/${tree.clientAId}/collections/`, taxiiHeaders)
    ).json()) as { collections: { id: string }[] };
    const all = collections.collections[0]?.id ?? "";
    const latencies: number[] = [];
    let next: string | undefined;
    let objects = 0;
    for (let page = 0; page < 20; page++) {
      const started = performance.now();
      const response = await api(
        `/taxii2/${tree.clientAId}/collections/${all}/objects/?limit=1000${next ? `&next=${encodeURIComponent(next)}` : ""}`,
        taxiiHeaders,
      );
      const body = (await response.json()) as { more: boolean; next?: string; objects?: unknown[] };
      latencies.push(performance.now() - started);
      objects += body.objects?.length ?? 0;
      next = body.next;
      if (!body.more) break;
    }
    const raw: number[] = [];
    for (let page = 0; page < 20; page++) {
      const started = performance.now();
      await pool.query("select * from indicators order by updated_at, id offset $1 limit 1000", [
        page * 1000,
      ]);
      raw.push(performance.now() - started);
    }
    results.push(
      `TAXII objects page of 1,000 (${latencies.length} pages, ${objects} objects): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))} | ` +
        `raw Postgres 1,000 rows in the same order: p50 ${ms(percentile(raw, 50))}, p95 ${ms(percentile(raw, 95))}`,
    );
    log(results.at(-1) ?? "");
  }

  // --- 3. the full EDL of all IPs -------------------------------------------------------------------
  {
    const rssBefore = workerdRssKib();
    const edl = await timed(async () => drain(await api("/api/v1/blocklists/ip")));
    const raw = await timed(() =>
      pool.query("select value from indicators where type in ('ipv4', 'ipv6', 'cidr')"),
    );
    results.push(
      `EDL of all IPs: ${edl.value.lines.toLocaleString()} entries, ${(edl.value.bytes / 1e6).toFixed(1)} MB in ${(edl.ms / 1000).toFixed(2)} s ` +
        `(workerd RSS ${Math.round(rssBefore / 1024)} -> ${Math.round(workerdRssKib() / 1024)} MB) | raw Postgres select of the same ${raw.value.rows.length.toLocaleString()} values: ${(raw.ms / 1000).toFixed(2)} s`,
    );
    log(results.at(-1) ?? "");
  }

  // --- 4. a streamed STIX bundle of every indicator ---------------------------------------------------
  {
    let peak = workerdRssKib();
    const before = peak;
    const sampler = setInterval(() => {
      peak = Math.max(peak, workerdRssKib());
    }, 250);
    const stix = await timed(async () => drain(await api("/api/v1/exports/stix")));
    clearInterval(sampler);
    // The serializer alone on the same number of records, in this Node process.
    const record = (i: number): ExportIndicator => {
      const { type, value } = indicatorAt(i);
      return {
        id: `ind_${i.toString(36).padStart(26, "0")}`,
        type: type as ExportIndicator["type"],
        value,
        firstSeen: now,
        lastSeen: now,
        addedAt: now,
        modifiedAt: now,
        confidence: 70,
        score: 60,
        tlp: "green",
        tags: [],
        context: { malwareFamily: "benchbot" },
        sources: ["Bench OSINT"],
      };
    };
    const serializer = await timed(async () =>
      drain(
        new Response(
          stixBundleStream(
            (function* () {
              for (let i = 0; i < total; i++) yield record(i);
            })(),
            { producer: { name: "Bench MSSP" } },
          ),
        ),
      ),
    );
    results.push(
      `STIX bundle of ${total.toLocaleString()} indicators: ${(stix.value.bytes / 1e6).toFixed(0)} MB in ${(stix.ms / 1000).toFixed(1)} s ` +
        `(${Math.round(total / (stix.ms / 1000)).toLocaleString()} indicators/s; workerd RSS ${Math.round(before / 1024)} MB, peak ${Math.round(peak / 1024)} MB) | ` +
        `serializer alone in Node: ${(serializer.ms / 1000).toFixed(1)} s (${Math.round(total / (serializer.ms / 1000)).toLocaleString()} indicators/s)`,
    );
    log(results.at(-1) ?? "");
  }

  await pool.end();
  console.log("\nAPI benchmark (figures taken on a shared 2-core machine, under load from other work):");
  for (const line of results) console.log(`  ${line}`);
} finally {
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
}
