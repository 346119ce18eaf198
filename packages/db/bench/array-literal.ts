/**
 * The consumer's array parameters, in JavaScript only (`flock /tmp/bench.lock ./pnpmw exec node
 * packages/db/bench/array-literal.ts`): (1) `textArrayLiteral` over one 5,000-row statement's text columns as the
 * ingestion consumer sends them (indicators, observations, search documents), a million rows, against the
 * previous per-element version (kept here as the peer); (2) reading back a delivery's touched ids, ~29,000 in
 * 20 chunks, through the driver's `text[]` parser against one comma-joined text split in JavaScript (what the
 * hand-off does since session 5). CPU of this process, three rounds; the Worker runs the same code in workerd.
 */
import { loadavg } from "node:os";
import { types } from "@neondatabase/serverless";
import { newIds } from "@threatfusion/core";
import { textArrayLiteral } from "../src/bulk.ts";

const arrayElementEscape = /["\\]/;

/** `textArrayLiteral` before session 5: every element tested and quoted. */
function previousTextArrayLiteral(values: readonly (string | null)[]): string {
  const elements = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) elements[i] = "NULL";
    else if (arrayElementEscape.test(value))
      elements[i] = `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    else elements[i] = `"${value}"`;
  }
  return `{${elements.join(",")}}`;
}

const rows = 5_000;
const now = new Date().toISOString();
const column = (value: (i: number) => string | null) => Array.from({ length: rows }, (_, i) => value(i));
const indicatorIds = newIds("indicator", rows);
const observationIds = newIds("observation", rows);
const values = column((i) =>
  i < rows / 2 ? `h${i.toString(36)}.salt-bench.com` : `11.0.${i >> 8}.${i & 255}`,
);
const typeColumn = column((i) => (i < rows / 2 ? "domain" : "ipv4"));
// Sorted by key as the bulk path sends them: runs of equal types, dates, source, empty context.
const columns = [
  indicatorIds,
  typeColumn,
  values,
  column(() => now),
  column(() => now),
  column(() => "clear"),
  column(() => ""),
  column(() => "f"),
  column(() => "f"),
  column(() => "[]"),
  observationIds,
  typeColumn,
  values,
  column(() => "src_06h1cjmcem7am2hmj7d3p2jev"),
  column(() => now),
  column(() => now),
  column(() => null),
  column(() => null),
  column(() => null),
  column(() => "{}"),
  indicatorIds,
  column(() => "bench feed"),
];

function cpuMs(work: () => void): number {
  const started = process.cpuUsage();
  work();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

const statements = 1_000_000 / rows;
const same = columns.every((values) => previousTextArrayLiteral(values) === textArrayLiteral(values));
console.log(
  `load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}; same literals: ${same}`,
);
const chunks = Array.from({ length: 20 }, () => newIds("indicator", 1_460));
const asArrays = chunks.map((ids) => `{${ids.join(",")}}`);
const asTexts = chunks.map((ids) => ids.join(","));
const parseTextArray = types.getTypeParser(1009) as (text: string) => string[];
const deliveries = Math.round(1_000_000 / 29_200);
for (let round = 1; round <= 3; round++) {
  let length = 0;
  const previous = cpuMs(() => {
    for (let s = 0; s < statements; s++)
      for (const values of columns) length += previousTextArrayLiteral(values).length;
  });
  const current = cpuMs(() => {
    for (let s = 0; s < statements; s++)
      for (const values of columns) length -= textArrayLiteral(values).length;
  });
  let ids = 0;
  const parsed = cpuMs(() => {
    for (let d = 0; d < deliveries; d++) for (const text of asArrays) ids += parseTextArray(text).length;
  });
  const split = cpuMs(() => {
    for (let d = 0; d < deliveries; d++) for (const text of asTexts) ids -= text.split(",").length;
  });
  console.log(
    `round ${round}: textArrayLiteral, 1M rows x ${columns.length} columns: previous ${previous.toFixed(0)} ms, current ${current.toFixed(0)} ms (${(previous / current).toFixed(2)}x)${length === 0 ? "" : " OUTPUT DIFFERS"}; touched ids of 1M: driver text[] parser ${parsed.toFixed(0)} ms, split ${split.toFixed(0)} ms${ids === 0 ? "" : " COUNT DIFFERS"}`,
  );
}
