/**
 * Feed parser throughput and memory: 1,000,000-line text and CSV feeds parsed as a stream.
 *
 *   node packages/feeds/bench/parse.ts            (or: pnpm bench:feeds)
 *
 * Inputs: real lists from ../shared/fixtures/bulk-iocs (FireHOL level4 netset, TweetFeed 2025 CSV), read
 * from disk in 64 KB chunks and cycled until 1,000,000 lines; when that folder is absent, synthetic lines of
 * the same shapes. Each scenario runs in its own child process so its peak RSS is its own. Peers measured in
 * the same run: the raw limit (read + split lines, no parsing) and csv-parse (Node stream API) on the CSV.
 * `parse-stix` streams a generated ~100 MB STIX 2.1 bundle of 250,000 indicators (its "lines" are objects).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parse as csvParse } from "csv-parse";
import { splitLines } from "../src/lines.ts";
import { parseFeed } from "../src/parse-feed.ts";

const targetLines = Number(process.env.BENCH_LINES ?? 1_000_000);
const sharedDir = fileURLToPath(new URL("../../../../shared/fixtures/bulk-iocs/", import.meta.url));
const textFile = `${sharedDir}firehol_firehol_level4.netset`;
const csvFile = `${sharedDir}tweetfeed_2025_daily_concat.csv`;
const haveShared = existsSync(textFile) && existsSync(csvFile);

/** Streams `path` again and again until `targetLines` lines have gone by (cut exactly at that line). */
async function* cycleFile(path: string): AsyncGenerator<Uint8Array> {
  let lines = 0;
  for (;;) {
    const handle = await open(path);
    try {
      for await (const chunk of handle.readableWebStream() as AsyncIterable<Uint8Array>) {
        let cut = -1;
        for (let index = 0; index < chunk.byteLength; index++) {
          if (chunk[index] === 0x0a && ++lines === targetLines) {
            cut = index + 1;
            break;
          }
        }
        if (cut !== -1) {
          yield chunk.subarray(0, cut);
          return;
        }
        yield new Uint8Array(chunk);
      }
    } finally {
      await handle.close();
    }
  }
}

/** Synthetic stand-in with the same line shapes, for machines without ../shared. */
async function* synthetic(kind: "text" | "csv"): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  const types = ["url", "domain", "ip", "md5", "sha256"];
  let batch = "";
  for (let line = 0; line < targetLines; line++) {
    const a = (line >> 16) & 255;
    const b = (line >> 8) & 255;
    const c = line & 255;
    if (kind === "text")
      batch += line % 5 === 0 ? `10.${a}.${b}.0/24\n` : `${11 + (a % 200)}.${b}.${c}.${line % 250}\n`;
    else {
      const type = types[line % 5] ?? "ip";
      const value =
        type === "url"
          ? `https://host${line}.example.com/p/${line}`
          : type === "domain"
            ? `host${line}.example.net`
            : type === "ip"
              ? `${11 + (a % 200)}.${b}.${c}.7`
              : type === "md5"
                ? line.toString(16).padStart(32, "0")
                : line.toString(16).padStart(64, "0");
      batch += `2025-01-01 00:00:00,user${line % 97},${type},${value},#phishing #malware,https://x.com/u/status/${line}\n`;
    }
    if (batch.length > 65_536) {
      yield encoder.encode(batch);
      batch = "";
    }
  }
  if (batch) yield encoder.encode(batch);
}

/** A STIX 2.1 bundle of `count` indicator objects (TweetFeed's object shape), generated as it streams. */
async function* stixBundle(count: number): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let batch = '{"type":"bundle","id":"bundle--b7d0acd5-198f-5562-880c-86a9bf2b0eae","objects":[';
  for (let index = 0; index < count; index++) {
    const ip = `${11 + ((index >> 16) % 200)}.${(index >> 8) & 255}.${index & 255}.9`;
    const pattern =
      index % 2 === 0
        ? `[ipv4-addr:value = '${ip}']`
        : `[domain-name:value = 'host${index}.example.com' OR url:value = 'https://host${index}.example.com/x']`;
    batch += `${index === 0 ? "" : ","}{"type":"indicator","spec_version":"2.1","id":"indicator--${String(index).padStart(12, "0")}-f09c-50fc-a797-878a5aff53ad","created":"2026-08-22T02:53:35.000Z","modified":"2026-08-22T02:53:35.000Z","valid_from":"2026-08-22T02:53:35.000Z","name":"${ip}","description":"IOC reported by @scanmalware on Twitter/X.","indicator_types":["malicious-activity"],"pattern":"${pattern}","pattern_type":"stix","labels":["phishing"],"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}`;
    if (batch.length > 65_536) {
      yield encoder.encode(batch);
      batch = "";
    }
  }
  yield encoder.encode(`${batch}]}`);
}

