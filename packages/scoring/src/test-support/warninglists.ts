/**
 * The warninglists copied into `fixtures/` (see fixtures/SOURCES.md), loaded as JSON modules so tests
 * need no file-system access. Test support only: not exported from the package.
 */
import amazonAws from "../../fixtures/warninglists/amazon-aws.json" with { type: "json" };
import automatedMalwareAnalysis from "../../fixtures/warninglists/automated-malware-analysis.json" with {
  type: "json",
};
import cloudflare from "../../fixtures/warninglists/cloudflare.json" with { type: "json" };
import commonContactEmails from "../../fixtures/warninglists/common-contact-emails.json" with {
  type: "json",
};
import emptyHashes from "../../fixtures/warninglists/empty-hashes.json" with { type: "json" };
import publicDnsV6 from "../../fixtures/warninglists/public-dns-v6.json" with { type: "json" };
import rfc1918 from "../../fixtures/warninglists/rfc1918.json" with { type: "json" };
import tranco10k from "../../fixtures/warninglists/tranco10k.json" with { type: "json" };
import urlShortener from "../../fixtures/warninglists/url-shortener.json" with { type: "json" };
import type { WarninglistSource } from "../suppression/suppression-index.ts";
import { parseWarninglist, type Warninglist } from "../suppression/warninglist.ts";

const raw: Record<string, unknown> = {
  "amazon-aws": amazonAws,
  "automated-malware-analysis": automatedMalwareAnalysis,
  cloudflare,
  "common-contact-emails": commonContactEmails,
  "empty-hashes": emptyHashes,
  "public-dns-v6": publicDnsV6,
  rfc1918,
  tranco10k,
  "url-shortener": urlShortener,
};

export function fixtureList(id: string): Warninglist {
  const parsed = parseWarninglist(raw[id]);
  if (!parsed.ok) throw new Error(`fixture ${id}: ${parsed.errors.join("; ")}`);
  return parsed.list;
}

export function fixtureWarninglists(): WarninglistSource[] {
  return Object.keys(raw).map((id) => ({ id, list: fixtureList(id) }));
}
