import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { fixtureList, fixtureWarninglists } from "../test-support/warninglists.ts";
import { resuppress, SuppressionIndex, urlHost } from "./suppression-index.ts";

const index = SuppressionIndex.build({ warninglists: fixtureWarninglists() });

function reasonsOf(type: Parameters<SuppressionIndex["match"]>[0]["type"], value: string, on = index) {
  return on.match({ type, value }).reasons.map((reason) => `${reason.kind}:${reason.listId}:${reason.entry}`);
}

/** First, last and a middle address of an IPv4 range given as "a.b.c.d/n". */
function sampleAddresses(cidr: string): string[] {
  const [address, bits] = ipaddr.parseCIDR(cidr);
  const bytes = address.toByteArray();
  const base =
    (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
  const size = 2 ** (32 - bits);
  const network = base - (base % size);
  const toText = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  return [toText(network), toText(network + Math.floor(size / 2)), toText(network + size - 1)];
}

describe("SuppressionIndex with real MISP warninglists", () => {
  const aws = fixtureList("amazon-aws");

  it("suppresses every IPv4 address range of the AWS list, at its first, middle and last address", () => {
    const ranges = aws.list.filter((entry) => !entry.includes(":"));
    expect(ranges.length).toBeGreaterThan(1000);
    for (const range of ranges) {
      for (const address of sampleAddresses(range)) {
        const result = index.match({ type: "ipv4", value: address });
        expect(result.suppressed, `${address} in ${range}`).toBe(true);
        expect(result.reasons.some((reason) => reason.listId === "amazon-aws")).toBe(true);
      }
    }
  });

  it("suppresses any address of any AWS IPv4 range (property over random ranges and offsets)", () => {
    const ranges = aws.list.filter((entry) => !entry.includes(":"));
    fc.assert(
      fc.property(
        fc.constantFrom(...ranges),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (range, position) => {
          const [address, bits] = ipaddr.parseCIDR(range);
          const bytes = address.toByteArray();
          const base =
            (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>>
            0;
          const size = 2 ** (32 - bits);
          const n = base - (base % size) + Math.min(size - 1, Math.floor(position * size));
          const value = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
          expect(
            index.match({ type: "ipv4", value }).reasons.some((reason) => reason.listId === "amazon-aws"),
          ).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("suppresses an address inside each AWS IPv6 range", () => {
    for (const range of aws.list.filter((entry) => entry.includes(":"))) {
      const [address, bits] = ipaddr.parseCIDR(range);
      const parts = (address as ipaddr.IPv6).parts.slice();
      if (bits < 128) parts[7] = (parts[7] ?? 0) | 1;
      const inside = new ipaddr.IPv6(parts).toString();
      expect(index.match({ type: "ipv6", value: inside }).suppressed, `${inside} in ${range}`).toBe(true);
    }
  });

  it("names the list as the reason", () => {
    const result = index.match({ type: "ipv4", value: "52.95.110.1" });
    expect(result.reasons).toContainEqual({
      listId: "amazon-aws",
      listName: aws.name,
      kind: "warninglist",
      entry: expect.stringMatching(/\/\d+$/),
      effect: "suppress",
    });
  });

  it("leaves a public address outside every list alone", () => {
    expect(index.match({ type: "ipv4", value: "45.33.32.156" })).toEqual({ suppressed: false, reasons: [] });
  });

  it("flags and suppresses private and reserved addresses", () => {
    expect(reasonsOf("ipv4", "192.168.1.20")).toEqual(
      expect.arrayContaining([
        "reserved:reserved:192.168.0.0/16:192.168.0.0/16",
        "warninglist:rfc1918:192.168.0.0/16",
      ]),
    );
    expect(index.match({ type: "ipv4", value: "10.1.2.3" }).suppressed).toBe(true);
    expect(index.match({ type: "ipv6", value: "fe80::1" }).reasons[0]?.listName).toBe(
      "Reserved range: link-local (RFC 4291)",
    );
    expect(index.match({ type: "url", value: "http://127.0.0.1:8080/admin" }).suppressed).toBe(true);
    const noReserved = SuppressionIndex.build({ reservedRanges: false });
    expect(noReserved.match({ type: "ipv4", value: "10.1.2.3" }).suppressed).toBe(false);
  });

  it("suppresses a CIDR indicator contained in a listed range, not one that contains it", () => {
    expect(index.match({ type: "cidr", value: "10.20.0.0/16" }).suppressed).toBe(true);
    expect(index.match({ type: "cidr", value: "10.0.0.0/7" }).suppressed).toBe(false);
  });

  it("suppresses github.com, its subdomains and URLs on it from a hostname list", () => {
    for (const [type, value] of [
      ["domain", "github.com"],
      ["domain", "www.github.com"],
      ["url", "https://github.com/x"],
      ["url", "https://user@WWW.GitHub.com:443/x?y#z"],
    ] as const) {
      expect(reasonsOf(type, value), value).toContain("warninglist:tranco10k:github.com");
    }
    expect(index.match({ type: "domain", value: "notgithub.com" }).suppressed).toBe(false);
  });

  it("does not let a public-suffix entry (github.io) suppress its unrelated subdomains", () => {
    expect(index.match({ type: "domain", value: "github.io" }).suppressed).toBe(true);
    expect(index.match({ type: "domain", value: "evil-phish.github.io" }).suppressed).toBe(false);
  });

  it("matches hashes exactly, and only for hash types", () => {
    const emptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    expect(reasonsOf("sha256", emptySha256)).toEqual([`warninglist:empty-hashes:${emptySha256}`]);
    expect(reasonsOf("sha256", emptySha256.toUpperCase())).toHaveLength(1);
    expect(index.match({ type: "sha256", value: `${emptySha256.slice(0, -1)}0` }).suppressed).toBe(false);
    expect(index.match({ type: "domain", value: emptySha256 }).suppressed).toBe(false);
  });

  it("respects matching_attributes: a domain list does not touch emails, an IP list not hashes", () => {
    expect(index.match({ type: "email", value: "alice@github.com" }).suppressed).toBe(false);
    expect(index.match({ type: "md5", value: "52.95.110.1" }).suppressed).toBe(false);
  });

  it("runs substring lists (Aho–Corasick) and regex lists on their attribute types", () => {
    expect(reasonsOf("url", "https://app.any.run/tasks/1234")).toContain(
      "warninglist:automated-malware-analysis:app.any.run",
    );
    expect(reasonsOf("email", "abuse@example.org")).toEqual([
      "warninglist:common-contact-emails:/^(security|noc|soc|abuse)\\@.*\\..*$/i",
    ]);
    expect(index.match({ type: "email", value: "mallory@example.org" }).suppressed).toBe(false);
  });

  it("reports informational lists (URL shorteners) without suppressing", () => {
    const result = index.match({ type: "url", value: "https://2ly.link/AbCd" });
    expect(result.suppressed).toBe(false);
    expect(result.reasons).toEqual([expect.objectContaining({ listId: "url-shortener", effect: "flag" })]);
    // A host on both a benign list and an informational one is suppressed, with both reasons shown.
    const both = index.match({ type: "domain", value: "bit.ly" });
    expect(both.suppressed).toBe(true);
    expect(both.reasons.map((reason) => reason.effect).sort()).toEqual(["flag", "suppress"]);
  });

  it("indexes every entry of the fixture lists", () => {
    expect(index.rejected).toEqual([]);
  });
});

describe("tenant allowlist", () => {
  const tenant = index.withAllowlist([
    { id: "alw_1", value: "client-corp.com", note: "corporate domains" },
    { id: "alw_2", value: "203.0.113.0/24" },
    { id: "alw_3", value: "81.2.69.0/24" },
    { id: "alw_4", value: "clientbrand", type: "substring" },
    { id: "alw_5", value: "^mailer-\\d+@partner\\.example$", type: "regex" },
  ]);

  it("suppresses the client's domains, subdomains, URL hosts and e-mail domains", () => {
    for (const [type, value] of [
      ["domain", "client-corp.com"],
      ["domain", "vpn.eu.client-corp.com"],
      ["url", "https://portal.client-corp.com/login"],
      ["email", "ceo@client-corp.com"],
    ] as const) {
      const result = tenant.match({ type, value });
      expect(result.suppressed, value).toBe(true);
      expect(result.reasons[0]).toEqual({
        listId: "alw_1",
        listName: "Tenant allowlist: corporate domains",
        kind: "allowlist",
        entry: "client-corp.com",
        effect: "suppress",
      });
    }
  });

  it("suppresses the client's IP ranges, brands and regex entries", () => {
    expect(tenant.match({ type: "ipv4", value: "81.2.69.142" }).reasons[0]?.listId).toBe("alw_3");
    expect(tenant.match({ type: "domain", value: "login-clientbrand-secure.net" }).reasons[0]?.listId).toBe(
      "alw_4",
    );
    expect(tenant.match({ type: "email", value: "mailer-12@partner.example" }).reasons[0]?.listId).toBe(
      "alw_5",
    );
  });

  it("keeps tenants apart: another tenant's allowlist does not apply", () => {
    const other = index.withAllowlist([{ id: "alw_9", value: "other.example" }]);
    expect(other.match({ type: "domain", value: "client-corp.com" }).suppressed).toBe(false);
    expect(index.match({ type: "domain", value: "client-corp.com" }).suppressed).toBe(false);
  });

  it("applies an entry only to the types it names", () => {
    const scoped = index.withAllowlist([{ id: "alw_e", value: "partner.example", appliesTo: ["email"] }]);
    expect(scoped.match({ type: "email", value: "a@partner.example" }).suppressed).toBe(true);
    expect(scoped.match({ type: "domain", value: "partner.example" }).suppressed).toBe(false);
  });

  it("matches an address in a substring list exactly for IP indicators", () => {
    const withIp = SuppressionIndex.build({
      reservedRanges: false,
      warninglists: [
        {
          id: "sim",
          list: {
            name: "Simulator",
            description: "",
            version: 1,
            type: "substring",
            matching_attributes: ["ip-dst", "domain"],
            list: ["52.168.52.134", "phish-sim"],
          },
        },
      ],
    });
    expect(withIp.match({ type: "ipv4", value: "52.168.52.134" }).suppressed).toBe(true);
    expect(withIp.match({ type: "ipv4", value: "152.168.52.134" }).suppressed).toBe(false);
    expect(withIp.match({ type: "domain", value: "login.phish-sim.example" }).suppressed).toBe(true);
  });

  it("runs each substring pattern only on the indicator types its list names", () => {
    const list = (id: string, attributes: string[], entries: string[]) => ({
      id,
      list: {
        name: id,
        description: "",
        version: 1,
        type: "substring" as const,
        matching_attributes: attributes,
        list: entries,
      },
    });
    // Many e-mail-only patterns and a few URL ones: URLs get an automaton of their own.
    const emailOnly = Array.from({ length: 40 }, (_, i) => `mailer${i}`);
    const typed = SuppressionIndex.build({
      reservedRanges: false,
      warninglists: [list("mail", ["email-src"], emailOnly), list("sandbox", ["url"], ["sandbox-run"])],
    });
    expect(typed.match({ type: "email", value: "x@mailer7.example" }).suppressed).toBe(true);
    expect(typed.match({ type: "url", value: "https://mailer7.example/a" }).suppressed).toBe(false);
    expect(typed.match({ type: "url", value: "https://sandbox-run.example/a" }).suppressed).toBe(true);
    expect(typed.match({ type: "email", value: "x@sandbox-run.example" }).suppressed).toBe(false);
  });

  it("finds the same URL host on the canonical fast path as on the general one", () => {
    const hosted = index.withAllowlist([{ id: "alw_h", value: "corp-host.example" }]);
    for (const url of [
      "https://www.corp-host.example/x",
      "http://corp-host.example",
      "https://user@www.corp-host.example:8443/x",
      "HTTPS://WWW.CORP-HOST.EXAMPLE./x",
      "ftp://files.corp-host.example/x",
    ]) {
      expect(hosted.match({ type: "url", value: url }).suppressed, url).toBe(true);
    }
    expect(hosted.match({ type: "url", value: "https://corp-host.example.evil.net/" }).suppressed).toBe(
      false,
    );
  });

  it("refuses unsafe regex entries and says why", () => {
    const risky = index.withAllowlist([{ id: "alw_x", value: "(a+)+$", type: "regex" }]);
    expect(risky.rejected).toEqual([
      { listId: "alw_x", entry: "(a+)+$", reason: expect.stringContaining("nested quantifier") },
    ]);
  });
});

describe("resuppress", () => {
  const stored = [
    { id: "ind_1", type: "domain" as const, value: "login.client-corp.com", suppressed: false },
    { id: "ind_2", type: "ipv4" as const, value: "81.2.69.142", suppressed: false },
    { id: "ind_3", type: "domain" as const, value: "evil.example", suppressed: false },
  ];

  it("suppresses already-stored indicators when an allowlist entry is added, and restores them when removed", () => {
    const withEntry = index.withAllowlist([{ id: "alw_1", value: "client-corp.com" }]);
    const added = resuppress(stored, withEntry);
    expect(added).toEqual([
      {
        id: "ind_1",
        suppressed: true,
        reasons: [expect.objectContaining({ kind: "allowlist", entry: "client-corp.com" })],
      },
    ]);

    const afterAdd = stored.map((row) => ({
      ...row,
      suppressed: added.find((change) => change.id === row.id)?.suppressed ?? row.suppressed,
    }));
    const removed = resuppress(afterAdd, index.withAllowlist([]));
    expect(removed).toEqual([{ id: "ind_1", suppressed: false, reasons: [] }]);
  });
});

describe("urlHost", () => {
  it("extracts the host without userinfo, port or brackets", () => {
    expect(urlHost("https://user:pw@Example.COM:8443/a?b#c")).toBe("example.com");
    expect(urlHost("http://[2001:db8::1]:80/")).toBe("2001:db8::1");
    expect(urlHost("example.com/path")).toBe("example.com");
    expect(urlHost("http:///nohost")).toBeUndefined();
  });
});
