import { defaultScoringModel, type ScoringModel } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { applyModelEdit, loadModelEdits, type StoredModelEdit } from "./model-store.ts";

/** The scoring model as an admin sees it: the effective values, the defaults, and the stored edit. */
export interface ScoringModelView {
  /** Whose edit applies here: the platform's (global score) or an MSSP's (its clients' effective scores). */
  scope: "global" | "clients";
  /** The tenant whose edit this is (the acting MSSP, or a client's MSSP). */
  ownerTenantId: string | null;
  /** Whether the acting tenant may edit it (an MSSP or the platform, with `scoring.tune`). */
  editable: boolean;
  model: ScoringModel;
  defaults: ScoringModel;
  /** The partial settings stored over the layer below; `{}` when none. */
  settings: Record<string, unknown>;
  version: number;
  updatedAt: string | null;
}

export async function tenantKind(ctx: ServiceContext): Promise<string | null> {
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{ kind: string }>(
      sql`select kind from tenants where id = ${ctx.tenant.tenantId}`,
    );
    return rows[0]?.kind ?? null;
  });
}

/**
 * The model that scores this tenant's indicators, with the edit it carries. Anyone who reads indicators may
 * read it (analysts reason about scores with it); editing is `updateScoringModel`.
 */
export async function getScoringModel({ ctx }: { ctx: ServiceContext }): Promise<ScoringModelView> {
  authorizeAction(ctx, "indicator.read");
  const kind = await tenantKind(ctx);
  const msspId =
    kind === "mssp" ? ctx.tenant.tenantId : kind === "platform" ? null : (ctx.tenant.msspId ?? null);
  const edits = await inTenantTx(ctx, (tx) => loadModelEdits(tx, msspId));
  const globalModel = applyModelEdit(defaultScoringModel, edits.global);
  const isPlatform = kind === "platform";
  const own: StoredModelEdit | undefined = isPlatform ? edits.global : edits.mssp;
  return {
    scope: isPlatform ? "global" : "clients",
    ownerTenantId: isPlatform ? ctx.tenant.tenantId : msspId,
    editable: kind === "platform" || kind === "mssp",
    model: isPlatform ? globalModel : applyModelEdit(globalModel, edits.mssp),
    defaults: isPlatform ? defaultScoringModel : globalModel,
    settings: own?.settings ?? {},
    version: own?.version ?? 0,
    updatedAt: own?.updatedAt ?? null,
  };
}
