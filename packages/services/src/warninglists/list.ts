import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";

/** A stored warninglist as the API lists it (entries are not listed; they can be half a million). */
export interface WarninglistView {
  id: string;
  name: string;
  description: string | null;
  version: number;
  type: string;
  category: string | null;
  matchingAttributes: string[];
  effect: "suppress" | "flag";
  enabled: boolean;
  entryCount: number;
  sourceUrl: string | null;
  importedAt: string;
}

/** The global known-benign lists in use, for every tenant (they explain suppression reasons). */
export async function listWarninglists({ ctx }: { ctx: ServiceContext }): Promise<WarninglistView[]> {
  authorizeAction(ctx, "indicator.read");
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{
      id: string;
      name: string;
      description: string | null;
      version: number | string;
      list_type: string;
      category: string | null;
      matching_attributes: string[];
      effect: "suppress" | "flag";
      enabled: boolean;
      entry_count: number;
      source_url: string | null;
      imported_at: Date | string;
    }>(sql`select id, name, description, version, list_type, category, matching_attributes, effect, enabled,
      entry_count, source_url, imported_at from warninglists order by id`);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      description: row.description,
      version: Number(row.version),
      type: row.list_type,
      category: row.category,
      matchingAttributes: row.matching_attributes,
      effect: row.effect,
      enabled: row.enabled,
      entryCount: row.entry_count,
      sourceUrl: row.source_url,
      importedAt: new Date(row.imported_at).toISOString(),
    }));
  });
}
