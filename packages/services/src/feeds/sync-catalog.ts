import { newId } from "@threatfusion/core";
import type { Database } from "@threatfusion/db";
import { withIngestTx } from "@threatfusion/db";
import { builtInFeeds, type FeedDefinition } from "@threatfusion/feeds";
import { sql } from "drizzle-orm";

export interface CatalogSyncResult {
  sourcesWritten: number;
  feedsCreated: number;
  feedsUpdated: number;
  feedsUnchanged: number;
}

export interface CatalogSyncOptions {
  /** Ingestion-role database (it writes the global rows, and only those). */
  db: Database;
  /** Defaults to the built-in catalog of `@threatfusion/feeds`. */
  definitions?: readonly FeedDefinition[];
  /**
   * Whether feeds created now start enabled. Production leaves them off until the platform enables them;
   * the dev stack (offline mirror) turns them on so a new checkout shows data. Existing rows keep their choice.
   */
  enableNewFeeds?: boolean;
}

function licenceText(definition: FeedDefinition): string {
  const { licence } = definition;
  return [licence.name, licence.url, licence.notes].filter(Boolean).join(" — ").slice(0, 2000);
}

/**
 * Writes the built-in feed catalog into `sources` and `feeds` (tenant_id null), one source per feed, keyed on
 * the definition id. Idempotent: a second run changes nothing; a changed definition updates its rows, keeping
 * the platform's own choices (enabled, a longer cadence). Templates (MISP feed, TAXII collection, generic
 * feeds) are stored without URL and disabled: they are completed as tenant or MSSP feeds.
 */
export async function syncFeedCatalog(options: CatalogSyncOptions): Promise<CatalogSyncResult> {
  const definitions = options.definitions ?? builtInFeeds;
  const result: CatalogSyncResult = {
    sourcesWritten: 0,
    feedsCreated: 0,
    feedsUpdated: 0,
    feedsUnchanged: 0,
  };
  await withIngestTx({ db: options.db }, async (tx) => {
    for (const definition of definitions) {
      const { rows: sources } = await tx.execute<{ id: string }>(sql`
        insert into sources (id, tenant_id, name, kind, homepage, licence, reliability, default_tlp, description, catalog_id)
        values (${newId("source")}, null, ${`${definition.provider}: ${definition.name}`.slice(0, 200)}, 'osint',
                ${definition.homepage ?? null}, ${licenceText(definition)}, ${definition.reliability},
                ${definition.tlp}, ${definition.description ?? null}, ${definition.id})
        on conflict (catalog_id) where tenant_id is null and catalog_id is not null do update set
          name = excluded.name, homepage = excluded.homepage, licence = excluded.licence,
          reliability = excluded.reliability, default_tlp = excluded.default_tlp,
          description = excluded.description, updated_at = now()
        where (sources.name, sources.homepage, sources.licence, sources.reliability, sources.default_tlp, sources.description)
          is distinct from (excluded.name, excluded.homepage, excluded.licence, excluded.reliability, excluded.default_tlp, excluded.description)
        returning id`);
      result.sourcesWritten += sources.length;
      const config = {
        provider: definition.provider,
        urls: definition.template ? [] : definition.urls,
        method: definition.method,
        auth: definition.auth.kind === "none" ? "none" : definition.auth.kind,
        incremental: definition.incremental.kind,
        licence: definition.licence,
        indicatorTypes: definition.indicatorTypes,
        template: definition.template,
      };
      const { rows: feeds } = await tx.execute<{ inserted: boolean }>(sql`
        insert into feeds (id, tenant_id, source_id, name, url, format, cadence_seconds, enabled, config, catalog_id)
        select ${newId("feed")}, null, s.id, ${definition.name}, ${definition.template ? null : (definition.urls[0] ?? null)},
               ${definition.format}, ${definition.cadenceSeconds},
               ${!definition.template && (options.enableNewFeeds ?? false)}, ${JSON.stringify(config)}::jsonb, ${definition.id}
        from sources s where s.catalog_id = ${definition.id} and s.tenant_id is null
        on conflict (catalog_id) where tenant_id is null and catalog_id is not null do update set
          name = excluded.name, url = excluded.url, format = excluded.format,
          -- The source's minimum interval is a floor; a longer interval chosen by the platform stays.
          cadence_seconds = greatest(feeds.cadence_seconds, excluded.cadence_seconds),
          config = excluded.config, source_id = excluded.source_id, updated_at = now()
        where (feeds.name, feeds.url, feeds.format, feeds.config, feeds.source_id) is distinct from
              (excluded.name, excluded.url, excluded.format, excluded.config, excluded.source_id)
           or feeds.cadence_seconds < excluded.cadence_seconds
        returning (xmax = 0) as inserted`);
      const row = feeds[0];
      if (!row) result.feedsUnchanged++;
      else if (row.inserted) result.feedsCreated++;
      else result.feedsUpdated++;
    }
  });
  return result;
}
