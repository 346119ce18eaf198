import { type ChainedAuditEntry, type JsonObject, verifyAuditChain } from "@threatfusion/auth";
import type { DbTransaction } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context.ts";
import { withManagedTenant } from "../tenants/target-tenant.ts";
import type { AuditEntry } from "./append.ts";

interface AuditRow extends Record<string, unknown> {
  id: string;
  tenant_id: string;
  seq: string | number;
  action: string;
  actor_user_id: string | null;
  actor_token_id: string | null;
  target_kind: string | null;
  target_id: string | null;
  request_id: string | null;
  ip: string | null;
  details: JsonObject;
  created_at: Date | string;
  previous_hash: string;
  hash: string;
}

function toChained(row: AuditRow): ChainedAuditEntry<AuditEntry> {
  return {
    entry: {
      id: row.id,
      tenantId: row.tenant_id,
      seq: Number(row.seq),
      action: row.action,
      actorUserId: row.actor_user_id,
      actorTokenId: row.actor_token_id,
      targetKind: row.target_kind,
      targetId: row.target_id,
      requestId: row.request_id,
      ip: row.ip,
      details: row.details,
      createdAt: new Date(row.created_at).toISOString(),
    },
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}

async function readRows(
  tx: DbTransaction,
  tenantId: string,
  options: { afterSeq?: number; limit?: number; newestFirst?: boolean },
) {
  const result = await tx.execute<AuditRow>(
    sql`select id, tenant_id, seq, action, actor_user_id, actor_token_id, target_kind, target_id, request_id,
               host(ip) as ip, details, created_at, previous_hash, hash
        from audit_log where tenant_id = ${tenantId} and seq > ${options.afterSeq ?? 0}
        order by seq ${options.newestFirst ? sql`desc` : sql`asc`} limit ${options.limit ?? 1000}`,
  );
  return result.rows.map(toChained);
}

export const listAuditInput = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Page backwards: entries with a smaller sequence number. */
  beforeSeq: z.coerce.number().int().min(1).optional(),
});

export type AuditItem = AuditEntry & { previousHash: string; hash: string };

/** A tenant's audit entries, newest first (tenant admins: their tenant; MSSP staff: their clients too). */
export function listAudit({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: z.infer<typeof listAuditInput> & { tenantId: string };
}): Promise<AuditItem[]> {
  return withManagedTenant(ctx, input.tenantId, "audit.read", async (tx, tenant) => {
    const result = await tx.execute<AuditRow>(
      sql`select id, tenant_id, seq, action, actor_user_id, actor_token_id, target_kind, target_id, request_id,
                 host(ip) as ip, details, created_at, previous_hash, hash
          from audit_log where tenant_id = ${tenant.id} and (${input.beforeSeq ?? null}::bigint is null or seq < ${input.beforeSeq ?? null})
          order by seq desc limit ${input.limit}`,
    );
    return result.rows
      .map(toChained)
      .map((row) => ({ ...row.entry, previousHash: row.previousHash, hash: row.hash }));
  });
}

/**
 * The whole log as JSON lines (oldest first, one entry per line with its hashes), in pages of 1000 so memory
 * stays flat. Audited as `audit.exported` (after the export, so the file proves itself up to that point).
 */
export function exportAudit({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { tenantId: string };
}): Promise<string> {
  return withManagedTenant(ctx, input.tenantId, "audit.read", async (tx, tenant, audit) => {
    const lines: string[] = [];
    let afterSeq = 0;
    for (;;) {
      const rows = await readRows(tx, tenant.id, { afterSeq, limit: 1000 });
      for (const row of rows)
        lines.push(JSON.stringify({ ...row.entry, previousHash: row.previousHash, hash: row.hash }));
      const last = rows.at(-1);
      if (!last || rows.length < 1000) break;
      afterSeq = last.entry.seq;
    }
    await audit({
      action: "audit.exported",
      targetKind: "tenant",
      targetId: tenant.id,
      details: { entries: lines.length },
    });
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  });
}

export type AuditVerification =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; entries: number; brokenAtSeq: number | null; reason: string };

/** Recomputes the tenant's whole hash chain and checks that sequence numbers have no gaps. */
export function verifyAudit({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { tenantId: string };
}): Promise<AuditVerification> {
  return withManagedTenant(ctx, input.tenantId, "audit.read", async (tx, tenant) => {
    const rows: ChainedAuditEntry<AuditEntry>[] = [];
    let afterSeq = 0;
    for (;;) {
      const page = await readRows(tx, tenant.id, { afterSeq, limit: 1000 });
      rows.push(...page);
      const last = page.at(-1);
      if (!last || page.length < 1000) break;
      afterSeq = last.entry.seq;
    }
    const gap = rows.findIndex((row, index) => row.entry.seq !== index + 1);
    if (gap !== -1)
      return {
        ok: false,
        entries: rows.length,
        brokenAtSeq: rows[gap]?.entry.seq ?? null,
        reason: "sequence_gap",
      };
    const verdict = await verifyAuditChain(rows);
    if (verdict.ok) return { ok: true, entries: rows.length, headHash: verdict.headHash };
    return {
      ok: false,
      entries: rows.length,
      brokenAtSeq: rows[verdict.brokenAt]?.entry.seq ?? null,
      reason: verdict.reason,
    };
  });
}
