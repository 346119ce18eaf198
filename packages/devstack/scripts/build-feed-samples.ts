/**
 * Rebuilds the offline demo feed samples (`packages/devstack/feed-samples/`) from real, CC0 indicators:
 * TweetFeed's month file (researcher-posted IOCs, 0xDanielLopez/TweetFeed, CC0-1.0) written in the exact
 * layout of each feed the mirror stands in for, plus real Tor exit addresses (Zeek-Intelligence-Feeds, MIT).
 * Every chosen value is checked against all MISP warninglists and the reserved ranges with the project's
 * own matcher, and only the few deliberately benign rows (see `benignPicks`) may be suppressed.
 *
 *   node packages/devstack/scripts/build-feed-samples.ts        (needs ../shared/fixtures; TF_SHARED_FIXTURES overrides)
 *
 * The output is committed; this script only runs where the shared fixtures are present. Selection is
 * deterministic (newest first, then by value), so a re-run on the same inputs writes the same bytes.
 * TweetFeed dates are kept as they are: the mirror serves files unchanged (see feed-mirror.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { builtInFeeds, type ParsedIndicator, parseFeed } from "@threatfusion/feeds";
import { parseWarninglist, SuppressionIndex, type WarninglistSource } from "@threatfusion/scoring";

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.TF_SHARED_FIXTURES ?? join(here, "../../../../shared/fixtures");
const samplesDir = join(here, "../feed-samples");
const tweetfeedFile = join(shared, "tweetfeed/tweetfeed_month.csv");
const torExitFile = join(shared, "zeek-intel-feeds/tor-exit.intel");
const warninglistDir = join(shared, "warninglists/lists");

/** Files this script writes; the others in feed-samples/ (KEV, Spamhaus, SSLBL) are kept as they are. */
const limits = { minRows: 100, maxRows: 400, maxBytes: 100 * 1024 };

/** Tags that say what kind of threat, not which family. */
const genericTags = new Set([
  "phishing",
  "malware",
  "c2",
  "apt",
  "opendir",
  "scam",
  "cryptoscam",
  "ransomware",
  "infostealer",
  "stealer",
  "malvertising",
  "trojan",
  "android",
  "clickfix",
  "fakecaptcha",
  "dprk",
  "rat",
  "loader",
  "botnet",
  "spam",
  "smishing",
  "exploit",
  "backdoor",
  "payload",
  "cobalt",
  "ioc",
  "iocs",
  "threatintel",
  "cybersecurity",
]);

/** ThreatFox / Malpedia names for the families TweetFeed tags most, so the ThreatFox layout reads right. */
const malpedia: Record<string, string> = {
  cobaltstrike: "win.cobalt_strike",
  asyncrat: "win.asyncrat",
  havoc: "win.havoc",
  remcos: "win.remcos",
  remcosrat: "win.remcos",
  xworm: "win.xworm",
  dcrat: "win.dcrat",
  lumma: "win.lumma",
  sliver: "win.sliver",
  quasarrat: "win.quasar_rat",
  njrat: "win.njrat",
  vidar: "win.vidar",
  kimsuky: "win.kimsuky",
  metasploit: "win.metasploit",
  evilginx: "evilginx",
};

interface Candidate {
  type: ParsedIndicator["type"];
  value: string;
  date: string;
  tags: string[];
  family: string | undefined;
  reporter: string;
  reference: string;
}

