import { AppError, newId } from "@threatfusion/core";
import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import type { ActiveIndicatorFilter } from "../indicators/active-indicators.ts";
import { filterFromJson, type IndicatorFilterJson } from "../indicators/filter-schema.ts";

export interface SavedSearch {
  id: string;
  name: string;
  description: string | null;
  filter: IndicatorFilterJson;
  taxiiCollection: boolean;
  createdAt: string;
}

/** A saved search's stored filter as a query filter (what its TAXII collection serves). */
export function savedSearchFilter(stored: unknown): ActiveIndicatorFilter {
  return filterFromJson(stored);
}

/** Saves a named filter; with `taxiiCollection` it is also offered as a TAXII collection. */
export async function createSavedSearch({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: {
    name: string;
    description?: string | undefined;
    filter: IndicatorFilterJson;
    taxiiCollection?: boolean | undefined;
  };
}): Promise<SavedSearch> {
  authorizeAction(ctx, "search.read");
  const id = newId("savedSearch");
  const userId = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{ created_at: Date }>(sql`
      insert into saved_searches (id, tenant_id, name, description, filter, taxii_collection, created_by)
      values (${id}, ${ctx.tenant.tenantId}, ${input.name}, ${input.description ?? null},
              ${JSON.stringify(input.filter)}::jsonb, ${input.taxiiCollection ?? false}, ${userId})
      on conflict (tenant_id, name) do nothing
      returning created_at`);
    const row = rows[0];
    if (row === undefined)
      throw new AppError("CONFLICT", `A saved search named "${input.name}" exists already`);
    return {
      id,
      name: input.name,
      description: input.description ?? null,
      filter: input.filter,
      taxiiCollection: input.taxiiCollection ?? false,
      createdAt: new Date(row.created_at).toISOString(),
    };
  });
}

/** The tenant's saved searches, by name. */
export async function listSavedSearches({ ctx }: { ctx: ServiceContext }): Promise<SavedSearch[]> {
  authorizeAction(ctx, "search.read");
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{
      id: string;
      name: string;
      description: string | null;
      filter: IndicatorFilterJson;
      taxii_collection: boolean;
      created_at: Date;
    }>(sql`select id, name, description, filter, taxii_collection, created_at from saved_searches
           where tenant_id = ${ctx.tenant.tenantId} order by name limit 500`);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      description: row.description,
      filter: row.filter,
      taxiiCollection: row.taxii_collection,
      createdAt: new Date(row.created_at).toISOString(),
    }));
  });
}
