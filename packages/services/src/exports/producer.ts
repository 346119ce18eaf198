import { type DbTransaction, readInTenant, type TenantContext } from "@threatfusion/db";
import { type Producer, producerIdentity, threatfusionNamespace } from "@threatfusion/exports";
import { sql } from "drizzle-orm";

/**
 * The brand that produces the tenant's exports: its MSSP for a client (the client sees the MSSP as the
 * source, never another client), the tenant itself otherwise. The brand's product name from its branding
 * settings when set, else its name. Read inside the tenant's open transaction, or as one round trip of its own
 * (`target` the tenant's TenantContext, as a TAXII page reads it next to the page itself).
 */
export async function loadProducer(
  target: DbTransaction | TenantContext,
  tenantId: string,
): Promise<Producer> {
  const query = sql`
    select b.name, b.settings -> 'branding' ->> 'productName' as brand, b.created_at
    from tenants t
    left join tenants parent on parent.id = t.parent_id and t.kind = 'client'
    cross join lateral (
      select coalesce(parent.name, t.name) as name, coalesce(parent.settings, t.settings) as settings,
             coalesce(parent.created_at, t.created_at) as created_at
    ) as b
    where t.id = ${tenantId}`;
  type ProducerRow = { name: string; brand: string | null; created_at: Date | string };
  const rows =
    "tenantId" in target
      ? await readInTenant<ProducerRow>(target, query)
      : (await target.execute<ProducerRow>(query)).rows;
  const row = rows[0];
  if (row === undefined) return { name: "ThreatFusion" };
  return { name: row.brand ?? row.name, createdAt: new Date(row.created_at).toISOString() };
}

/** The STIX identity id of a producer (what indicator ids are derived from). */
export function producerIdentityId(producer: Producer): string {
  return producerIdentity(producer).id;
}

export { threatfusionNamespace };