async function* bytesOf(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

async function parse(
  format: Parameters<typeof parseFeed>[0],
  text: string,
  options: Parameters<typeof parseFeed>[2] = {},
): Promise<{ indicators: ParsedIndicator[]; rejected: number }> {
  const indicators: ParsedIndicator[] = [];
  let rejected = 0;
  for await (const event of parseFeed(format, bytesOf(text), options)) {
    if (event.kind === "indicator") indicators.push(event.indicator);
    else if (event.kind === "rejected") rejected++;
  }
  return { indicators, rejected };
}

function loadWarninglists(): WarninglistSource[] {
  const sources: WarninglistSource[] = [];
  for (const name of readdirSync(warninglistDir).sort()) {
    const parsed = parseWarninglist(
      JSON.parse(readFileSync(join(warninglistDir, name, "list.json"), "utf8")),
    );
    if (parsed.ok) sources.push({ id: name, list: parsed.list });
  }
  return sources;
}

function familyOf(tags: readonly string[]): string | undefined {
  return tags.find((tag) => !genericTags.has(tag.toLowerCase()));
}

/** TweetFeed rows, newest first, one per type + canonical value (the newest row's tags and tweet win). */
async function tweetfeedCandidates(): Promise<Candidate[]> {
  const { indicators } = await parse("tweetfeed", readFileSync(tweetfeedFile, "utf8"));
  const byKey = new Map<string, Candidate>();
  for (const indicator of indicators) {
    const date = indicator.firstSeen ?? "";
    const key = `${indicator.type}\u0000${indicator.value}`;
    const known = byKey.get(key);
    if (known && known.date >= date) continue;
    const tags = indicator.tags.map((tag) => tag.replace(/^#/, ""));
    byKey.set(key, {
      type: indicator.type,
      value: indicator.value,
      date,
      tags,
      family: familyOf(tags),
      reporter: indicator.context.reporter ?? "",
      reference: indicator.context.reference ?? "",
    });
  }
  return [...byKey.values()].sort((a, b) =>
    a.date === b.date ? a.value.localeCompare(b.value) : b.date.localeCompare(a.date),
  );
}

const hasTag = (candidate: Candidate, ...wanted: string[]) =>
  candidate.tags.some((tag) => wanted.includes(tag.toLowerCase()));
const isIp = (candidate: Candidate) => candidate.type === "ipv4" || candidate.type === "ipv6";
/** "2026-08-22T09:52:05.000Z" -> "2026-08-22 09:52:05" (the abuse.ch layouts). */
const abusechTime = (iso: string) => iso.slice(0, 19).replace("T", " ");
const quoted = (cells: readonly string[]) => cells.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(",");
const take = <T>(items: readonly T[], count: number) => items.slice(0, count);

function abusechBanner(title: string, updated: string, terms: string, contact: string): string {
  const line = (text: string) => `# ${text.padEnd(60)} #`;
  return [
    "#".repeat(64),
    line(title),
    line(`Last updated: ${updated} UTC`),
    line(""),
    line(`Terms Of Use: ${terms}`),
    line(`For questions please contact ${contact}`),
    "#".repeat(64),
    "#",
  ].join("\n");
}

/** Ports TweetFeed shows for an IP (from URLs such as `http://1.2.3.4:8080/x`). */
function portsFromUrls(candidates: readonly Candidate[]): Map<string, number> {
  const ports = new Map<string, number>();
  for (const candidate of candidates) {
    if (candidate.type !== "url") continue;
    const match = /^https?:\/\/(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})\//.exec(candidate.value);
    if (match?.[1] && match[2] && !ports.has(match[1])) ports.set(match[1], Number(match[2]));
  }
  return ports;
}

function main(): Promise<void> {
  if (!existsSync(tweetfeedFile) || !existsSync(warninglistDir)) {
    console.log(`skipped: ${shared} (TweetFeed, warninglists) is not present here`);
    return Promise.resolve();
  }
  return build();
}

async function build(): Promise<void> {
  const index = SuppressionIndex.build({ warninglists: loadWarninglists() });
  const all = await tweetfeedCandidates();
  const clean = all.filter((candidate) => !index.match(candidate).suppressed);
  const newest = all[0]?.date ?? new Date(0).toISOString();
  const updated = abusechTime(newest);
  const ports = portsFromUrls(all);
  const portOf = (ip: string) => ports.get(ip) ?? 443;

  const ips = clean.filter(isIp);
  const c2Ips = ips.filter(
    (c) => hasTag(c, "c2", "malware", "apt", "ransomware", "evilginx") || c.family !== undefined,
  );
  const otherIps = ips.filter((c) => !c2Ips.includes(c));
  const urls = clean.filter((c) => c.type === "url");
  const phishingUrls = urls.filter((c) => hasTag(c, "phishing"));
  const malwareUrls = urls.filter((c) => !hasTag(c, "phishing", "scam", "cryptoscam"));
  const familyDomains = clean.filter(
    (c) => c.type === "domain" && (c.family !== undefined || hasTag(c, "c2", "malware", "apt")),
  );
  const md5s = clean.filter((c) => c.type === "md5");
  const sha256s = clean.filter((c) => c.type === "sha256" && !hasTag(c, "phishing"));

  // Feodo Tracker: C2 servers with a family; the same IPs recur in ThreatFox, ET and FireHOL level1
  // (which really does include Feodo), so corroboration shows.
  const feodo = take(c2Ips, 150);
  const feodoJson = `${JSON.stringify(
    feodo.map((c) => ({
      ip_address: c.value,
      port: portOf(c.value),
      status: "online",
      hostname: null,
      as_number: null,
      as_name: null,
      country: null,
      first_seen: abusechTime(c.date),
      last_online: c.date.slice(0, 10),
      malware: c.family ?? "C2",
    })),
    null,
    2,
  )}\n`;

  // ThreatFox API: ip:port C2s (half of them Feodo's), C2 domains, and sample hashes.
  const threatfoxRows = [
    ...take(feodo, 50).map((c) => ({ ...c, ioc: `${c.value}:${portOf(c.value)}`, iocType: "ip:port" })),
    ...take(familyDomains, 60).map((c) => ({ ...c, ioc: c.value, iocType: "domain" })),
    ...take(sha256s, 25).map((c) => ({ ...c, ioc: c.value, iocType: "sha256_hash" })),
    ...take(md5s, 15).map((c) => ({ ...c, ioc: c.value, iocType: "md5_hash" })),
  ];
  const benign = benignPicks(all, index);
  const threatfoxTypeDesc: Record<string, string> = {
    "ip:port": "ip:port combination that is used for botnet Command&control (C&C)",
    domain: "Domain that is used for botnet Command&control (C&C)",
    url: "URL that is used for botnet Command&control (C&C)",
    sha256_hash: "SHA256 hash of a malware sample",
    md5_hash: "MD5 hash of a malware sample",
  };
  const threatfox = {
    query_status: "ok",
    data: [...threatfoxRows, ...benign].map((row, position) => {
      const isHash = row.iocType.endsWith("_hash");
      const family = row.family ?? "Unknown malware";
      return {
        id: String(1_600_000 - position),
        ioc: row.ioc,
        threat_type: isHash ? "payload" : "botnet_cc",
        threat_type_desc: isHash
          ? "Indicator that identifies a malware sample (payload)"
          : "Indicator that identifies a botnet command&control server (C&C)",
        ioc_type: row.iocType,
        ioc_type_desc: threatfoxTypeDesc[row.iocType] ?? "",
        malware: malpedia[family.toLowerCase()] ?? "unknown",
        malware_printable: family,
        malware_alias: null,
        malware_malpedia: null,
        confidence_level: 75,
        first_seen: `${abusechTime(row.date)} UTC`,
        last_seen: null,
        reference: row.reference,
        reporter: row.reporter,
        tags: row.tags,
      };
    }),
  };

  // URLhaus: malware-delivery URLs. urlhaus_link carries the tweet (the real reference) as no URLhaus id exists.
  const urlhaus = take(malwareUrls, 300);
  const urlhausCsv = [
    abusechBanner(
      "abuse.ch URLhaus Database Dump (CSV - recent URLs only)",
      updated,
      "https://urlhaus.abuse.ch/api/",
      "urlhaus [at] abuse.ch",
    ),
    "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter",
    ...urlhaus.map((c, position) =>
      quoted([
        String(3_700_000 - position),
        abusechTime(c.date),
        c.value,
        "online",
        abusechTime(c.date),
        "malware_download",
        c.tags.join(","),
        c.reference,
        c.reporter,
      ]),
    ),
    "",
  ].join("\n");

  const malwarebazaar = take(md5s, 300);
  const malwarebazaarTxt = [
    abusechBanner(
      "MalwareBazaar recent malware samples (MD5 hashes)",
      updated,
      "https://bazaar.abuse.ch/faq/#tos",
      "bazaar [at] abuse.ch",
    ),
    ...malwarebazaar.map((c) => c.value),
    `# END (${malwarebazaar.length} entries)`,
    "",
  ].join("\n");

  const openphish = take(phishingUrls, 300);
  const et = [...take(feodo.slice(25), 60), ...take(otherIps, 90)];
  const blocklistDe = [...take(otherIps.slice(40), 200), ...take(c2Ips.slice(100), 40)];
  const firehol = [...new Set([...feodo, ...take(otherIps, 150)].map((c) => c.value))].sort(compareIps);

  const fireholNetset = [
    "#",
    "# firehol_level1",
    "#",
    "# ipv4 hash:net ipset",
    "#",
    "# A firewall blacklist composed from IP lists, providing",
    "# maximum protection with minimum false positives. Suitable",
    "# for basic protection on all internet facing servers,",
    "# routers and firewalls. (includes: bambenek_c2 dshield",
    "# feodo fullbogons spamhaus_drop spamhaus_edrop sslbl)",
    "#",
    "# Maintainer      : FireHOL",
    "# Maintainer URL  : http://iplists.firehol.org/",
    "# List source URL : ",
    `# Source File Date: ${new Date(newest).toUTCString()}`,
    "#",
    "# Category        : attacks",
    "# Version         : 1",
    "#",
    `# This File Date  : ${new Date(newest).toUTCString()}`,
    "# Update Frequency: 1 min ",
    "# Aggregation     : none",
    `# Entries         : ${firehol.length} subnets, ${firehol.length} unique IPs`,
    "#",
    ...firehol,
    "",
  ].join("\n");

  const tor = torExits(index);
  const otx = otxPulses(clean);

  const outputs: Record<string, string> = {
    "feodo_ipblocklist.json": feodoJson,
    "threatfox_api.json": `${JSON.stringify(threatfox)}\n`,
    "urlhaus_recent.csv": urlhausCsv,
    "malwarebazaar_md5_recent.txt": malwarebazaarTxt,
    "openphish_feed.txt": `${openphish.map((c) => c.value).join("\n")}\n`,
    "et_compromised_ips.txt": `${et.map((c) => c.value).join("\n")}\n`,
    "blocklist_de_all.txt": `${blocklistDe.map((c) => c.value).join("\n")}\n`,
    "firehol_level1.netset": fireholNetset,
    "tor_exit_addresses.txt": tor,
    "otx_pulses_subscribed.json": `${JSON.stringify(otx, null, 1)}\n`,
  };
  for (const [file, text] of Object.entries(outputs)) writeFileSync(join(samplesDir, file), text);
  await verify(outputs, index, new Set(benign.map((row) => row.value)));
}

/**
 * Real TweetFeed rows that the warninglists know as benign (researchers do post these): kept in the
 * ThreatFox sample on purpose so the demo shows suppression with its reason: an address in a cloud
 * range, a github.com page, an external-IP lookup service.
 */
function benignPicks(
  all: readonly Candidate[],
  index: SuppressionIndex,
): (Candidate & { ioc: string; iocType: string })[] {
  const listed = (candidate: Candidate, listId: string) =>
    index.match(candidate).reasons.some((reason) => reason.listId === listId && reason.effect === "suppress");
  const wanted: ((candidate: Candidate) => boolean)[] = [
    (c) => c.type === "ipv4" && listed(c, "amazon-aws"),
    (c) => c.type === "url" && /^https?:\/\/github\.com\//.test(c.value) && index.match(c).suppressed,
    (c) => c.type === "url" && listed(c, "whats-my-ip"),
  ];
  const picks: (Candidate & { ioc: string; iocType: string })[] = [];
  for (const predicate of wanted) {
    const candidate = all.find(predicate);
    if (!candidate) continue;
    picks.push({
      ...candidate,
      ioc: isIp(candidate) ? `${candidate.value}:443` : candidate.value,
      iocType: isIp(candidate) ? "ip:port" : candidate.type,
    });
  }
  return picks;
}

function compareIps(a: string, b: string): number {
  const key = (ip: string) => ip.split(".").map((part) => part.padStart(3, "0"));
  return key(a).join(".").localeCompare(key(b).join("."));
}

/**
 * The TorDNSEL exit-address layout from real exit IPs (Zeek-Intelligence-Feeds tor-exit.intel, MIT). That
 * file has no relay fingerprints or times: the fingerprint is a stand-in (SHA-1 of the address, upper-case)
 * and the times are the snapshot's day.
 */
function torExits(index: SuppressionIndex): string {
  const lines = readFileSync(torExitFile, "utf8").split("\n");
  const addresses = lines
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split("\t")[0] ?? "")
    .filter((ip) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip))
    .filter((ip) => !index.match({ type: "ipv4", value: ip }).suppressed)
    .slice(0, 150);
  const out: string[] = [];
  addresses.forEach((ip, position) => {
    const fingerprint = createHash("sha1").update(`tor-exit:${ip}`).digest("hex").toUpperCase();
    const minute = String(position % 60).padStart(2, "0");
    out.push(
      `ExitNode ${fingerprint}`,
      "Published 2026-08-21 23:00:00",
      "LastStatus 2026-08-22 00:00:00",
      `ExitAddress ${ip} 2026-08-22 00:${minute}:00`,
    );
  });
  return `${out.join("\n")}\n`;
}

