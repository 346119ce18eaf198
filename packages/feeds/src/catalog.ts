import { classifyIp, detectIndicator, indicatorTypes } from "@threatfusion/ioc";
import { z } from "zod";
import {
  csvOptionsSchema,
  jsonOptionsSchema,
  mispOptionsSchema,
  ndjsonOptionsSchema,
  textOptionsSchema,
} from "./options.ts";
import { feedFormats } from "./parse-feed.ts";

/** How a collector authenticates. Secrets are named, never stored in the definition. */
export const feedAuthSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }),
  /** A header carrying a key: abuse.ch `Auth-Key`, OTX `X-OTX-API-KEY`. */
  z.object({
    kind: z.literal("header"),
    header: z.string().min(1).max(100),
    secret: z.string().min(1).max(100),
  }),
  /** A query parameter carrying a key (URLhaus exports `?auth-key=`). */
  z.object({
    kind: z.literal("query"),
    param: z.string().min(1).max(100),
    secret: z.string().min(1).max(100),
  }),
  z.object({ kind: z.literal("basic"), secret: z.string().min(1).max(100) }),
  z.object({ kind: z.literal("bearer"), secret: z.string().min(1).max(100) }),
]);
export type FeedAuth = z.infer<typeof feedAuthSchema>;

/** Admiralty-style source reliability: A completely reliable … F cannot be judged. */
export const reliabilitySchema = z.enum(["A", "B", "C", "D", "E", "F"]);
export const tlpSchema = z.enum(["clear", "green", "amber", "amber+strict", "red"]);

export const feedLicenceSchema = z.object({
  name: z.string().min(1).max(200),
  url: z.url().optional(),
  attributionRequired: z.boolean(),
  commercialUse: z.enum(["allowed", "restricted", "unknown"]),
  notes: z.string().max(1000).optional(),
});

/** How a run resumes where the last one stopped. */
export const incrementalSchema = z.discriminatedUnion("kind", [
  /** TAXII 2.1: `added_after` = the last `X-TAXII-Date-Added-Last`; follow `next` while `more`. */
  z.object({ kind: z.literal("taxii-added-after") }),
  /** OTX: `modified_since` = last run start; follow `next` pages. */
  z.object({ kind: z.literal("otx-modified-since") }),
  /** MISP feed: fetch `manifest.json`, then only events whose `timestamp` grew. */
  z.object({ kind: z.literal("misp-manifest") }),
  /** Full snapshot each time; the platform expires what disappeared. */
  z.object({ kind: z.literal("snapshot") }),
]);

const parserOptionsSchema = z
  .object({
    csv: csvOptionsSchema.optional(),
    json: jsonOptionsSchema.optional(),
    ndjson: ndjsonOptionsSchema.optional(),
    text: textOptionsSchema.optional(),
    misp: mispOptionsSchema.optional(),
  })
  .default({});

const httpsUrl = z.url({ protocol: /^https?$/ }).max(2000);

const internalHostSuffixes = [".localhost", ".local", ".internal", ".home.arpa"];

/**
 * Why a feed URL must not be fetched by our collectors, or undefined when it may. Tenant-defined URLs are a
 * server-side request forgery vector: refuse non-http(s), embedded credentials, internal names and
 * non-public IP literals (metadata endpoints, RFC 1918, loopback). DNS answers are the collector's check.
 */
export function feedUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "only http and https feeds are fetched";
  if (url.username || url.password) return "credentials belong in the feed's auth secret, not in the URL";
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || internalHostSuffixes.some((suffix) => host.endsWith(suffix))) {
    return "internal host names are not fetched";
  }
  const literal = detectIndicator(host);
  if (literal.ok && (literal.type === "ipv4" || literal.type === "ipv6")) {
    const kind = classifyIp(literal.value);
    if (kind !== "public") return `the address is ${kind}, not public`;
  }
  return undefined;
}

