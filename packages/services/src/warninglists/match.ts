import type { DbTransaction } from "@threatfusion/db";
import {
  SuppressionIndex,
  type SuppressionMatch,
  type Warninglist,
  type WarninglistSource,
  type WarninglistType,
} from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { containingNetworks, type IndicatorKeyInput, probeKeys } from "./keys.ts";

interface ListRow extends Record<string, unknown> {
  id: string;
  name: string;
  description: string | null;
  version: number | string;
  list_type: WarninglistType;
  category: string | null;
  matching_attributes: string[];
  effect: "suppress" | "flag";
  checksum: string;
}

interface EntryRow extends Record<string, unknown> {
  list_id: string;
  entry: string;
}

const isScanned = (list: ListRow) => list.list_type === "substring" || list.list_type === "regex";

function toSources(lists: readonly ListRow[], entries: readonly EntryRow[]): WarninglistSource[] {
  const byList = new Map<string, string[]>();
  for (const row of entries) {
    const listEntries = byList.get(row.list_id);
    if (listEntries === undefined) byList.set(row.list_id, [row.entry]);
    else listEntries.push(row.entry);
  }
  const sources: WarninglistSource[] = [];
  for (const list of lists) {
    const listEntries = byList.get(list.id);
    if (listEntries === undefined) continue;
    const warninglist: Warninglist = {
      name: list.name,
      description: list.description ?? "",
      version: Number(list.version),
      type: list.list_type,
      matching_attributes: list.matching_attributes,
      list: listEntries,
      ...(list.category === null ? {} : { category: list.category }),
    };
    sources.push({ id: list.id, list: warninglist, effect: list.effect });
  }
  return sources;
}

/**
 * Substring and regex lists cannot be looked up by key, so their entries (about 8,400 in the whole MISP
 * set, ~1 MB as an index) are compiled once per isolate and kept until a list's checksum changes.
 */
let scanned: { signature: string; index: SuppressionIndex } | undefined;

async function scannedIndex(tx: DbTransaction, lists: readonly ListRow[]): Promise<SuppressionIndex> {
  const scanLists = lists.filter(isScanned);
  const signature = scanLists.map((list) => `${list.id}:${list.checksum}:${list.effect}`).join(",");
  if (scanned?.signature === signature) return scanned.index;
  const { rows } = await tx.execute<EntryRow>(
    sql`select list_id, entry from warninglist_entries
        where list_id = any(${sql.param(scanLists.map((list) => list.id))}::text[])`,
  );
  const index = SuppressionIndex.build({ warninglists: toSources(scanLists, rows), reservedRanges: false });
  scanned = { signature, index };
  return index;
}

/**
 * Matches indicators against every enabled warninglist (plus the reserved address ranges) without holding
 * the lists in memory: the candidate entries of the batch are read by index (host keys with a btree,
 * containing networks as the network of each prefix length of an address), a small `SuppressionIndex` is built from them, and
 * the scoring package decides exactly. Memory follows the batch, not the ~530,000 entries, so it fits a
 * 128 MB Worker isolate. Returns one match per input, in order.
 */
export async function matchWarninglists(
  tx: DbTransaction,
  indicators: readonly IndicatorKeyInput[],
): Promise<SuppressionMatch[]> {
  if (indicators.length === 0) return [];
  const { rows: lists } = await tx.execute<ListRow>(sql`
    select id, name, description, version, list_type, category, matching_attributes, effect, checksum
    from warninglists where enabled order by id`);
  const keys = probeKeys(indicators);
  const { rows: candidates } = await tx.execute<EntryRow>(sql`
    select e.list_id, e.entry from warninglist_entries e
    where e.match_key = any(${sql.param(keys.matchKeys)}::text[])
    union
    select w.list_id, w.entry from warninglist_entries w
    where w.net = any(${sql.param(containingNetworks(keys.nets))}::cidr[])`);
  const keyed = lists.filter((list) => !isScanned(list));
  const candidateIndex = SuppressionIndex.build({ warninglists: toSources(keyed, candidates) });
  const scanIndex = await scannedIndex(tx, lists);
  return indicators.map((indicator) => {
    const keyedMatch = candidateIndex.match(indicator);
    const scanMatch = scanIndex.match(indicator);
    if (scanMatch.reasons.length === 0) return keyedMatch;
    return {
      suppressed: keyedMatch.suppressed || scanMatch.suppressed,
      reasons: [...keyedMatch.reasons, ...scanMatch.reasons],
    };
  });
}
