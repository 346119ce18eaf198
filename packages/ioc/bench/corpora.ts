/**
 * Labelled extraction corpora turned into one shape: an input text and, per scored type, either the
 * expected set of canonical values or an expected count. Shared by the accuracy benchmark and the
 * corpus tests. Expected values are canonicalized with our canonicalizer so that format differences
 * (`ASN15169` vs `AS15169`, uncompressed IPv6, `:80` default ports) are not counted as errors for anyone;
 * expected values that are not valid indicators under our spec (fake TLDs such as `.tld`) are set aside
 * and counted, never silently dropped.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { canonicalize } from "../src/canonicalize.ts";
import type { IndicatorType } from "../src/types.ts";

export const packageFixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
export const sharedFixtures =
  process.env.TF_SHARED_FIXTURES ?? join(packageFixtures, "..", "..", "..", "..", "shared", "fixtures");

export type Expectation =
  | { kind: "set"; values: Set<string> }
  | { kind: "count"; count: number; atLeast?: boolean };

export interface LabelledCase {
  corpus: string;
  name: string;
  input: string;
  expected: Partial<Record<IndicatorType, Expectation>>;
  /** Only recall is scored (the labels list some, not all, indicators of the input). */
  recallOnly?: boolean;
}

export interface CorpusLoad {
  cases: LabelledCase[];
  /** Expected values outside our spec, by corpus, with examples. */
  outOfSpec: Map<string, string[]>;
}

/** Our canonical form of a value of a known type, or null when it is not valid under our spec. */
export function canonicalOrNull(type: IndicatorType, value: string): string | null {
  const result = canonicalize(type, value);
  return result.ok ? result.value : null;
}

const ninosekiKeys: Partial<Record<string, IndicatorType>> = {
  ipv4s: "ipv4",
  ipv6s: "ipv6",
  domains: "domain",
  urls: "url",
  emails: "email",
  md5s: "md5",
  sha1s: "sha1",
  sha256s: "sha256",
  sha512s: "sha512",
  asns: "asn",
  cves: "cve",
};

interface NinosekiCase {
  function: string;
  input: string | { $file: string };
  extra_args?: unknown[];
  result_path?: string;
  expected: unknown;
}

interface MsticpyFile {
  cases: Array<{ id: string; input: string; expected_counts: Record<string, number> }>;
  defanged_cases: Array<{ ioc_type: string; input: string; expected_found: boolean }>;
}

const msticpyKeys: Partial<Record<string, IndicatorType>> = {
  ipv4: "ipv4",
  ipv6: "ipv6",
  url: "url",
  dns: "domain",
  email: "email",
  md5_hash: "md5",
  sha1_hash: "sha1",
  sha256_hash: "sha256",
};

function addOutOfSpec(load: CorpusLoad, corpus: string, value: string): void {
  const list = load.outOfSpec.get(corpus) ?? [];
  list.push(value);
  load.outOfSpec.set(corpus, list);
}

function expectedSet(
  load: CorpusLoad,
  corpus: string,
  type: IndicatorType,
  raw: readonly string[],
): Set<string> {
  const values = new Set<string>();
  for (const value of raw) {
    const canonical = canonicalOrNull(type, value);
    if (canonical === null) addOutOfSpec(load, corpus, `${type}:${value}`);
    else values.add(canonical);
  }
  return values;
}

