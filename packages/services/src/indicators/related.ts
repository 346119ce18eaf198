import { type IndicatorType, registrableDomain } from "@threatfusion/ioc";
import { sql } from "drizzle-orm";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { type ActiveIndicator, selectActiveIndicators } from "./active-indicators.ts";
import { findIndicator } from "./find.ts";
import { type IndicatorView, toIndicatorView } from "./view.ts";

export type Relation = "same_host" | "same_ip" | "same_registrable_domain" | "same_feed_event";

export interface RelatedIndicator {
  relation: Relation;
  indicator: IndicatorView;
}

const perRelation = 50;

function hostOf(row: Pick<ActiveIndicator, "type" | "value">): string | null {
  if (row.type === "url") {
    try {
      return new URL(row.value).hostname.replace(/^\[|\]$/g, "");
    } catch {
      return null;
    }
  }
  if (row.type === "domain" || row.type === "ipv4" || row.type === "ipv6") return row.value;
  return null;
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

/**
 * Indicators related to one indicator, each with why: the same URL host (the host itself and other URLs
 * on it), the same IP (URLs on that IP), the same registrable domain (subdomains and their URLs), and the
 * same feed event (catalog indicators reported with the same reference). All through the active-indicators
 * query, so only what the tenant may see; at most 50 per relation.
 */
export async function listRelatedIndicators({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string };
}): Promise<{ indicator: IndicatorView; related: RelatedIndicator[] }> {
  authorizeAction(ctx, "indicator.read");
  const tenantId = ctx.tenant.tenantId;
  return inTenantTx(ctx, async (tx) => {
    const indicator = await findIndicator(tx, tenantId, { id: input.id });
    const seen = new Set<string>([indicator.id]);
    const related: RelatedIndicator[] = [];
    const add = (relation: Relation, rows: ActiveIndicator[]) => {
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        related.push({ relation, indicator: toIndicatorView(row) });
      }
    };
    const select = async (filter: Parameters<typeof selectActiveIndicators>[2]) =>
      (
        await selectActiveIndicators(
          tx,
          { tenantId },
          { includeSuppressed: true, ...filter },
          {
            order: "recent",
            limit: perRelation,
          },
        )
      ).rows;

    const host = hostOf(indicator);
    if (host !== null) {
      const relation: Relation = isIp(host) ? "same_ip" : "same_host";
      const hostType: IndicatorType = isIp(host) ? (host.includes(":") ? "ipv6" : "ipv4") : "domain";
      add(relation, await select({ keys: [{ type: hostType, value: host }] }));
      const urlHost = host.includes(":") ? `[${host}]` : host;
      for (const scheme of ["http", "https"]) {
        add(relation, await select({ types: ["url"], valuePrefix: `${scheme}://${urlHost}/` }));
        add(relation, await select({ types: ["url"], valuePrefix: `${scheme}://${urlHost}:` }));
      }
      const registrable = isIp(host) ? null : registrableDomain(host);
      if (registrable !== null) {
        // Subdomains: a suffix match, served by the trigram index of the search table (catalog) and of
        // private_indicators; then read through the active query like everything else.
        const { rows } = await tx.execute<{ id: string }>(sql`
          (select s.indicator_id as id from indicator_search s
            where s.type in ('domain', 'url') and (s.value = ${registrable} or s.value like ${`%.${likeEscape(registrable)}%`})
            limit ${perRelation * 2})
          union all
          (select p.id from private_indicators p
            where p.type in ('domain', 'url') and (p.value = ${registrable} or p.value like ${`%.${likeEscape(registrable)}%`})
            limit ${perRelation * 2})`);
        const candidates = rows.map((row) => row.id).filter((id) => !seen.has(id));
        if (candidates.length > 0) {
          const rowsById = await select({ ids: candidates });
          add(
            "same_registrable_domain",
            rowsById.filter((row) => {
              const candidateHost = hostOf(row);
              return candidateHost !== null && registrableDomain(candidateHost) === registrable;
            }),
          );
        }
      }
    }
    if (indicator.origin === "catalog") {
      const { rows } = await tx.execute<{ id: string }>(sql`
        select distinct other.indicator_id as id
        from observations mine
        join observations other on other.reference = mine.reference and other.source_id = mine.source_id
        where mine.indicator_id = ${indicator.id} and mine.reference is not null and other.indicator_id <> mine.indicator_id
        limit ${perRelation}`);
      const ids = rows.map((row) => row.id).filter((id) => !seen.has(id));
      if (ids.length > 0) add("same_feed_event", await select({ ids }));
    }
    return { indicator: toIndicatorView(indicator), related };
  });
}

function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}