/**
 * A feed definition: the built-in catalog entries and tenant-private feeds are validated by this one schema.
 * `urls` may hold `{placeholder}`s that a subscription fills (`{collection}`, `{api_root}`).
 */
export const feedDefinitionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
    name: z.string().min(1).max(200),
    provider: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    homepage: httpsUrl.optional(),
    /** Fetched in order; all are parsed with the same format (blocklist.de lists, Spamhaus v4 + v6). */
    urls: z.array(z.string().min(1).max(2000)).min(1).max(20),
    method: z.enum(["GET", "POST"]).default("GET"),
    /** JSON body for POST APIs (ThreatFox `{"query":"get_iocs","days":1}`). */
    body: z.string().max(10_000).optional(),
    format: z.enum(feedFormats),
    parser: parserOptionsSchema,
    /** Shortest interval between fetches, in seconds: the source's own rule. */
    cadenceSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400),
    auth: feedAuthSchema,
    licence: feedLicenceSchema,
    reliability: reliabilitySchema,
    tlp: tlpSchema,
    indicatorTypes: z.array(z.enum(indicatorTypes)).min(1),
    incremental: incrementalSchema.default({ kind: "snapshot" }),
    /** A template the MSSP or tenant completes (URL, mapping) before it can run. */
    template: z.boolean().default(false),
  })
  .superRefine((feed, context) => {
    const needs = { csv: feed.parser.csv, json: feed.parser.json, ndjson: feed.parser.ndjson } as const;
    if (
      (feed.format === "csv" || feed.format === "json" || feed.format === "ndjson") &&
      !feed.template &&
      !needs[feed.format]
    ) {
      context.addIssue({
        code: "custom",
        path: ["parser", feed.format],
        message: `format ${feed.format} needs a field mapping`,
      });
    }
    if (!feed.template) {
      for (const [index, url] of feed.urls.entries()) {
        const problem = feedUrlProblem(url);
        if (problem) context.addIssue({ code: "custom", path: ["urls", index], message: problem });
      }
    }
    if (feed.method === "GET" && feed.body !== undefined) {
      context.addIssue({ code: "custom", path: ["body"], message: "a GET feed has no body" });
    }
  });

export type FeedDefinition = z.output<typeof feedDefinitionSchema>;
export type FeedDefinitionInput = z.input<typeof feedDefinitionSchema>;

const abusech = { kind: "header", header: "Auth-Key", secret: "abusech_auth_key" } as const;
const abusechLicence = {
  name: "abuse.ch terms of use",
  url: "https://abuse.ch/terms-of-use/",
  attributionRequired: true,
  commercialUse: "restricted",
  notes:
    "Free Auth-Key from https://auth.abuse.ch/ required since 30 June 2025; commercial use under abuse.ch's fair-use terms.",
} as const;
const spamhausLicence = {
  name: "Spamhaus DROP terms",
  url: "https://www.spamhaus.org/drop/",
  attributionRequired: true,
  commercialUse: "restricted",
  notes:
    "Fetch at most once per hour. Attribution required; keep header timestamps when redistributing the lists.",
} as const;
const unknownLicence = (name: string, notes?: string) =>
  ({ name, attributionRequired: true, commercialUse: "unknown", ...(notes ? { notes } : {}) }) as const;

/** The blocklist.de lists the catalog offers, one feed each (`blocklist-de-<list>`). */
export const blocklistDeLists = [
  "all",
  "ssh",
  "mail",
  "apache",
  "imap",
  "ftp",
  "sip",
  "bots",
  "strongips",
  "bruteforcelogin",
];