function loadNinoseki(load: CorpusLoad): void {
  const file = JSON.parse(
    readFileSync(join(packageFixtures, "ninoseki_ioc_extractor_cases.json"), "utf8"),
  ) as {
    cases: NinosekiCase[];
  };
  const byInput = new Map<string, LabelledCase>();
  for (const entry of file.cases) {
    if (entry.function !== "extractIOC" || entry.result_path === undefined) continue;
    // Cases run with refang:false or strict:false test options we do not have; the defaults are scored.
    if (entry.extra_args !== undefined && JSON.stringify(entry.extra_args) !== '[{"strict":true}]') continue;
    const [key, suffix] = entry.result_path.split(".");
    const type = key === undefined ? undefined : ninosekiKeys[key];
    if (type === undefined) continue;
    const input =
      typeof entry.input === "string"
        ? entry.input
        : readFileSync(join(packageFixtures, entry.input.$file), "utf8");
    const labelled = byInput.get(input) ?? {
      corpus: "ninoseki",
      name: `ninoseki #${byInput.size}`,
      input,
      expected: {},
    };
    byInput.set(input, labelled);
    if (suffix === "length") labelled.expected[type] = { kind: "set", values: new Set() };
    else
      labelled.expected[type] = {
        kind: "set",
        values: expectedSet(load, "ninoseki", type, entry.expected as string[]),
      };
  }
  load.cases.push(...byInput.values());
}

function loadMsticpy(load: CorpusLoad): void {
  const file = JSON.parse(
    readFileSync(join(packageFixtures, "msticpy_iocextract_cases.json"), "utf8"),
  ) as MsticpyFile;
  for (const entry of file.cases) {
    const expected: LabelledCase["expected"] = {};
    for (const [key, count] of Object.entries(entry.expected_counts)) {
      const type = msticpyKeys[key];
      if (type !== undefined) expected[type] = { kind: "count", count };
    }
    if (Object.keys(expected).length > 0)
      load.cases.push({ corpus: "msticpy", name: entry.id, input: entry.input, expected });
  }
  for (const [index, entry] of file.defanged_cases.entries()) {
    const type = msticpyKeys[entry.ioc_type];
    if (type === undefined) continue;
    const expectation: Expectation = entry.expected_found
      ? { kind: "count", count: 1, atLeast: true }
      : { kind: "count", count: 0 };
    load.cases.push({
      corpus: "msticpy",
      name: `defanged #${index}`,
      input: entry.input,
      expected: { [type]: expectation },
    });
  }
}

/** Independent labelling of the fanged ioc-fanger list: one indicator per line, typed by its shape. */
function typeOfFangedLine(line: string): IndicatorType | null {
  if (/^[a-z]+:\/\//i.test(line)) return "url";
  if (line.includes("@")) return "email";
  if (/^[0-9a-f]{32}$/i.test(line)) return "md5";
  if (/^[0-9a-f]{40}$/i.test(line)) return "sha1";
  if (/^[0-9a-f]{64}$/i.test(line)) return "sha256";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(line)) return "ipv4";
  if (/^[\w.-]+\.[a-z]{2,}$/i.test(line)) return "domain";
  return null;
}

function loadFanger(load: CorpusLoad): void {
  const fanged = readFileSync(join(packageFixtures, "sample_text_fanged.txt"), "utf8");
  const defanged = readFileSync(join(packageFixtures, "sample_text_defanged.txt"), "utf8");
  const raw = new Map<IndicatorType, string[]>();
  for (const line of fanged.split(/\r?\n/)) {
    const value = line.trim();
    if (value === "") continue;
    const type = typeOfFangedLine(value);
    if (type === null) {
      addOutOfSpec(load, "ioc-fanger", `?:${value}`);
      continue;
    }
    raw.set(type, [...(raw.get(type) ?? []), value]);
    // A URL's host and an email's domain are indicators too; every tool here reports them.
    if (type === "url") raw.set("domain", [...(raw.get("domain") ?? []), new URL(value).hostname]);
    if (type === "email")
      raw.set("domain", [...(raw.get("domain") ?? []), value.slice(value.indexOf("@") + 1)]);
  }
  const expected: LabelledCase["expected"] = {};
  for (const [type, values] of raw)
    expected[type] = { kind: "set", values: expectedSet(load, "ioc-fanger", type, values) };
  load.cases.push({ corpus: "ioc-fanger", name: "sample_text_defanged", input: defanged, expected });
}

interface IocextractVector {
  category: string;
  iocextract_function: string;
  input: string;
  expected: unknown;
  match: string;
}

