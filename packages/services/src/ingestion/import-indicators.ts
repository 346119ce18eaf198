import { newId } from "@threatfusion/core";
import {
  type ByteSource,
  decodeFeedText,
  type FeedFormat,
  type ParseEvent,
  parseFeed,
  sniffFormat,
  splitLines,
} from "@threatfusion/feeds";
import { extract } from "@threatfusion/ioc";
import { sql } from "drizzle-orm";
import { inTenantTx, type ServiceContext } from "../context.ts";

/**
 * What a manual import parses: the format resolution (known layouts through their parsers, anything else
 * through free-text extraction) and the tenant's import feed. The queued flow is in `queued-import.ts`.
 */

export const importFormats = ["auto", "csv", "stix", "misp", "text"] as const;
export type ImportFormat = (typeof importFormats)[number];

const encoder = new TextEncoder();

async function* encode(chunks: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) yield encoder.encode(chunk);
}

/** Free text (a pasted report, an e-mail, an unknown CSV): every indicator found on each line, with its line. */
async function* extractEvents(chunks: AsyncIterable<string>): AsyncGenerator<ParseEvent> {
  let indicators = 0;
  let rejected = 0;
  let units = 0;
  for await (const line of splitLines(chunks)) {
    units = line.number;
    if (line.tooLong) {
      rejected++;
      yield {
        kind: "rejected",
        row: {
          line: line.number,
          reason: `line longer than the limit (${line.length} characters)`,
          raw: line.head,
        },
      };
      continue;
    }
    // A URL's host is reported as a finding of its own; importing it would flag the hosting site too.
    for (const finding of extract(line.text)) {
      if (finding.derivedFrom !== undefined) continue;
      indicators++;
      yield {
        kind: "indicator",
        indicator: { type: finding.type, value: finding.value, tags: [], context: {}, line: line.number },
      };
    }
  }
  yield { kind: "end", stats: { units, indicators, rejected, skipped: 0 } };
}

/** Resolves the format from the first KB and returns the matching event stream. */
export async function importEvents(
  body: ByteSource,
  format: ImportFormat,
): Promise<{ format: string; events: AsyncIterable<ParseEvent> }> {
  const decoded = await decodeFeedText(body, format);
  const sniffed = sniffFormat(decoded.head);
  if (format === "stix" || format === "misp") {
    return { format, events: parseFeed(format, encode(decoded.chunks)) };
  }
  // Known layouts (abuse.ch CSVs, STIX, MISP, KEV…) use their parser; anything else is free text.
  const resolved: FeedFormat | "text" =
    format === "text" ||
    sniffed === "text" ||
    sniffed === "json" ||
    (format === "csv" && sniffed === "ndjson")
      ? "text"
      : sniffed;
  if (resolved === "text") return { format: "text", events: extractEvents(decoded.chunks) };
  return { format: resolved, events: parseFeed(resolved, encode(decoded.chunks)) };
}

export async function ensureImportFeed(ctx: ServiceContext, name: string): Promise<string> {
  return inTenantTx(ctx, async (tx) => {
    const { rows } = await tx.execute<{ id: string }>(
      sql`select id from feeds where tenant_id = ${ctx.tenant.tenantId} and name = ${name}`,
    );
    if (rows[0]) return rows[0].id;
    const sourceId = newId("source");
    const feedId = newId("feed");
    await tx.execute(sql`
      insert into sources (id, tenant_id, name, kind, reliability, default_tlp)
      values (${sourceId}, ${ctx.tenant.tenantId}, ${`import: ${name}`}, 'internal', 'C', 'amber')
      on conflict do nothing`);
    await tx.execute(sql`
      insert into feeds (id, tenant_id, source_id, name, url, format, enabled, config)
      select ${feedId}, ${ctx.tenant.tenantId}, s.id, ${name}, null, 'auto', false, '{"import": true}'::jsonb
      from sources s where s.tenant_id = ${ctx.tenant.tenantId} and s.name = ${`import: ${name}`}`);
    return feedId;
  });
}
