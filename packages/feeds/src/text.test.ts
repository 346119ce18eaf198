import { describe, expect, it } from "vitest";
import { parseFixture, parseText } from "../test/support.ts";

describe("plain-text lists", () => {
  it("Spamhaus drop.txt: `;` comments and `CIDR ; SBL` notes, IPv4 and IPv6", async () => {
    const result = await parseFixture("text", "written/spamhaus_drop.txt");
    expect(result.indicators.map((indicator) => indicator.value)).toEqual([
      "192.0.2.0/24",
      "198.51.100.0/24",
      "2001:db8::/32",
    ]);
    expect(result.indicators[0]?.context.extra).toEqual({ note: "SBL000001" });
  });

  it("FireHOL netset: long `#` header, mixed IPs and CIDRs", async () => {
    const result = await parseFixture("text", "written/firehol_level1.netset", {
      text: { staticTags: ["firehol-level1"] },
    });
    expect(result.indicators.map((indicator) => `${indicator.type}:${indicator.value}`)).toEqual([
      "cidr:0.0.0.0/8",
      "cidr:192.0.2.0/24",
      "ipv4:198.51.100.7",
      "cidr:203.0.113.0/25",
    ]);
    expect(result.indicators[0]?.tags).toEqual(["firehol-level1"]);
  });

  it("OpenPhish URLs keep a `;` inside the URL", async () => {
    const result = await parseFixture("text", "written/openphish_feed.txt", { text: { type: "url" } });
    expect(result.indicators[1]?.value).toBe("http://paypa1-account.example.net/signin?session=abc;x=1");
    expect(result.rejected).toEqual([]);
  });

  it("blocklist.de and ET compromised IPs, one per line", async () => {
    const blocklist = await parseFixture("text", "written/blocklist_de_all.txt");
    expect(blocklist.indicators.map((indicator) => indicator.type)).toEqual([
      "ipv4",
      "ipv4",
      "ipv4",
      "ipv6",
      "ipv4",
    ]);
    const et = await parseFixture("text", "written/et_compromised_ips.txt", { text: { type: "ipv4" } });
    expect(et.indicators).toHaveLength(3);
  });

  it("inline notes after whitespace or `#`, and bad lines counted", async () => {
    const result = await parseText(
      "text",
      "# list\n192.0.2.1 # scanner\n192.0.2.2\tssh\nnot-an-ioc!\n\n// c\n",
    );
    expect(result.indicators.map((indicator) => indicator.context.extra?.note)).toEqual(["scanner", "ssh"]);
    expect(result.rejected).toEqual([{ line: 4, reason: expect.any(String), raw: "not-an-ioc!" }]);
  });

  it("DShield block.txt: start/netblock become a CIDR; the header row is not rejected", async () => {
    const result = await parseFixture("dshield", "written/dshield_block.txt");
    expect(result.indicators.map((indicator) => indicator.value)).toEqual([
      "192.0.2.0/24",
      "198.51.100.0/24",
    ]);
    expect(result.indicators[0]?.context.extra).toMatchObject({ attacks: "788", country: "JP" });
    expect(result.rejected).toEqual([]);
  });

  it("TorDNSEL exit-addresses: one indicator per ExitAddress with the relay fingerprint", async () => {
    const result = await parseFixture("tor-exit", "written/tor_exit_addresses.txt");
    expect(result.indicators.map((indicator) => indicator.value)).toEqual([
      "192.0.2.44",
      "198.51.100.9",
      "198.51.100.10",
    ]);
    expect(result.indicators[2]).toMatchObject({
      lastSeen: "2026-08-22T06:40:02.000Z",
      tags: ["tor-exit"],
      context: { sourceId: "0111BA9B604669E636FFD5B503F382A4B7AD6E80" },
    });
  });
});

describe("real tab- and comma-separated feeds (copied fixtures)", () => {
  it("Zeek intel (CriticalPathSecurity, MIT): `#fields` header, Intel:: types", async () => {
    const urls = await parseFixture("zeek-intel", "real/zeek-openphish.intel");
    expect(urls.indicators).toHaveLength(40);
    expect(urls.indicators.every((indicator) => indicator.type === "url")).toBe(true);
    const hashes = await parseFixture("zeek-intel", "real/zeek-abuse-ch-malware.intel");
    expect(new Set(hashes.indicators.map((indicator) => indicator.type))).toEqual(new Set(["sha1"]));
    const ips = await parseFixture("zeek-intel", "real/zeek-abuse-ch-threatfox-ip.intel");
    expect(ips.indicators[0]).toMatchObject({
      type: "ipv4",
      value: "106.54.41.209",
      context: { description: "THREATFOX" },
    });
    expect(ips.rejected).toEqual([]);
  });

  it("TweetFeed CSV (CC0): typed rows, `#` tags, tweet as reference", async () => {
    const result = await parseFixture("tweetfeed", "real/tweetfeed_today.csv");
    expect(result.indicators).toHaveLength(59);
    expect(result.rejected).toEqual([]);
    expect(result.indicators[0]).toMatchObject({
      type: "domain",
      value: "cvqgs36nhw-wtrkblpw-3i2d0e-cvq79c.pages.dev",
      tags: ["ransomware"],
      firstSeen: "2026-08-22T02:53:35.000Z",
      context: { reporter: "scanmalware" },
    });
  });
});