const otxTypes: Record<string, string> = {
  ipv4: "IPv4",
  ipv6: "IPv6",
  domain: "domain",
  url: "URL",
  md5: "FileHash-MD5",
  sha256: "FileHash-SHA256",
};

/** OTX subscribed pulses: one pulse per researcher post that names three or more indicators. */
function otxPulses(clean: readonly Candidate[]): Record<string, unknown> {
  const byTweet = new Map<string, Candidate[]>();
  for (const candidate of clean) {
    if (!candidate.reference) continue;
    const group = byTweet.get(candidate.reference) ?? [];
    group.push(candidate);
    byTweet.set(candidate.reference, group);
  }
  const pulses: Record<string, unknown>[] = [];
  let indicatorCount = 0;
  let indicatorId = 5_000_000;
  for (const [tweet, group] of byTweet) {
    if (group.length < 3 || indicatorCount >= 250) continue;
    const rows = group.slice(0, 12);
    const first = rows[0];
    if (!first) continue;
    const tags = [...new Set(rows.flatMap((c) => c.tags))];
    const families = [...new Set(rows.map((c) => c.family).filter((f) => f !== undefined))];
    const created = first.date.slice(0, 19);
    indicatorCount += rows.length;
    pulses.push({
      id: createHash("sha1").update(tweet).digest("hex").slice(0, 24),
      name: `${tags.length > 0 ? tags.join(" ") : "IOCs"} reported by @${first.reporter}`,
      description: `Indicators posted by @${first.reporter}, collected by TweetFeed.`,
      author_name: first.reporter,
      modified: `${created}.000000`,
      created: `${created}.000000`,
      revision: 1,
      tlp: "white",
      public: 1,
      adversary: "",
      targeted_countries: [],
      malware_families: families,
      attack_ids: [],
      industries: [],
      tags,
      references: [tweet],
      indicators: rows.map((c) => ({
        id: indicatorId++,
        indicator: c.value,
        type: otxTypes[c.type] ?? c.type,
        created,
        title: "",
        description: "",
        expiration: null,
        is_active: 1,
        role: null,
      })),
    });
  }
  return { count: pulses.length, next: null, previous: null, results: pulses };
}

