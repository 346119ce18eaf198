import type { DbTransaction } from "@threatfusion/db";
import { sql } from "drizzle-orm";
import { readSettings, type TenantSettings } from "./settings.ts";

export interface TenantView {
  id: string;
  parentId: string | null;
  kind: "platform" | "mssp" | "client";
  name: string;
  slug: string;
  customDomain: string | null;
  settings: TenantSettings;
  createdAt: string;
  suspendedAt: string | null;
}

interface TenantRow extends Record<string, unknown> {
  id: string;
  parent_id: string | null;
  kind: TenantView["kind"];
  name: string;
  slug: string;
  custom_domain: string | null;
  settings: unknown;
  created_at: Date | string;
  suspended_at: Date | string | null;
}

const iso = (value: Date | string) => new Date(value).toISOString();

export function tenantView(row: TenantRow): TenantView {
  return {
    id: row.id,
    parentId: row.parent_id,
    kind: row.kind,
    name: row.name,
    slug: row.slug,
    customDomain: row.custom_domain,
    settings: readSettings(row.settings),
    createdAt: iso(row.created_at),
    suspendedAt: row.suspended_at === null ? null : iso(row.suspended_at),
  };
}

/** A live (not deleted) tenant visible in the transaction, or undefined. */
export async function findTenant(tx: DbTransaction, tenantId: string): Promise<TenantView | undefined> {
  const result = await tx.execute<TenantRow>(
    sql`select id, parent_id, kind, name, slug, custom_domain, settings, created_at, suspended_at
        from tenants where id = ${tenantId} and archived_at is null`,
  );
  const row = result.rows[0];
  return row ? tenantView(row) : undefined;
}

/** The live child tenants visible in the transaction (an MSSP's clients, or the platform's MSSPs). */
export async function listChildTenants(tx: DbTransaction, parentId: string): Promise<TenantView[]> {
  const result = await tx.execute<TenantRow>(
    sql`select id, parent_id, kind, name, slug, custom_domain, settings, created_at, suspended_at
        from tenants where parent_id = ${parentId} and archived_at is null order by name, id`,
  );
  return result.rows.map(tenantView);
}