/** The raw catalog entries; `builtInFeeds` is this list validated. */
const catalogEntries: FeedDefinitionInput[] = [
  {
    id: "abusech-urlhaus",
    name: "URLhaus recent malware URLs",
    provider: "abuse.ch",
    homepage: "https://urlhaus.abuse.ch/",
    description:
      "Malware distribution URLs added in the last 30 days. Exports are regenerated every 5 minutes.",
    urls: ["https://urlhaus-api.abuse.ch/files/exports/recent.csv"],
    format: "urlhaus",
    cadenceSeconds: 300,
    auth: { kind: "query", param: "auth-key", secret: "abusech_auth_key" },
    licence: abusechLicence,
    reliability: "B",
    tlp: "clear",
    indicatorTypes: ["url"],
  },
  {
    id: "abusech-threatfox",
    name: "ThreatFox IOCs (last 24 h)",
    provider: "abuse.ch",
    homepage: "https://threatfox.abuse.ch/",
    description:
      "Malware IOCs (ip:port, domains, URLs, hashes) with malware family and confidence, via the ThreatFox API.",
    urls: ["https://threatfox-api.abuse.ch/api/v1/"],
    method: "POST",
    body: '{"query":"get_iocs","days":1}',
    format: "threatfox-api",
    cadenceSeconds: 3600,
    auth: abusech,
    licence: abusechLicence,
    reliability: "B",
    tlp: "clear",
    indicatorTypes: ["ipv4", "ipv6", "domain", "url", "md5", "sha1", "sha256"],
  },
  {
    id: "abusech-feodo",
    name: "Feodo Tracker botnet C2 IP blocklist",
    provider: "abuse.ch",
    homepage: "https://feodotracker.abuse.ch/",
    urls: ["https://feodotracker.abuse.ch/downloads/ipblocklist.json"],
    format: "feodo-json",
    cadenceSeconds: 1800,
    auth: abusech,
    licence: abusechLicence,
    reliability: "A",
    tlp: "clear",
    indicatorTypes: ["ipv4"],
  },
  {
    id: "abusech-malwarebazaar",
    name: "MalwareBazaar recent samples (MD5)",
    provider: "abuse.ch",
    homepage: "https://bazaar.abuse.ch/",
    urls: ["https://bazaar.abuse.ch/export/txt/md5/recent/"],
    format: "text",
    parser: { text: { type: "md5", staticTags: ["malware-sample"] } },
    cadenceSeconds: 3600,
    auth: abusech,
    licence: abusechLicence,
    reliability: "A",
    tlp: "clear",
    indicatorTypes: ["md5"],
  },
  {
    id: "abusech-sslbl",
    name: "SSLBL malicious SSL certificates (SHA1)",
    provider: "abuse.ch",
    homepage: "https://sslbl.abuse.ch/",
    description: "SHA1 fingerprints of X.509 certificates used by botnet C2 servers.",
    urls: ["https://sslbl.abuse.ch/blacklist/sslblacklist.csv"],
    format: "sslbl",
    cadenceSeconds: 3600,
    auth: abusech,
    licence: abusechLicence,
    reliability: "A",
    tlp: "clear",
    indicatorTypes: ["sha1"],
  },
  {
    id: "cisa-kev",
    name: "CISA Known Exploited Vulnerabilities",
    provider: "CISA",
    homepage: "https://www.cisa.gov/known-exploited-vulnerabilities-catalog",
    urls: ["https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"],
    format: "kev",
    cadenceSeconds: 3600,
    auth: { kind: "none" },
    licence: {
      name: "CC0-1.0",
      url: "https://github.com/cisagov/kev-data/blob/develop/LICENSE",
      attributionRequired: false,
      commercialUse: "allowed",
    },
    reliability: "A",
    tlp: "clear",
    indicatorTypes: ["cve"],
  },
  {
    id: "spamhaus-drop",
    name: "Spamhaus DROP (IPv4 and IPv6)",
    provider: "Spamhaus",
    homepage: "https://www.spamhaus.org/drop/",
    urls: ["https://www.spamhaus.org/drop/drop_v4.json", "https://www.spamhaus.org/drop/drop_v6.json"],
    format: "spamhaus-drop-json",
    cadenceSeconds: 3600,
    auth: { kind: "none" },
    licence: spamhausLicence,
    reliability: "A",
    tlp: "clear",
    indicatorTypes: ["cidr"],
  },
  {
    id: "spamhaus-asn-drop",
    name: "Spamhaus ASN-DROP",
    provider: "Spamhaus",
    homepage: "https://www.spamhaus.org/drop/",
    urls: ["https://www.spamhaus.org/drop/asndrop.json"],
    format: "spamhaus-drop-json",
    cadenceSeconds: 3600,
    auth: { kind: "none" },
    licence: spamhausLicence,
    reliability: "A",
    tlp: "clear",
    indicatorTypes: ["asn"],
  },
  {
    id: "otx-subscribed",
    name: "AlienVault OTX subscribed pulses",
    provider: "LevelBlue (AlienVault OTX)",
    homepage: "https://otx.alienvault.com/",
    urls: ["https://otx.alienvault.com/api/v1/pulses/subscribed"],
    format: "otx",
    cadenceSeconds: 900,
    auth: { kind: "header", header: "X-OTX-API-KEY", secret: "otx_api_key" },
    licence: unknownLicence("OTX terms of service", "Community content; each pulse carries its own TLP."),
    reliability: "C",
    tlp: "green",
    indicatorTypes: ["ipv4", "ipv6", "cidr", "domain", "url", "md5", "sha1", "sha256", "email", "cve"],
    incremental: { kind: "otx-modified-since" },
  },
  {
    id: "tor-exit-nodes",
    name: "Tor exit nodes (TorDNSEL)",
    provider: "The Tor Project",
    homepage: "https://check.torproject.org/",
    description: "Exit relay addresses; entries drop out after 48 hours. Context, not maliciousness.",
    urls: ["https://check.torproject.org/exit-addresses"],
    format: "tor-exit",
    cadenceSeconds: 1800,
    auth: { kind: "none" },
    licence: { name: "Tor Project public data", attributionRequired: false, commercialUse: "allowed" },
    reliability: "A",
    tlp: "clear",
    indicatorTypes: ["ipv4", "ipv6"],
  },
  {
    id: "openphish-community",
    name: "OpenPhish community feed",
    provider: "OpenPhish",
    homepage: "https://openphish.com/",
    urls: ["https://openphish.com/feed.txt"],
    format: "text",
    parser: { text: { type: "url", staticTags: ["phishing"] } },
    cadenceSeconds: 21_600,
    auth: { kind: "none" },
    licence: unknownLicence(
      "OpenPhish community terms",
      "Non-commercial use; the premium feed is licensed separately.",
    ),
    reliability: "B",
    tlp: "clear",
    indicatorTypes: ["url"],
  },
  ...blocklistDeLists.map(
    (list): FeedDefinitionInput => ({
      id: `blocklist-de-${list}`,
      name: `blocklist.de ${list}`,
      provider: "blocklist.de",
      homepage: "https://www.blocklist.de/",
      urls: [`https://lists.blocklist.de/lists/${list}.txt`],
      format: "text",
      parser: { text: { type: "auto", staticTags: ["blocklist-de", list] } },
      cadenceSeconds: 1800,
      auth: { kind: "none" },
      licence: unknownLicence("blocklist.de terms", "Free service; attribution expected."),
      reliability: "C",
      tlp: "clear",
      indicatorTypes: ["ipv4", "ipv6"],
    }),
  ),
  {
    id: "et-compromised-ips",
    name: "Emerging Threats compromised IPs",
    provider: "Proofpoint Emerging Threats",
    homepage: "https://rules.emergingthreats.net/",
    urls: ["https://rules.emergingthreats.net/blockrules/compromised-ips.txt"],
    format: "text",
    parser: { text: { type: "ipv4", staticTags: ["compromised"] } },
    cadenceSeconds: 43_200,
    auth: { kind: "none" },
    licence: unknownLicence("Emerging Threats open ruleset terms"),
    reliability: "B",
    tlp: "clear",
    indicatorTypes: ["ipv4"],
  },
  ...(["level1", "level2"] as const).map(
    (level): FeedDefinitionInput => ({
      id: `firehol-${level}`,
      name: `FireHOL ${level}`,
      provider: "FireHOL",
      homepage: "https://iplists.firehol.org/",
      description:
        level === "level1"
          ? "Composite of fullbogons, Spamhaus DROP, DShield, Feodo, SSLBL…: safe to block, includes private ranges."
          : "Composite of attack sources seen in the last 48 hours.",
      urls: [`https://raw.githubusercontent.com/firehol/blocklist-ipsets/master/firehol_${level}.netset`],
      format: "text",
      parser: { text: { type: "auto", staticTags: [`firehol-${level}`] } },
      cadenceSeconds: 86_400,
      auth: { kind: "none" },
      licence: unknownLicence("Each source list's own terms (see the netset header)"),
      reliability: "C",
      tlp: "clear",
      indicatorTypes: ["ipv4", "cidr"],
    }),
  ),
  {
    id: "misp-feed",
    name: "MISP feed (any)",
    provider: "custom",
    description: "A MISP feed directory: manifest.json then <uuid>.json events changed since the last run.",
    urls: ["{feed_url}/manifest.json"],
    format: "misp",
    cadenceSeconds: 3600,
    auth: { kind: "none" },
    licence: unknownLicence("Set per feed"),
    reliability: "F",
    tlp: "green",
    indicatorTypes: [...indicatorTypes],
    incremental: { kind: "misp-manifest" },
    template: true,
  },
  {
    id: "taxii21-collection",
    name: "TAXII 2.1 collection (any)",
    provider: "custom",
    description:
      "GET {api_root}/collections/{collection}/objects/ with Accept: application/taxii+json;version=2.1.",
    urls: ["{api_root}/collections/{collection}/objects/"],
    format: "taxii",
    cadenceSeconds: 900,
    auth: { kind: "basic", secret: "taxii_credentials" },
    licence: unknownLicence("Set per collection"),
    reliability: "F",
    tlp: "amber",
    indicatorTypes: [...indicatorTypes],
    incremental: { kind: "taxii-added-after" },
    template: true,
  },
  ...(["csv", "json", "text"] as const).map(
    (format): FeedDefinitionInput => ({
      id: `generic-${format}`,
      name: `Generic ${format.toUpperCase()} feed`,
      provider: "custom",
      description:
        format === "text"
          ? "One indicator per line."
          : `A ${format.toUpperCase()} feed with a field mapping.`,
      urls: ["{url}"],
      format,
      cadenceSeconds: 3600,
      auth: { kind: "none" },
      licence: unknownLicence("Set per feed"),
      reliability: "F",
      tlp: "amber",
      indicatorTypes: [...indicatorTypes],
      template: true,
    }),
  ),
];

/** The built-in feed catalog, validated once at load so a bad entry fails the tests, not a collector. */
export const builtInFeeds: readonly FeedDefinition[] = catalogEntries.map((entry) =>
  feedDefinitionSchema.parse(entry),
);

/** A built-in feed by id. */
export function findBuiltInFeed(id: string): FeedDefinition | undefined {
  return builtInFeeds.find((feed) => feed.id === id);
}

/**
 * Validates a tenant-private (or MSSP-added) feed with the same rules as the built-in ones.
 * Returns zod's result so the API layer can turn issues into its VALIDATION_FAILED envelope.
 */
export function parseFeedDefinition(input: unknown) {
  const result = feedDefinitionSchema.safeParse(input);
  // Templates (placeholders in URLs, no URL checks) exist only in the built-in catalog.
  if (result.success && result.data.template) {
    const issue = {
      code: "custom" as const,
      path: ["template"],
      message: "only built-in feeds are templates",
      input,
    };
    return { success: false as const, error: new z.ZodError([issue]), data: undefined };
  }
  return result;
}