const source = (kind: "text" | "csv") =>
  haveShared ? cycleFile(kind === "text" ? textFile : csvFile) : synthetic(kind);

let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
};

const scenarios: Record<string, () => Promise<{ lines: number; indicators: number; rejected: number }>> = {
  /** Node itself with the parser modules loaded: the floor under every other RSS figure. */
  baseline: async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { lines: 0, indicators: 0, rejected: 0 };
  },
  "raw-split-text": async () => {
    let lines = 0;
    const decoder = new TextDecoder();
    async function* text() {
      for await (const chunk of source("text")) yield decoder.decode(chunk, { stream: true });
    }
    for await (const _ of splitLines(text())) lines++;
    return { lines, indicators: 0, rejected: 0 };
  },
  "parse-text": async () => {
    let indicators = 0;
    let rejected = 0;
    let lines = 0;
    for await (const event of parseFeed("text", source("text"))) {
      if (event.kind === "indicator") indicators++;
      else if (event.kind === "rejected") rejected++;
      else if (event.kind === "end") lines = event.stats.units;
    }
    return { lines, indicators, rejected };
  },
  "csv-parse-peer": async () => {
    let records = 0;
    const parser = csvParse({ relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
    const done = (async () => {
      for await (const _ of parser) records++;
    })();
    for await (const chunk of source("csv")) {
      if (!parser.write(chunk)) await new Promise((resolve) => parser.once("drain", resolve));
    }
    parser.end();
    await done;
    // csv-parse gives records, not indicators; its input is the same 1,000,000 lines.
    return { lines: targetLines, indicators: records, rejected: 0 };
  },
  /** Lines here are bundle objects: a single JSON document of about 100 MB per 250,000 objects. */
  "parse-stix": async () => {
    let indicators = 0;
    let rejected = 0;
    let objects = 0;
    for await (const event of parseFeed("stix", stixBundle(Math.round(targetLines / 4)))) {
      if (event.kind === "indicator") indicators++;
      else if (event.kind === "rejected") rejected++;
      else if (event.kind === "end") objects = event.stats.units;
    }
    return { lines: objects, indicators, rejected };
  },
  "parse-csv": async () => {
    let indicators = 0;
    let rejected = 0;
    let lines = 0;
    for await (const event of parseFeed("tweetfeed", source("csv"))) {
      if (event.kind === "indicator") indicators++;
      else if (event.kind === "rejected") rejected++;
      else if (event.kind === "end") lines = event.stats.units;
    }
    return { lines, indicators, rejected };
  },
};

const scenario = process.argv[2];
if (scenario) {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const timer = setInterval(sample, 10);
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  process.stdout.write(`${JSON.stringify({ scenario, seconds, ...result, peakRss, peakHeap })}\n`);
} else {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  console.log(
    `input: ${haveShared ? "real bulk-iocs lists cycled to" : "synthetic"} ${targetLines.toLocaleString("en")} lines; node ${process.version}`,
  );
  console.log("scenario          lines/s     lines      out (ind.)  rejected  peak RSS  peak heap");
  // parse-text again at 3x the lines: a flat peak RSS is the bounded-memory claim.
  const runs: Array<[string, number]> = [
    ...Object.keys(scenarios).map((name): [string, number] => [name, targetLines]),
    ["parse-text", targetLines * 3],
  ];
  for (const [name, lines] of runs) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name], {
      encoding: "utf8",
      env: { ...process.env, BENCH_LINES: String(lines) },
    });
    if (child.status !== 0) {
      console.log(`${name}: failed\n${child.stderr}`);
      continue;
    }
    const r = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as {
      seconds: number;
      lines: number;
      indicators: number;
      rejected: number;
      peakRss: number;
      peakHeap: number;
    };
    const rate = r.lines === 0 ? "-" : Math.round(r.lines / r.seconds).toLocaleString("en");
    console.log(
      `${(lines === targetLines ? name : `${name} x3`).padEnd(16)}  ${rate.padStart(9)}  ${String(r.lines).padStart(8)}  ${String(r.indicators).padStart(10)}  ${String(r.rejected).padStart(8)}  ${mb(r.peakRss).padStart(8)}  ${mb(r.peakHeap).padStart(9)}`,
    );
  }
}
