import type { DbTransaction } from "@threatfusion/db";
import { defaultScoringModel, type ScoringModel, validateScoringModel } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";

/** An edit of the model as stored: the partial settings an admin wrote, over the defaults below it. */
export interface StoredModelEdit {
  tenantId: string;
  scope: "global" | "clients";
  settings: Record<string, unknown>;
  version: number;
  updatedAt: string;
}

interface ModelRow extends Record<string, unknown> {
  tenant_id: string;
  scope: "global" | "clients";
  settings: Record<string, unknown>;
  version: number;
  updated_at: Date | string;
}

function toEdit(row: ModelRow): StoredModelEdit {
  return {
    tenantId: row.tenant_id,
    scope: row.scope,
    settings: row.settings,
    version: row.version,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** The stored edits that shape a tenant's model: the platform's (global) and its MSSP's (clients), if any. */
export async function loadModelEdits(
  tx: DbTransaction,
  msspId: string | null,
): Promise<{ global?: StoredModelEdit; mssp?: StoredModelEdit }> {
  const { rows } = await tx.execute<ModelRow>(sql`
    select tenant_id, scope, settings, version, updated_at from scoring_models
    where scope = 'global' or tenant_id = ${msspId ?? ""}`);
  const out: { global?: StoredModelEdit; mssp?: StoredModelEdit } = {};
  for (const row of rows) {
    if (row.scope === "global") out.global = toEdit(row);
    else if (row.tenant_id === msspId) out.mssp = toEdit(row);
  }
  return out;
}

/**
 * Applies a stored edit over `base`. An edit that no longer validates (a default it relied on moved) is
 * ignored rather than breaking scoring; the API shows the problem when the admin next reads it.
 */
export function applyModelEdit(base: ScoringModel, edit: StoredModelEdit | undefined): ScoringModel {
  if (edit === undefined) return base;
  const result = validateScoringModel(edit.settings, base);
  return result.ok ? result.model : base;
}

/** The global model: the defaults with the platform operator's edit. */
export async function loadGlobalModel(tx: DbTransaction): Promise<ScoringModel> {
  const edits = await loadModelEdits(tx, null);
  return applyModelEdit(defaultScoringModel, edits.global);
}

/** The model of an MSSP's clients: the global model with the MSSP's edit. */
export async function loadClientModel(tx: DbTransaction, msspId: string | null): Promise<ScoringModel> {
  const edits = await loadModelEdits(tx, msspId);
  return applyModelEdit(applyModelEdit(defaultScoringModel, edits.global), edits.mssp);
}