const iocextractCategories = new Set([
  "hash",
  "ipv4",
  "ipv4_negative",
  "ipv6",
  "ipv6_negative",
  "email_negative",
  "email_partial",
  "refang_email",
  "refang_ipv4",
  "ip_regex_allows_multiple_brackets",
  "ip_regex_allows_backslash_escape",
  "refang_path",
  "url_end_punctuation",
  "url_mid_punctuation",
]);

const iocextractFunctions: Partial<Record<string, IndicatorType>> = {
  extract_ipv4s: "ipv4",
  extract_ips: "ipv4",
  extract_ipv6s: "ipv6",
  extract_emails: "email",
  extract_urls: "url",
  extract_md5_hashes: "md5",
  extract_sha1_hashes: "sha1",
  extract_sha256_hashes: "sha256",
  extract_sha512_hashes: "sha512",
};

/** iocextract is GPL: read from ../shared only, never copied into the repo. */
function loadIocextract(load: CorpusLoad): boolean {
  const directory = join(sharedFixtures, "ioc-extraction", "iocextract");
  if (!existsSync(directory)) return false;
  const vectors = JSON.parse(readFileSync(join(directory, "iocextract_test_vectors.json"), "utf8")) as {
    cases: IocextractVector[];
  };
  for (const [index, vector] of vectors.cases.entries()) {
    if (!iocextractCategories.has(vector.category)) continue;
    const type = iocextractFunctions[vector.iocextract_function];
    if (type === undefined) continue;
    const name = `${vector.category} #${index}`;
    if (vector.match === "count") {
      load.cases.push({
        corpus: "iocextract",
        name,
        input: vector.input,
        expected: { [type]: { kind: "count", count: Number(vector.expected) } },
      });
    } else if (vector.match === "first" || vector.match === "first_soft") {
      const values = expectedSet(load, "iocextract", type, [String(vector.expected)]);
      if (values.size === 0) continue;
      load.cases.push({
        corpus: "iocextract",
        name,
        input: vector.input,
        expected: { [type]: { kind: "set", values } },
      });
    }
  }
  // The corpus file: every valid line must be found (as some type), no invalid line may be.
  const input = readFileSync(join(directory, "corpus_input.txt"), "utf8");
  const validLines = readFileSync(join(directory, "corpus_valid.txt"), "utf8").split(/\r?\n/).filter(Boolean);
  const valid = new Map<IndicatorType, string[]>();
  for (const line of validLines) {
    const type = typeOfCorpusLine(line);
    if (type === null) addOutOfSpec(load, "iocextract", `?:${line}`);
    else valid.set(type, [...(valid.get(type) ?? []), line]);
  }
  const expected: LabelledCase["expected"] = {};
  for (const [type, values] of valid)
    expected[type] = { kind: "set", values: expectedSet(load, "iocextract", type, values) };
  load.cases.push({ corpus: "iocextract", name: "corpus_valid", input, expected, recallOnly: true });
  return true;
}

