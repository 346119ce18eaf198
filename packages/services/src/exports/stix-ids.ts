import type { DbTransaction } from "@threatfusion/db";
import { type Producer, threatfusionNamespace } from "@threatfusion/exports";
import { sql } from "drizzle-orm";
import { producerIdentityId } from "./producer.ts";

const stixIdPattern =
  /^(indicator|vulnerability)--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * Maps STIX ids we exported (`indicator--…`, `vulnerability--…`) back to our indicator ids, within what the
 * tenant can see. The ids are UUIDv5 hashes (docs/adr/0007), so they are recomputed in SQL with
 * `uuid_generate_v5` and compared: a scan of the tenant's view, fine for the occasional TAXII
 * `match[id]`, Get Object or STIX Sighting, not for bulk work.
 */
export async function resolveStixIndicatorIds(
  tx: DbTransaction,
  tenantId: string,
  producer: Producer,
  stixIds: readonly string[],
): Promise<Map<string, string>> {
  const indicatorUuids: string[] = [];
  const vulnerabilityUuids: string[] = [];
  for (const id of stixIds) {
    const match = stixIdPattern.exec(id);
    if (match?.[1] === "indicator" && match[2]) indicatorUuids.push(match[2]);
    if (match?.[1] === "vulnerability" && match[2]) vulnerabilityUuids.push(match[2]);
  }
  const result = new Map<string, string>();
  if (indicatorUuids.length === 0 && vulnerabilityUuids.length === 0) return result;
  const identityId = producerIdentityId(producer);
  const { rows } = await tx.execute<{ id: string; stix_id: string }>(sql`
    with visible as (
      select i.id, i.type, i.value::text as value from indicators i
      union all
      select p.id, p.type, p.value::text from private_indicators p
      where p.tenant_id = ${tenantId} or p.tenant_id = (select tf_parent_tenant())
    )
    select v.id, case when v.type = 'cve'
        then 'vulnerability--' || uuid_generate_v5(${threatfusionNamespace}::uuid, '{"cve":"' || upper(v.value) || '"}')
        else 'indicator--' || uuid_generate_v5(${threatfusionNamespace}::uuid, ${identityId} || '/' || v.id) end as stix_id
    from visible v
    where (v.type <> 'cve' and uuid_generate_v5(${threatfusionNamespace}::uuid, ${identityId} || '/' || v.id)
             = any(${sql.param(indicatorUuids)}::uuid[]))
       or (v.type = 'cve' and uuid_generate_v5(${threatfusionNamespace}::uuid, '{"cve":"' || upper(v.value) || '"}')
             = any(${sql.param(vulnerabilityUuids)}::uuid[]))`);
  for (const row of rows) if (!result.has(row.stix_id)) result.set(row.stix_id, row.id);
  return result;
}
