import type { Line } from "./lines.ts";
import type { TextConfig } from "./options.ts";
import type { IndicatorContext, ParseEvent } from "./types.ts";
import { canonicalValue, normalizeTags, toIsoDate, truncateRaw } from "./values.ts";

const whitespace = /\s/;

function rejectLong(line: Extract<Line, { tooLong: true }>): ParseEvent {
  return {
    kind: "rejected",
    row: { line: line.number, reason: `line longer than the limit (${line.length} chars)`, raw: line.head },
  };
}

/**
 * Parses a plain-text list: one value per line, `#`/`;`/`//` comment lines, and inline notes after the
 * value (`1.4.0.0/17 ; SBL256893`, `192.0.2.1 # scanner`, tab-separated columns). The note is kept as
 * `context.extra.note`. Lines come in batches (`splitLineBatches`) and each batch's events leave as one array,
 * so a reader pays the async iteration once per decoded chunk instead of once per line.
 */
export async function* parseTextLineBatches(
  batches: AsyncIterable<readonly Line[]>,
  config: TextConfig,
): AsyncGenerator<ParseEvent[]> {
  const tags = normalizeTags(config.staticTags);
  for await (const lines of batches) {
    const events: ParseEvent[] = [];
    for (const line of lines) {
      if (line.tooLong) {
        events.push(rejectLong(line));
        continue;
      }
      const text = line.text.trim();
      if (text.length === 0 || config.commentPrefixes.some((prefix) => text.startsWith(prefix))) continue;
      let value: string;
      let note = "";
      if (config.column === 0 && !whitespace.test(text)) {
        // One column (a plain list's every line): what the split below gives, without its arrays and texts.
        value = text;
      } else {
        const columns = text.split(/\s+/);
        value = columns[config.column] ?? "";
        note = columns
          .slice(config.column + 1)
          .join(" ")
          .replace(/^[;#]\s*/, "")
          .trim();
      }
      // `value;note` without spaces; URLs may legitimately hold `;`, so only cut non-URLs.
      if (value.includes(";") && !value.includes("://")) value = value.replace(/;.*$/, "");
      const result = canonicalValue(config.type, value);
      if (!result.ok) {
        events.push({
          kind: "rejected",
          row: { line: line.number, reason: result.reason, raw: truncateRaw(line.text) },
        });
        continue;
      }
      const context: IndicatorContext = {};
      if (note.length > 0) context.extra = { note: note.slice(0, 500) };
      if (result.port !== undefined) context.port = result.port;
      events.push({
        kind: "indicator",
        indicator: { type: result.type, value: result.value, tags, context, line: line.number },
      });
    }
    if (events.length > 0) yield events;
  }
}

/**
 * DShield `block.txt`: tab-separated `start end netblock attacks name country email`; the indicator is
 * `start/netblock` as a CIDR, with the attack count and network name kept as context.
 */
export async function* parseDshieldLines(lines: AsyncIterable<Line>): AsyncGenerator<ParseEvent> {
  for await (const line of lines) {
    if (line.tooLong) {
      yield rejectLong(line);
      continue;
    }
    const text = line.text;
    if (text.trim().length === 0 || text.trimStart().startsWith("#") || text.startsWith("Start\t")) continue;
    const [start, , prefix, attacks, name, country] = text.split("\t");
    const result = canonicalValue("cidr", `${start ?? ""}/${prefix ?? ""}`);
    if (!result.ok) {
      yield { kind: "rejected", row: { line: line.number, reason: result.reason, raw: truncateRaw(text) } };
      continue;
    }
    const extra: Record<string, string> = {};
    if (attacks) extra.attacks = attacks.trim();
    if (name?.trim()) extra.network = name.trim();
    if (country?.trim()) extra.country = country.trim();
    yield {
      kind: "indicator",
      indicator: {
        type: result.type,
        value: result.value,
        tags: ["dshield"],
        context: { extra },
        line: line.number,
      },
    };
  }
}

/**
 * TorDNSEL `exit-addresses`: blocks of `ExitNode <fingerprint>`, `Published`, `LastStatus`,
 * `ExitAddress <ip> <date time>`. Each ExitAddress is an indicator seen at that time.
 */
export async function* parseTorExitLines(lines: AsyncIterable<Line>): AsyncGenerator<ParseEvent> {
  let fingerprint: string | undefined;
  for await (const line of lines) {
    if (line.tooLong) {
      yield rejectLong(line);
      continue;
    }
    const [keyword, first, ...rest] = line.text.trim().split(/\s+/);
    if (keyword === "ExitNode") {
      fingerprint = first;
    } else if (keyword === "ExitAddress") {
      const result = canonicalValue("auto", first ?? "");
      if (!result.ok) {
        yield {
          kind: "rejected",
          row: { line: line.number, reason: result.reason, raw: truncateRaw(line.text) },
        };
        continue;
      }
      const context: IndicatorContext = fingerprint ? { sourceId: fingerprint } : {};
      const lastSeen = toIsoDate(rest.join(" "));
      yield {
        kind: "indicator",
        indicator: {
          type: result.type,
          value: result.value,
          tags: ["tor-exit"],
          context,
          line: line.number,
          ...(lastSeen ? { lastSeen } : {}),
        },
      };
    } else if (
      keyword !== "LastStatus" &&
      keyword !== "Published" &&
      keyword !== undefined &&
      keyword !== "" &&
      !keyword.startsWith("#")
    ) {
      yield {
        kind: "rejected",
        row: { line: line.number, reason: "not a TorDNSEL line", raw: truncateRaw(line.text) },
      };
    }
  }
}
