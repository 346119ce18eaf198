import { DurableObject } from "cloudflare:workers";

export type HeartbeatKind = "queue-sent" | "queue-consumed" | "cron";

export interface PlatformStatus {
  queueSentAt: string | null;
  queueConsumedAt: string | null;
  cronTickAt: string | null;
}

/**
 * One instance ("platform") remembers the platform's heartbeats: the last queue message sent and consumed
 * and the last cron tick, so `/api/health` can tell a stuck consumer or a silent scheduler.
 */
export class PlatformMonitor extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.ctx.storage.sql.exec(
        "create table if not exists heartbeats (kind text primary key, at text not null)",
      );
    });
  }

  recordHeartbeat(kind: HeartbeatKind, at: string = new Date().toISOString()): void {
    this.ctx.storage.sql.exec(
      "insert into heartbeats (kind, at) values (?, ?) on conflict (kind) do update set at = excluded.at where excluded.at > heartbeats.at",
      kind,
      at,
    );
  }

  status(): PlatformStatus {
    const rows = this.ctx.storage.sql
      .exec<{ kind: string; at: string }>("select kind, at from heartbeats")
      .toArray();
    const at = (kind: HeartbeatKind) => rows.find((row) => row.kind === kind)?.at ?? null;
    return { queueSentAt: at("queue-sent"), queueConsumedAt: at("queue-consumed"), cronTickAt: at("cron") };
  }
}

export function platformMonitor(env: Env): DurableObjectStub<PlatformMonitor> {
  return env.PLATFORM_MONITOR.getByName("platform");
}
