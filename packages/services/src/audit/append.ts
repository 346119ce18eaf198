import {
  type ChainedAuditEntry,
  chainAuditEntry,
  type JsonObject,
  parseIpAllowlist,
} from "@threatfusion/auth";
import { type Actor, newId } from "@threatfusion/core";
import type { DbTransaction } from "@threatfusion/db";
import { sql } from "drizzle-orm";

/** One audit event. `tenantId` must be the transaction's tenant (row-level security refuses any other). */
export interface AuditEvent {
  tenantId: string;
  /** `area.verb`, e.g. `session.created`, `token.revoked`, `tenant.suspended`. */
  action: string;
  actor?: Actor | null | undefined;
  /** For events without an actor yet (a failed sign-in): the user concerned, when known. */
  userId?: string | null | undefined;
  targetKind?: string | undefined;
  targetId?: string | undefined;
  details?: JsonObject | undefined;
  requestId?: string | undefined;
  ip?: string | undefined;
  at: Date;
}

/** The hashed content of an audit row: every column except the chain columns themselves. */
export interface AuditEntry extends JsonObject {
  id: string;
  tenantId: string;
  seq: number;
  action: string;
  actorUserId: string | null;
  actorTokenId: string | null;
  targetKind: string | null;
  targetId: string | null;
  requestId: string | null;
  ip: string | null;
  details: JsonObject;
  createdAt: string;
}

/**
 * Appends an event to the tenant's hash-chained audit log inside `tx` (the transaction of the change it
 * records, so both commit or neither). Appends of one tenant serialise on a transaction advisory lock; the
 * unique (tenant_id, seq) index refuses a fork regardless.
 */
export async function appendAudit(
  tx: DbTransaction,
  event: AuditEvent,
): Promise<ChainedAuditEntry<AuditEntry>> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`audit:${event.tenantId}`}, 0))`);
  const ip = event.ip !== undefined && parseIpAllowlist([event.ip]).ok ? event.ip : null;
  // The address is hashed in the form Postgres prints it back (`host(inet)`), so verification can rebuild it.
  const head = await tx.execute<{ seq: string | number | null; hash: string | null; ip: string | null }>(
    sql`select h.seq, h.hash, host(cast(${ip} as inet)) as ip
        from (select 1) as one
        left join lateral (
          select seq, hash from audit_log where tenant_id = ${event.tenantId} order by seq desc limit 1
        ) as h on true`,
  );
  const previous = head.rows[0];
  const seq = previous?.seq === null || previous?.seq === undefined ? 1 : Number(previous.seq) + 1;
  const actor = event.actor ?? null;
  const entry: AuditEntry = {
    id: newId("audit", event.at.getTime()),
    tenantId: event.tenantId,
    seq,
    action: event.action,
    actorUserId: actor?.kind === "user" ? actor.userId : (event.userId ?? null),
    actorTokenId: actor?.kind === "token" ? actor.tokenId : null,
    targetKind: event.targetKind ?? null,
    targetId: event.targetId ?? null,
    requestId: event.requestId ?? null,
    ip: previous?.ip ?? null,
    details: event.details ?? {},
    createdAt: event.at.toISOString(),
  };
  const chained = await chainAuditEntry(previous?.hash ? { hash: previous.hash } : null, entry);
  await tx.execute(
    sql`insert into audit_log (id, tenant_id, actor_user_id, actor_token_id, action, target_kind, target_id,
                               request_id, ip, details, created_at, seq, previous_hash, hash)
        values (${entry.id}, ${entry.tenantId}, ${entry.actorUserId}, ${entry.actorTokenId}, ${entry.action},
                ${entry.targetKind}, ${entry.targetId}, ${entry.requestId}, cast(${entry.ip} as inet),
                ${JSON.stringify(entry.details)}::jsonb, ${entry.createdAt}, ${seq}, ${chained.previousHash},
                ${chained.hash})`,
  );
  return chained;
}
