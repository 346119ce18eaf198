import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { userContext } from "../testing/intel-fixtures.ts";
import { applyFeedChunks } from "./apply-chunks.ts";
import { importInProcess } from "./queued-import.testing.ts";
import { acceptImport, getImport, postgresUploadStore, processImport } from "./queued-import.ts";

const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "queued-import");
});
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

const clientA = () => userContext(dbs, tree, "clientA");
const clientB = () => userContext(dbs, tree, "clientB");

async function* bytesOf(text: string | Uint8Array): AsyncGenerator<Uint8Array> {
  yield typeof text === "string" ? new TextEncoder().encode(text) : text;
}

async function stagedParts(runId: string): Promise<number> {
  const { rows } = await dbs.admin.pool.query(
    "select count(*)::int as n from import_upload_parts where run_id = $1",
    [runId],
  );
  return rows[0]?.n ?? -1;
}

describe("queued imports (Postgres staging)", () => {
  it("stages the upload, parses it into chunks with progress, and deletes the staged bytes when done", async () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => `203.0.${Math.floor(i / 250)}.${i % 250}`);
    const text = `# my list\n${lines.join("\n")}\nnot-an-indicator ::\n`;
    const { progress, chunks } = await importInProcess(clientA(), dbs.ingest.db, {
      text,
      format: "text",
      feedName: "Queued test",
    });
    expect(chunks.length).toBeGreaterThan(0);
    expect(progress).toMatchObject({
      status: "succeeded",
      finished: true,
      format: "text",
      bytesTotal: text.length,
      bytesParsed: text.length,
      parsed: 3_000,
      new: 3_000,
      changed: 0,
    });
    expect(progress.linesParsed).toBeGreaterThanOrEqual(3_001);
    expect(await stagedParts(progress.runId)).toBe(0);
  });

  it("changes nothing when the import message and its chunks are delivered again", async () => {
    const text = "198.51.100.77\nevil-redelivery.example.com\n";
    const ctx = clientA();
    const store = postgresUploadStore({ appDb: ctx.db, ingestDb: dbs.ingest.db });
    const accepted = await acceptImport({
      ctx,
      input: { body: bytesOf(text), format: "text" },
      deps: { ingestDb: dbs.ingest.db, store },
    });
    expect(await stagedParts(accepted.runId)).toBe(1);
    const sent: Parameters<Parameters<typeof processImport>[0]["sendChunk"]>[0][] = [];
    const deps = {
      ingestDb: dbs.ingest.db,
      storeFor: () => store,
      sendChunk: async (chunk: (typeof sent)[number]) => {
        sent.push(chunk);
      },
      now: () => new Date(),
    };
    const message = { kind: "import-file" as const, runId: accepted.runId };
    const first = await processImport(deps, message);
    expect(first).toMatchObject({ status: "queued-chunks", chunks: 1 });
    // A redelivered message after the run was announced sends nothing again.
    const again = await processImport(deps, message);
    expect(again).toMatchObject({ status: "skipped" });
    expect(sent).toHaveLength(1);
    const appDbs = { ingestDb: dbs.ingest.db, appDb: ctx.db };
    await applyFeedChunks(appDbs, sent);
    const replay = await applyFeedChunks(appDbs, sent);
    expect([...replay.outcomes.values()]).toEqual(["duplicate"]);
    const progress = await getImport({ ctx, input: { runId: accepted.runId } });
    expect(progress).toMatchObject({ new: 2, parsed: 2, status: "applying" });
  });

  it("refuses invalid UTF-8 at upload with a clear reason, fails the run and keeps no bytes", async () => {
    const ctx = clientA();
    const before = await importInProcess(ctx, dbs.ingest.db, { text: "198.51.100.90\n" });
    const bad = new Uint8Array([
      ...new TextEncoder().encode("198.51.100.91\n".repeat(400)),
      0xc3,
      0x28,
      0x0a,
    ]);
    await expect(importInProcess(ctx, dbs.ingest.db, { text: bad })).rejects.toMatchObject({
      code: "UNPROCESSABLE",
      message: expect.stringContaining("not valid UTF-8"),
    });
    const { rows } = await dbs.admin.pool.query(
      "select r.status, r.error, (select count(*)::int from import_upload_parts p where p.run_id = r.id) as parts from feed_runs r join import_jobs j on j.run_id = r.id where j.tenant_id = $1 order by r.id desc limit 1",
      [ctx.tenant.tenantId],
    );
    expect(rows[0]).toMatchObject({ status: "failed", parts: 0, error: expect.stringContaining("UTF-8") });
    // The earlier import is untouched.
    expect(await getImport({ ctx, input: { runId: before.progress.runId } })).toMatchObject({
      status: "succeeded",
      new: before.progress.new,
    });
  });

  it("refuses binary data, an HTML page and an upload over the limit", async () => {
    const ctx = clientA();
    const store = postgresUploadStore({ appDb: ctx.db, ingestDb: dbs.ingest.db });
    const deps = { ingestDb: dbs.ingest.db, store };
    const binary = new Uint8Array(2048).map((_, i) => (i * 7) % 256);
    await expect(
      acceptImport({ ctx, input: { body: bytesOf(binary), format: "auto" }, deps }),
    ).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringContaining("binary") });
    await expect(
      acceptImport({
        ctx,
        input: { body: bytesOf("<html><head><title>Bad gateway</title></head></html>"), format: "csv" },
        deps,
      }),
    ).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringContaining("Bad gateway") });
    await expect(
      acceptImport({
        ctx,
        input: { body: bytesOf("198.51.100.1\n".repeat(200)), format: "text" },
        deps: { ...deps, maxBytes: 1_000 },
      }),
    ).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });

  it("shows an import only to its tenant", async () => {
    const { progress } = await importInProcess(clientA(), dbs.ingest.db, { text: "198.51.100.92\n" });
    await expect(getImport({ ctx: clientB(), input: { runId: progress.runId } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const { rows } = await dbs.app.pool.query("select count(*)::int as n from import_jobs");
    expect(rows[0]?.n).toBe(0);
  });
});