const mirrored: Record<string, string> = {
  "feodo_ipblocklist.json": "abusech-feodo",
  "threatfox_api.json": "abusech-threatfox",
  "urlhaus_recent.csv": "abusech-urlhaus",
  "malwarebazaar_md5_recent.txt": "abusech-malwarebazaar",
  "openphish_feed.txt": "openphish-community",
  "et_compromised_ips.txt": "et-compromised-ips",
  "blocklist_de_all.txt": "blocklist-de-all",
  "firehol_level1.netset": "firehol-level1",
  "tor_exit_addresses.txt": "tor-exit-nodes",
  "otx_pulses_subscribed.json": "otx-subscribed",
};

/** Parses each written file with its collector's own parser and checks sizes, row counts and suppression. */
async function verify(
  outputs: Record<string, string>,
  index: SuppressionIndex,
  benign: ReadonlySet<string>,
): Promise<void> {
  const problems: string[] = [];
  const seenIn = new Map<string, Set<string>>();
  console.log("file                          bytes  indicators  rejected  suppressed");
  for (const [file, text] of Object.entries(outputs)) {
    const feed = builtInFeeds.find((definition) => definition.id === mirrored[file]);
    if (!feed) throw new Error(`no catalog feed for ${file}`);
    const { indicators, rejected } = await parse(feed.format, text, feed.parser);
    const suppressed = indicators.filter((indicator) => index.match(indicator).suppressed);
    for (const indicator of indicators) {
      const key = `${indicator.type} ${indicator.value}`;
      const feeds = seenIn.get(key) ?? new Set<string>();
      feeds.add(feed.id);
      seenIn.set(key, feeds);
    }
    const bytes = Buffer.byteLength(text);
    console.log(
      `${file.padEnd(28)} ${String(bytes).padStart(7)} ${String(indicators.length).padStart(11)} ${String(rejected).padStart(9)} ${String(suppressed.length).padStart(11)}`,
    );
    for (const indicator of suppressed) {
      const reasons = index
        .match(indicator)
        .reasons.map((reason) => reason.listName)
        .join("; ");
      console.log(`  suppressed ${indicator.type} ${indicator.value}: ${reasons}`);
      if (!benign.has(indicator.value.replace(/:\d+$/, ""))) problems.push(`${file}: ${indicator.value}`);
    }
    if (bytes > limits.maxBytes) problems.push(`${file}: ${bytes} bytes`);
    if (indicators.length < limits.minRows || indicators.length > limits.maxRows)
      problems.push(`${file}: ${indicators.length} indicators`);
    if (rejected > 0) problems.push(`${file}: ${rejected} rejected rows`);
  }
  const corroborated = [...seenIn.values()].filter((feeds) => feeds.size >= 2).length;
  console.log(`indicators in two or more feeds: ${corroborated}`);
  if (problems.length > 0) throw new Error(`samples out of bounds:\n  ${problems.join("\n  ")}`);
}

await main();