function typeOfCorpusLine(line: string): IndicatorType | null {
  const refanged = line.replace(/\[\.\]|\(\.\)|\[dot\]/g, ".").replace(/^hxxp/, "http");
  if (/^[a-z]+:\/\//i.test(refanged)) return "url";
  return typeOfFangedLine(refanged);
}

/**
 * TweetFeed 2025 (CC0, ../shared only): 180,995 researcher-posted IOCs with their type. The values of each
 * block of 2,000 rows, one per line, form one input; the expected set is the values plus the hosts of the
 * URLs. Real-world spelling (upper case, ports, IDN, odd TLDs) in bulk.
 */
function loadTweetfeed(load: CorpusLoad): boolean {
  const file = join(sharedFixtures, "bulk-iocs", "tweetfeed_2025_daily_concat.csv");
  if (!existsSync(file)) return false;
  const rows = readFileSync(file, "utf8").split("\n");
  const typeOf: Record<string, IndicatorType | undefined> = {
    url: "url",
    domain: "domain",
    md5: "md5",
    sha256: "sha256",
  };
  for (let start = 0; start < rows.length; start += 2000) {
    const lines: string[] = [];
    const raw = new Map<IndicatorType, string[]>();
    const push = (type: IndicatorType, value: string): void => {
      raw.set(type, [...(raw.get(type) ?? []), value]);
    };
    for (const row of rows.slice(start, start + 2000)) {
      const [, , kind = "", value = ""] = row.split(",");
      if (value === "") continue;
      lines.push(value);
      const type = kind === "ip" ? (value.includes(":") ? "ipv6" : "ipv4") : typeOf[kind];
      if (type === undefined) continue;
      push(type, value);
      if (type === "url") {
        const url = canonicalize("url", value);
        if (url.ok) {
          const host = new URL(url.value).hostname;
          push(
            /^\d+\.\d+\.\d+\.\d+$/.test(host) ? "ipv4" : host.startsWith("[") ? "ipv6" : "domain",
            host.replace(/^\[|\]$/g, ""),
          );
        }
      }
    }
    const expected: LabelledCase["expected"] = {};
    for (const type of ["ipv4", "ipv6", "domain", "url", "md5", "sha256"] as const) {
      expected[type] = { kind: "set", values: expectedSet(load, "tweetfeed", type, raw.get(type) ?? []) };
    }
    load.cases.push({
      corpus: "tweetfeed",
      name: `rows ${start}-${start + 1999}`,
      input: lines.join("\n"),
      expected,
    });
  }
  return true;
}

/** URLhaus's `csv_recent` as a publisher defanged it, in ../shared (the accuracy corpus and the speed bench's feed). */
export const urlhausDefangedFile = join(
  sharedFixtures,
  "abusech",
  "intel-watchtower_urlhaus_recent_defanged.csv",
);

/**
 * URLhaus's `csv_recent` as a publisher defanged it (every `.` as `[.]`, every `:` as `[:]`, also in paths), read
 * as text: its URL column refanged by plain replacement is the truth (SOURCES.md gives that oracle). URLs only are
 * scored, 2,000 rows a case; the tags column (`32-bit,elf,mips,Mozi`) and the hosts are text around them.
 */
function loadUrlhausDefanged(load: CorpusLoad): boolean {
  if (!existsSync(urlhausDefangedFile)) return false;
  // `raw`: each row as written, so a case's input is its rows' text exactly.
  const rows = parse(readFileSync(urlhausDefangedFile, "utf8"), {
    columns: true,
    skip_empty_lines: true,
    raw: true,
  }) as Array<{ record: { url?: string }; raw: string }>;
  for (let start = 0; start < rows.length; start += 2000) {
    const slice = rows.slice(start, start + 2000);
    const urls = slice.map(({ record }) => (record.url ?? "").replaceAll("[.]", ".").replaceAll("[:]", ":"));
    load.cases.push({
      corpus: "urlhaus",
      name: `rows ${start}-${start + 1999}`,
      input: slice.map(({ raw }) => raw).join(""),
      expected: { url: { kind: "set", values: expectedSet(load, "urlhaus", "url", urls) } },
    });
  }
  return true;
}

/** Loads every corpus available; iocextract, TweetFeed and URLhaus only when ../shared/fixtures is present. */
export function loadCorpora(
  options: { bulk?: boolean } = {},
): CorpusLoad & { iocextract: boolean; tweetfeed: boolean; urlhaus: boolean } {
  const load: CorpusLoad = { cases: [], outOfSpec: new Map() };
  loadNinoseki(load);
  loadMsticpy(load);
  loadFanger(load);
  const iocextract = loadIocextract(load);
  const tweetfeed = options.bulk === true && loadTweetfeed(load);
  const urlhaus = options.bulk === true && loadUrlhausDefanged(load);
  return { ...load, iocextract, tweetfeed, urlhaus };
}
