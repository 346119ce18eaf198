import { AppError } from "@threatfusion/core";
import { type Database, withTenantTx } from "@threatfusion/db";
import { defaultScoringModel, validateScoringModel } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { getScoringModel, type ScoringModelView, tenantKind } from "./get-scoring-model.ts";
import { applyModelEdit, loadModelEdits } from "./model-store.ts";
import { startScoringSweep } from "./pipeline.ts";

export interface UpdateScoringModelInput {
  /** The partial edit (replaces the stored one), e.g. `{ sourceReliability: { src_…: "A" } }`. */
  settings: Record<string, unknown>;
  /** Optimistic concurrency: the version the admin edited; PRECONDITION_FAILED when another edit won. */
  expectedVersion?: number | undefined;
}

/**
 * Stores an MSSP's (or the platform operator's) edit of the scoring model after `validateScoringModel`
 * (VALIDATION_FAILED lists every problem with its path). The platform's edit re-scores the whole catalog
 * (a sweep, writing only changed rows); an MSSP's makes its clients' overlays due for the scheduler.
 */
export async function updateScoringModel({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: UpdateScoringModelInput;
}): Promise<ScoringModelView> {
  authorizeAction(ctx, "scoring.tune");
  const kind = await tenantKind(ctx);
  if (kind !== "mssp" && kind !== "platform") {
    throw new AppError("FORBIDDEN", "The scoring model is tuned by the MSSP, not per client", {
      details: { action: "scoring.tune" },
    });
  }
  const scope = kind === "platform" ? "global" : "clients";
  const tenantId = ctx.tenant.tenantId;
  const userId = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  const children = await inTenantTx(ctx, async (tx) => {
    const edits = await loadModelEdits(tx, scope === "clients" ? tenantId : null);
    const base = scope === "global" ? defaultScoringModel : applyModelEdit(defaultScoringModel, edits.global);
    const current = scope === "global" ? edits.global : edits.mssp;
    if (input.expectedVersion !== undefined && input.expectedVersion !== (current?.version ?? 0)) {
      throw new AppError("PRECONDITION_FAILED", "The model was changed by someone else; reload and retry", {
        details: { version: current?.version ?? 0 },
      });
    }
    const validation = validateScoringModel(input.settings, base);
    if (!validation.ok) {
      throw new AppError("VALIDATION_FAILED", "The scoring model edit is invalid", {
        details: { errors: validation.errors },
      });
    }
    await tx.execute(sql`
      insert into scoring_models (tenant_id, scope, settings, version, updated_by, updated_at)
      values (${tenantId}, ${scope}, ${JSON.stringify(input.settings)}::jsonb, 1, ${userId}, now())
      on conflict (tenant_id) do update set settings = excluded.settings, version = scoring_models.version + 1,
        updated_by = excluded.updated_by, updated_at = now()`);
    await recordAudit(ctx, tx, {
      action: "scoring.tune",
      targetKind: "scoring_model",
      targetId: tenantId,
      details: { scope, settings: JSON.parse(JSON.stringify(input.settings)) },
    });
    if (scope === "global") await startScoringSweep(tx, "global scoring model edited");
    const { rows } = await tx.execute<{ id: string }>(sql`select unnest(tf_child_tenants()) as id`);
    return rows.map((row) => row.id);
  });
  if (scope === "clients") await markOverlaysDue(ctx.db, [tenantId, ...children], ctx.now());
  return getScoringModel({ ctx });
}

/** Makes every overlay row of these tenants due for the scheduled re-score (each in its own transaction). */
export async function markOverlaysDue(db: Database, tenantIds: readonly string[], now: Date): Promise<void> {
  for (const tenantId of tenantIds) {
    await withTenantTx({ db, tenantId }, (tx) =>
      tx.execute(sql`update tenant_indicators set effective_next_reaction_at = ${now.toISOString()}::timestamptz
        where tenant_id = ${tenantId}`),
    );
  }
}
