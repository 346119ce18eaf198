import type { DbTransaction } from "@threatfusion/db";
import {
  SuppressionIndex,
  type SuppressionMatch,
  type Warninglist,
  type WarninglistSource,
  type WarninglistType,
} from "@threatfusion/scoring";
import { sql } from "drizzle-orm";
import { type IndicatorKeyInput, probeKeys, StoredNetworks } from "./keys.ts";

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

/** The candidate index of a batch no keyed entry concerns: the reserved address ranges only. */
let reservedOnly: SuppressionIndex | undefined;

function reservedRangesIndex(): SuppressionIndex {
  reservedOnly ??= SuppressionIndex.build({ warninglists: [] });
  return reservedOnly;
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
 * The networks the enabled lists' entries are stored under, read once per isolate and kept until a list
 * changes (entries are replaced only with a new checksum), so each delivery sends only the containing
 * networks that some entry has.
 */
let storedNetworks: { signature: string; networks: StoredNetworks } | undefined;

async function storedNetworksOf(tx: DbTransaction, keyed: readonly ListRow[]): Promise<StoredNetworks> {
  const signature = keyed.map((list) => `${list.id}:${list.checksum}`).join(",");
  if (storedNetworks?.signature === signature) return storedNetworks.networks;
  // One comma-joined text (networks hold no comma), split natively: ~143,000 rows of the MISP set through
  // the driver's row parser cost the first call of an isolate several times more.
  const { rows } = await tx.execute<{ nets: string | null }>(
    sql`select string_agg(distinct net::text, ',') as nets from warninglist_entries
        where net is not null and list_id = any(${sql.param(keyed.map((list) => list.id))}::text[])`,
  );
  const nets = rows[0]?.nets ?? null;
  const networks = new StoredNetworks(nets === null ? [] : nets.split(","));
  storedNetworks = { signature, networks };
  return networks;
}

/** The entries of the keyed lists stored under one of the indicators' keys or containing networks. */
async function candidateEntries(
  tx: DbTransaction,
  keyed: readonly ListRow[],
  indicators: readonly IndicatorKeyInput[],
): Promise<EntryRow[]> {
  const keys = probeKeys(indicators);
  const nets = (await storedNetworksOf(tx, keyed)).containing(keys.nets);
  const { rows } = await tx.execute<EntryRow>(sql`
    select e.list_id, e.entry from warninglist_entries e
    where e.match_key = any(${sql.param(keys.matchKeys)}::text[])
    union
    select w.list_id, w.entry from warninglist_entries w
    where w.net = any(${sql.param(nets)}::cidr[])`);
  return rows;
}

/**
 * Matches indicators against every enabled warninglist (plus the reserved address ranges) without holding
 * the lists in memory: the candidate entries of the batch are read by index (host keys with a btree,
 * containing networks as the network of each prefix length of an address that some entry is stored under),
 * a small `SuppressionIndex` is built from them, and the scoring package decides exactly. Memory follows the
 * batch, not the ~530,000 entries (plus the stored networks as numbers: ~0.6 MB for the MISP set), so it
 * fits a 128 MB Worker isolate. Returns one match per input, in order.
 */
export async function matchWarninglists(
  tx: DbTransaction,
  indicators: readonly IndicatorKeyInput[],
): Promise<SuppressionMatch[]> {
  if (indicators.length === 0) return [];
  const { rows: lists } = await tx.execute<ListRow>(sql`
    select id, name, description, version, list_type, category, matching_attributes, effect, checksum
    from warninglists where enabled order by id`);
  const keyed = lists.filter((list) => !isScanned(list));
  // With no keyed list enabled no stored entry can be a candidate: no keys are built, sent or probed.
  const candidates = keyed.length === 0 ? [] : await candidateEntries(tx, keyed, indicators);
  // With no candidate the index holds the reserved ranges alone: the same every time, built once per isolate.
  const candidateIndex =
    candidates.length === 0
      ? reservedRangesIndex()
      : SuppressionIndex.build({ warninglists: toSources(keyed, candidates) });
  const scanIndex = await scannedIndex(tx, lists);
  const scanRules = scanIndex.ruleCount;
  if (scanRules.global === 0 && scanRules.tenant === 0)
    return indicators.map((indicator) => candidateIndex.match(indicator));
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
