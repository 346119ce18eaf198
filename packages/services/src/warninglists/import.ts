import type { Database } from "@threatfusion/db";
import { withIngestTx } from "@threatfusion/db";
import { defaultListEffect, type ListEffect, parseWarninglist } from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { startScoringSweep } from "../scoring/pipeline.ts";
import { entryKeys } from "./keys.ts";

/** One list as published in MISP/misp-warninglists (`lists/<id>/list.json`), already parsed from JSON. */
export interface WarninglistDocument {
  /** The list's directory name, e.g. "amazon-aws". */
  id: string;
  json: unknown;
  sourceUrl?: string;
  /** Overrides the default effect (informational lists only flag). */
  effect?: ListEffect;
}

export interface WarninglistImportResult {
  imported: string[];
  unchanged: string[];
  rejected: { id: string; errors: string[] }[];
  /** The catalog sweep that applies the new lists retroactively; null when nothing changed. */
  sweepId: string | null;
}

const listIdPattern = /^[a-z0-9][a-z0-9_.-]{0,99}$/;
const entriesPerStatement = 5_000;

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Imports (or refreshes) MISP warninglists into the store the matcher reads, as the ingestion role. A list
 * whose JSON is byte-for-byte the same as the stored one is skipped; a changed list replaces its entries in
 * one transaction. When anything changed, a catalog sweep is started so the lists apply retroactively
 * (suppressing what is stored, restoring what a removed entry suppressed), writing only changed rows.
 */
export async function importWarninglists({
  db,
  lists,
}: {
  db: Database;
  lists: readonly WarninglistDocument[];
}): Promise<WarninglistImportResult> {
  const result: WarninglistImportResult = { imported: [], unchanged: [], rejected: [], sweepId: null };
  for (const document of lists) {
    if (!listIdPattern.test(document.id)) {
      result.rejected.push({ id: document.id, errors: ["list id must be a lower-case directory name"] });
      continue;
    }
    const parsed = parseWarninglist(document.json);
    if (!parsed.ok) {
      result.rejected.push({ id: document.id, errors: parsed.errors });
      continue;
    }
    const list = parsed.list;
    const checksum = await sha256Hex(JSON.stringify(document.json));
    const effect = document.effect ?? defaultListEffect(document.id, list);
    const entries = [...new Set(list.list.map((entry) => entry.trim()).filter((entry) => entry.length > 0))];
    const changed = await withIngestTx({ db }, async (tx) => {
      const { rows } = await tx.execute<{ checksum: string; effect: string }>(
        sql`select checksum, effect from warninglists where id = ${document.id} for update`,
      );
      if (rows[0]?.checksum === checksum && rows[0]?.effect === effect) return false;
      await tx.execute(sql`
        insert into warninglists (id, name, description, version, list_type, category, matching_attributes, effect,
          entry_count, source_url, checksum, imported_at, updated_at)
        values (${document.id}, ${list.name}, ${list.description}, ${list.version}, ${list.type},
          ${list.category ?? null}, ${sql.param(list.matching_attributes ?? [])}::text[], ${effect}, ${entries.length},
          ${document.sourceUrl ?? null}, ${checksum}, now(), now())
        on conflict (id) do update set name = excluded.name, description = excluded.description,
          version = excluded.version, list_type = excluded.list_type, category = excluded.category,
          matching_attributes = excluded.matching_attributes, effect = excluded.effect,
          entry_count = excluded.entry_count, source_url = coalesce(excluded.source_url, warninglists.source_url),
          checksum = excluded.checksum, imported_at = now(), updated_at = now()`);
      await tx.execute(sql`delete from warninglist_entries where list_id = ${document.id}`);
      for (let start = 0; start < entries.length; start += entriesPerStatement) {
        const slice = entries.slice(start, start + entriesPerStatement);
        const keys = slice.map((entry) => entryKeys(list.type, entry));
        await tx.execute(sql`
          insert into warninglist_entries (list_id, entry, match_key, net)
          select ${document.id}, u.entry, u.match_key, u.net::cidr
          from unnest(${sql.param(slice)}::text[], ${sql.param(keys.map((key) => key.matchKey))}::text[],
                      ${sql.param(keys.map((key) => key.net))}::text[]) as u(entry, match_key, net)`);
      }
      return true;
    });
    (changed ? result.imported : result.unchanged).push(document.id);
  }
  if (result.imported.length > 0) {
    result.sweepId = await withIngestTx({ db }, (tx) =>
      startScoringSweep(tx, `warninglists changed: ${result.imported.join(", ").slice(0, 500)}`),
    );
  }
  return result;
}

/** Where the MISP project publishes its lists (raw files of the repository's default branch). */
export const mispWarninglistsBaseUrl = "https://raw.githubusercontent.com/MISP/misp-warninglists/main/lists";

/**
 * The warninglists feed: fetches each list's `list.json` from the MISP repository (or a mirror) and imports
 * it; unchanged lists write nothing. `ids` default to the lists already stored.
 */
export async function refreshWarninglists({
  db,
  ids,
  baseUrl = mispWarninglistsBaseUrl,
  fetcher = fetch,
}: {
  db: Database;
  ids?: readonly string[];
  baseUrl?: string;
  fetcher?: typeof fetch;
}): Promise<WarninglistImportResult & { failed: { id: string; error: string }[] }> {
  const wanted =
    ids ??
    (await withIngestTx({ db }, async (tx) => {
      const { rows } = await tx.execute<{ id: string }>(sql`select id from warninglists order by id`);
      return rows.map((row) => row.id);
    }));
  const documents: WarninglistDocument[] = [];
  const failed: { id: string; error: string }[] = [];
  for (const id of wanted) {
    if (!listIdPattern.test(id)) {
      failed.push({ id, error: "not a list id" });
      continue;
    }
    const url = `${baseUrl.replace(/\/$/, "")}/${id}/list.json`;
    try {
      const response = await fetcher(url, { headers: { accept: "application/json" } });
      if (!response.ok) {
        failed.push({ id, error: `HTTP ${response.status}` });
        continue;
      }
      documents.push({ id, json: await response.json(), sourceUrl: url });
    } catch (error) {
      failed.push({ id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { ...(await importWarninglists({ db, lists: documents })), failed };
}
