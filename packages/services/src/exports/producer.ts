import { type DbTransaction, readInTenant, type TenantContext } from "@threatfusion/db";
import { type Producer, producerIdentity, threatfusionNamespace } from "@threatfusion/exports";
import { type SQL, sql } from "drizzle-orm";

/** The producer of a tenant that has no row (never for a signed-in actor). */
const defaultProducerName = "ThreatFusion";

/**
 * The producing brand of a tenant as one row (`name`, `created_at`): its MSSP for a client, the tenant itself
 * otherwise; the brand's product name from its branding settings when set, else its name.
 */
function producerBrandRow(tenantId: string): SQL {
  return sql`
    select coalesce(b.settings -> 'branding' ->> 'productName', b.name) as name, b.created_at
    from tenants t
    left join tenants parent on parent.id = t.parent_id and t.kind = 'client'
    cross join lateral (
      select coalesce(parent.name, t.name) as name, coalesce(parent.settings, t.settings) as settings,
             coalesce(parent.created_at, t.created_at) as created_at
    ) as b
    where t.id = ${tenantId}`;
}

/**
 * The producer's STIX identity id computed by PostgreSQL, as a scalar SQL expression: the id
 * `producerIdentityId(await loadProducer(…))` gives (UUIDv5 of the RFC 8785 JSON `{"identity":name}`;
 * `to_json` escapes a string as `JSON.stringify` does), so a statement that needs the producer's ids does
 * not wait for a read of the producer first.
 */
export function producerIdentityIdSql(tenantId: string): SQL {
  return sql`(select 'identity--' || uuid_generate_v5(${threatfusionNamespace}::uuid,
      '{"identity":' || to_json(coalesce((select brand.name from (${producerBrandRow(tenantId)}) as brand), ${defaultProducerName}))::text || '}'))`;
}

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
  const query = producerBrandRow(tenantId);
  type ProducerRow = { name: string; created_at: Date | string };
  const rows =
    "tenantId" in target
      ? await readInTenant<ProducerRow>(target, query)
      : (await target.execute<ProducerRow>(query)).rows;
  const row = rows[0];
  if (row === undefined) return { name: defaultProducerName };
  return { name: row.name, createdAt: new Date(row.created_at).toISOString() };
}

/** The STIX identity id of a producer (what indicator ids are derived from). */
export function producerIdentityId(producer: Producer): string {
  return producerIdentity(producer).id;
}

export { threatfusionNamespace };
