import type { CsvOptions, JsonOptions } from "./options.ts";

/**
 * Column mappings for the real exports of well-known feeds, so the catalog (and a tenant adding the same
 * export privately) need not repeat them. Header names are matched case-insensitively.
 */

/** URLhaus `csv_recent` / `csv_online` / `recent.csv`: `# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter`. */
export const urlhausCsv: CsvOptions = {
  value: "url",
  type: "url",
  firstSeen: "dateadded",
  lastSeen: "last_online",
  tags: "tags",
  tagSeparator: ",",
  context: {
    threatType: "threat",
    status: "url_status",
    reference: "urlhaus_link",
    reporter: "reporter",
    sourceId: "id",
  },
};

const threatfoxTypes = {
  "ip:port": "ip:port",
  domain: "domain",
  url: "url",
  md5_hash: "md5",
  sha1_hash: "sha1",
  sha256_hash: "sha256",
  sha3_384_hash: "skip",
} as const;

/** ThreatFox `export/csv/recent`: fully quoted, `", "` separators, header as a `#` comment. */
export const threatfoxCsv: CsvOptions = {
  value: "ioc_value",
  typeField: "ioc_type",
  typeMap: threatfoxTypes,
  firstSeen: "first_seen_utc",
  lastSeen: "last_seen_utc",
  confidence: "confidence_level",
  tags: "tags",
  tagSeparator: ",",
  context: {
    threatType: "threat_type",
    malwareFamily: "malware_printable",
    reference: "reference",
    reporter: "reporter",
    sourceId: "ioc_id",
  },
  extra: ["fk_malware", "malware_alias"],
};

/** ThreatFox `export/json/recent`: `{ "<id>": [ { ioc_value, ioc_type, … } ] }`. */
export const threatfoxJsonExport: JsonOptions = {
  path: "*",
  value: "ioc_value",
  typeField: "ioc_type",
  typeMap: threatfoxTypes,
  firstSeen: "first_seen_utc",
  lastSeen: "last_seen_utc",
  confidence: "confidence_level",
  tags: "tags",
  tagSeparator: ",",
  context: {
    threatType: "threat_type",
    malwareFamily: "malware_printable",
    reference: "reference",
    reporter: "reporter",
  },
  extra: ["malware", "malware_alias"],
};

/** ThreatFox API `POST /api/v1/ {"query":"get_iocs"}`: `{ query_status, data: [ { id, ioc, ioc_type, … } ] }`. */
export const threatfoxApi: JsonOptions = {
  path: "data",
  value: "ioc",
  typeField: "ioc_type",
  typeMap: threatfoxTypes,
  firstSeen: "first_seen",
  lastSeen: "last_seen",
  confidence: "confidence_level",
  tags: "tags",
  context: {
    threatType: "threat_type",
    malwareFamily: "malware_printable",
    reference: "reference",
    reporter: "reporter",
    sourceId: "id",
  },
  extra: ["malware", "malware_alias", "malware_malpedia"],
};

/** Feodo Tracker `ipblocklist.csv`: `first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware`. */
export const feodoCsv: CsvOptions = {
  value: "dst_ip",
  firstSeen: "first_seen_utc",
  lastSeen: "last_online",
  staticTags: ["botnet-c2"],
  context: { port: "dst_port", status: "c2_status", malwareFamily: "malware" },
};

/** Feodo Tracker `ipblocklist.json`: `[ { ip_address, port, status, hostname, as_number, as_name, country, first_seen, last_online, malware } ]`. */
export const feodoJson: JsonOptions = {
  path: "",
  value: "ip_address",
  firstSeen: "first_seen",
  lastSeen: "last_online",
  staticTags: ["botnet-c2"],
  context: { port: "port", status: "status", malwareFamily: "malware" },
  extra: ["hostname", "as_number", "as_name", "country"],
};

/** SSLBL `sslblacklist.csv`: `# Listingdate,SHA1,Listingreason`. The SHA1 is of an X.509 certificate, not a file. */
export const sslblCsv: CsvOptions = {
  value: "SHA1",
  type: "sha1",
  firstSeen: "Listingdate",
  staticTags: ["x509-certificate", "botnet-c2"],
  context: { description: "Listingreason" },
};

/** MalwareBazaar CSV export: sha256 plus md5 and sha1 of the same sample. */
export const malwarebazaarCsv: CsvOptions = {
  value: "sha256_hash",
  type: "sha256",
  alsoValues: [
    { field: "md5_hash", type: "md5" },
    { field: "sha1_hash", type: "sha1" },
  ],
  firstSeen: "first_seen_utc",
  context: { reporter: "reporter", filename: "file_name", malwareFamily: "signature" },
  extra: ["file_type_guess", "mime_type", "imphash", "tlsh"],
};

/** CISA KEV CSV: `cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,…`. */
export const kevCsv: CsvOptions = {
  value: "cveID",
  type: "cve",
  firstSeen: "dateAdded",
  staticTags: ["kev"],
  context: {
    vendor: "vendorProject",
    product: "product",
    vulnerabilityName: "vulnerabilityName",
    description: "shortDescription",
    requiredAction: "requiredAction",
    dueDate: "dueDate",
    knownRansomwareCampaignUse: "knownRansomwareCampaignUse",
  },
  extra: ["notes", "cwes"],
};

/** Zeek intel files (`#fields indicator indicator_type meta.source meta.do_notice meta.desc`), tab-separated. */
export const zeekIntel: CsvOptions = {
  delimiter: "\t",
  value: "indicator",
  typeField: "indicator_type",
  typeMap: {
    "Intel::ADDR": "auto",
    "Intel::SUBNET": "cidr",
    "Intel::URL": "url",
    "Intel::DOMAIN": "domain",
    "Intel::EMAIL": "email",
    "Intel::FILE_HASH": "auto",
    "Intel::SOFTWARE": "skip",
    "Intel::USER_NAME": "skip",
    "Intel::CERT_HASH": "skip",
  },
  context: { description: "meta.desc" },
  extra: ["meta.source"],
};

/** TweetFeed CSV (no header): `date,user,type,value,tags,tweet_url`; tags are `#`-prefixed, space-separated. */
export const tweetfeedCsv: CsvOptions = {
  header: "none",
  columns: ["date", "user", "type", "value", "tags", "tweet_url"],
  value: "value",
  typeField: "type",
  typeMap: { ip: "auto", url: "url", domain: "domain", md5: "md5", sha256: "sha256" },
  firstSeen: "date",
  tags: "tags",
  tagSeparator: " ",
  context: { reference: "tweet_url", reporter: "user" },
};
