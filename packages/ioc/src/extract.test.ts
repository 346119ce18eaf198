import { describe, expect, it } from "vitest";
import { extract } from "./extract.ts";
import { extractGrouped } from "./index.ts";
import { groupedFromFindings } from "./testing/grouped-findings.ts";

describe("extract: what is found", () => {
  it("finds defanged indicators with their hosts and canonical forms", () => {
    const text =
      "C2: hxxps://Evil[.]COM:443/gate.php?id=1, backup 162.252.172[.]54 and mail admin[@]evil[.]com.";
    expect(extractGrouped(text)).toEqual({
      ipv4: ["162.252.172.54"],
      domain: ["evil.com"],
      url: ["https://evil.com/gate.php?id=1"],
      email: ["admin@evil.com"],
    });
  });

  it("reports where each finding is written, as written", () => {
    const text = "see evil[.]com and 1.2.3.4";
    const findings = extract(text);
    expect(findings).toEqual([
      { type: "domain", value: "evil.com", offset: 4, length: 10 },
      { type: "ipv4", value: "1.2.3.4", offset: 19, length: 7 },
    ]);
    for (const finding of findings)
      expect(text.slice(finding.offset, finding.offset + finding.length)).not.toContain(" ");
  });

  it("reports a defanged URL, its host and the hash in its path where they are written", () => {
    const hash = "d41d8cd98f00b204e9800998ecf8427e";
    const text = `get hXXps[://]cdn(.)Evil[.]com/x/${hash}.bin, then`;
    expect(extract(text)).toEqual([
      { type: "url", value: `https://cdn.evil.com/x/${hash}.bin`, offset: 4, length: 65 },
      { type: "domain", value: "cdn.evil.com", offset: 14, length: 16, derivedFrom: "url" },
      { type: "md5", value: hash, offset: 33, length: 32 },
    ]);
  });

  it("marks a URL's host and an email's domain as derived", () => {
    const findings = extract("http://a.example.org/x bob@b.example.net");
    expect(findings.filter((finding) => finding.derivedFrom !== undefined)).toEqual([
      { type: "domain", value: "a.example.org", offset: 7, length: 13, derivedFrom: "url" },
      { type: "domain", value: "b.example.net", offset: 27, length: 13, derivedFrom: "email" },
    ]);
  });

  it("filters by type", () => {
    expect(extract("http://evil.com/ 8.8.8.8", { types: ["ipv4"] }).map((finding) => finding.value)).toEqual([
      "8.8.8.8",
    ]);
  });

  it.each([
    ["trailing comma", "visit https://evil.com/a/b, then", "https://evil.com/a/b"],
    ["trailing period", "at https://evil.com/x.", "https://evil.com/x"],
    ["enclosing parentheses", "(https://evil.com/path)", "https://evil.com/path"],
    [
      "balanced parentheses kept",
      "https://en.wikipedia.org/wiki/Foo_(bar)",
      "https://en.wikipedia.org/wiki/Foo_(bar)",
    ],
    ["quoted in HTML", '<a href="http://evil.com/x">', "http://evil.com/x"],
    ["Markdown link", "[here](http://evil.com/a)", "http://evil.com/a"],
    ["JSON", '{"url":"hxxp://evil[.]com/p"}', "http://evil.com/p"],
    ["IPv6 host", "http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x"],
    ["glued prefix", "url:http://evil.com/", "http://evil.com/"],
  ])("cuts URLs cleanly: %s", (_name, text, url) => {
    expect(extractGrouped(text).url).toEqual([url]);
  });

  it("reports URLs nested in a URL's query, two deep", () => {
    expect(
      extractGrouped("go https://r.example.com/?u=http://a.example.org/?next=https://b.example.net/x").url,
    ).toEqual([
      "http://a.example.org/?next=https://b.example.net/x",
      "https://b.example.net/x",
      "https://r.example.com/?u=http://a.example.org/?next=https://b.example.net/x",
    ]);
  });

  it("stops reporting nested URLs once their characters reach twice the token's length", () => {
    // Every nested URL runs to the token's end: 40 of them would be ~10x the token's characters.
    const token = "http://a.com/?u=".repeat(40);
    const urls = extractGrouped(token).url ?? [];
    expect(urls).toContain(token);
    const nestedCharacters = urls.filter((url) => url !== token).reduce((sum, url) => sum + url.length, 0);
    expect(nestedCharacters).toBeGreaterThan(token.length);
    expect(nestedCharacters).toBeLessThanOrEqual(2 * token.length);
  });

  it("drops a run of closing brackets the URL did not open", () => {
    expect(extractGrouped(`(see http://evil.com/a_(b)${")".repeat(50)}`).url).toEqual([
      "http://evil.com/a_(b)",
    ]);
  });

  it("finds IPv4 with ports, in ranges and in CSV, and CIDRs as their network", () => {
    expect(extractGrouped("1.2.3.4:8080,5.6.7.8;10.0.0.1-10.0.0.9 192.168.1.77/24")).toEqual({
      ipv4: ["1.2.3.4", "10.0.0.1", "10.0.0.9", "5.6.7.8"],
      cidr: ["192.168.1.0/24"],
    });
  });

  it("finds IPv6 in RFC 5952 form, bracketed or bare", () => {
    expect(
      extractGrouped("[FDC4:2581:575B:5A72:0000:0000:0000:0001]:80 and fe80::1ff:fe23:4567:890a.").ipv6,
    ).toEqual(["fdc4:2581:575b:5a72::1", "fe80::1ff:fe23:4567:890a"]);
  });

  it("finds hashes, CVEs and ASNs", () => {
    const md5 = "68b329da9893e34099c7d8ad5cb9c940";
    const sha1 = "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc";
    const text = `MD5=${md5.toUpperCase()} sha1:${sha1} (CVE-2021-44228) AS13335 ${md5}.bin`;
    expect(extractGrouped(text)).toEqual({
      md5: [md5],
      sha1: [sha1],
      cve: ["CVE-2021-44228"],
      asn: ["AS13335"],
    });
  });

  it("finds CVEs, ASNs and hashes among the segments of paths, after stripped leading punctuation", () => {
    const text =
      "C:\\Users\\bob\\CVE-2021-44228\\AS15169\\x.exe and /files/-CVE-2020-0601/_AS3356/" +
      "d41d8cd98f00b204e9800998ecf8427e/ok https://a.example.com/cve-2019-0708/AS13335/ab";
    expect(extractGrouped(text)).toEqual({
      domain: ["a.example.com"],
      url: ["https://a.example.com/cve-2019-0708/AS13335/ab"],
      md5: ["d41d8cd98f00b204e9800998ecf8427e"],
      cve: ["CVE-2019-0708", "CVE-2020-0601", "CVE-2021-44228"],
      asn: ["AS13335", "AS15169", "AS3356"],
    });
  });

  it("finds an address or an IP after the last @ of a piece whose end is no TLD", () => {
    const text = "user@1.2.3.4 z@@10.0.0.1 k@+1.2.3.5 p@x.y:1.2.3.6 a.b@AS123 m@d4.e5 u@ab.c_d.1";
    expect(extractGrouped(text)).toEqual({
      ipv4: ["1.2.3.4", "1.2.3.5", "1.2.3.6", "10.0.0.1"],
      asn: ["AS123"],
    });
  });

  it("reads a bare hex token as a hash of its length: lower-cased, never all letters or 0x-prefixed", () => {
    const sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const text = [
      sha256.toUpperCase(),
      "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd",
      `0x${"68b329da9893e34099c7d8ad5cb9c940"}`,
      `${sha256.slice(0, 63)}g`,
      `${sha256}0`,
      "68B329DA9893E34099C7D8AD5CB9C940",
    ].join("\n");
    expect(extractGrouped(text)).toEqual({
      md5: ["68b329da9893e34099c7d8ad5cb9c940"],
      sha256: [sha256],
    });
    expect(extract(sha256.toUpperCase()).map(({ offset, length }) => [offset, length])).toEqual([[0, 64]]);
  });

  it("joins spaced bracket markers however they are spaced, and leaves brackets that open prose alone", () => {
    const text =
      "evil ( dot ) com, bob { at } mail [.] org, x [ . ] net, y < . > io and see (the) report [2] at (1.2.3.4)";
    expect(extractGrouped(text)).toEqual({
      ipv4: ["1.2.3.4"],
      domain: ["evil.com", "mail.org", "x.net", "y.io"],
      email: ["bob@mail.org"],
    });
  });

  it("finds spaced defanging", () => {
    expect(extractGrouped("bob [at] evil [.] com and 2.2.2 . 2")).toEqual({
      ipv4: ["2.2.2.2"],
      domain: ["evil.com"],
      email: ["bob@evil.com"],
    });
  });

  it("finds IDN domains as punycode", () => {
    expect(extractGrouped("visit bücher.de and http://テスト.example.com/").domain).toEqual([
      "xn--bcher-kva.de",
      "xn--zckzah.example.com",
    ]);
  });
});

describe("extract: URLhaus-style URLs", () => {
  it("keeps a file name's closing bracket before its defanged extension", () => {
    const text =
      '"Formbook,rev-base64-loader",http[:]//216[.]9[.]224[.]48/xz/bin%20(2)upload%20(1)[.]txt,offline\n' +
      '"PhantomStealer",https[:]//my-buck01[.]s3[.]cubbit[.]eu/A/silv-rawfileupload%20(2)[.]txt,offline';
    expect(extractGrouped(text).url).toEqual([
      "http://216.9.224.48/xz/bin%20(2)upload%20(1).txt",
      "https://my-buck01.s3.cubbit.eu/A/silv-rawfileupload%20(2).txt",
    ]);
  });
});

describe("extract: bare word markers and a URL's path (issue #3)", () => {
  it("keeps `AT`, `DOT` and `-dot-` in a URL's path, query and fragment as written", () => {
    expect(extractGrouped("see https://example.com/sAsvpDjipATdFg9SV2/x.php now").url).toEqual([
      "https://example.com/sAsvpDjipATdFg9SV2/x.php",
    ]);
    expect(extractGrouped("hxxps://evil[.]com/abcDOTdef/xATy")).toEqual({
      domain: ["evil.com"],
      url: ["https://evil.com/abcDOTdef/xATy"],
    });
    expect(extractGrouped("hxxp://evilDOTcom/pathATx")).toEqual({
      domain: ["evil.com"],
      url: ["http://evil.com/pathATx"],
    });
    expect(extractGrouped("hxxp://evil-dot-com/a-dot-b?cATd=1#eDOTf").url).toEqual([
      "http://evil.com/a-dot-b?cATd=1#eDOTf",
    ]);
    expect(extractGrouped("https://x.com/wiki/Ghost_(Pet)Shop*").url).toEqual([
      "https://x.com/wiki/Ghost_(Pet)Shop",
    ]);
  });

  it("still refangs them in a URL's authority, in a URL nested in a path, and outside URLs", () => {
    expect(extractGrouped("hxxp://userATevilDOTcom/aATb").url).toEqual(["http://user@evil.com/aATb"]);
    expect(extractGrouped("https://a.com/r?u=hxxp://evilDOTcom/xATy").url).toEqual([
      "http://evil.com/xATy",
      "https://a.com/r?u=http://evil.com/xATy",
    ]);
    expect(extractGrouped("(userATexampleDOTcom) and userATexample.com")).toEqual({
      domain: ["example.com"],
      email: ["user@example.com"],
    });
    expect(extractGrouped("hxxp://evil[.]com/x,bobATevilDOTcom")).toEqual({
      domain: ["evil.com"],
      url: ["http://evil.com/x"],
      email: ["bob@evil.com"],
    });
    expect(extractGrouped("bob AT example DOT com")).toEqual({
      domain: ["example.com"],
      email: ["bob@example.com"],
    });
  });

  it("still refangs bracketed markers in a URL's path", () => {
    expect(extractGrouped("evil[.]com/gate[.]php hxxp://evil[.]com/gate[.]php")).toEqual({
      domain: ["evil.com"],
      url: ["http://evil.com/gate.php"],
    });
    expect(extractGrouped("hxxp://evil[.]com/a(dot)b[/]c")).toEqual({
      domain: ["evil.com"],
      url: ["http://evil.com/a.b/c"],
    });
  });
});

describe("extract: repeated tokens", () => {
  it("reports every occurrence of a repeated token at its own offset", () => {
    const token = "hxxp://evil[.]com/a";
    const text = `${token} x ${token}\n${token}.`;
    const findings = extract(text);
    const urls = findings.filter((finding) => finding.type === "url");
    expect(urls.map((finding) => finding.offset)).toEqual([0, 22, 42]);
    for (const finding of findings) {
      const written = text.slice(finding.offset, finding.offset + finding.length);
      expect(written.replace("hxxp", "http").replace("[.]", ".")).toContain(
        finding.type === "url" ? "http://evil.com/a" : "evil.com",
      );
    }
    expect(findings).toHaveLength(6);
  });

  it("tells apart tokens of the same length that differ in one character", () => {
    const text = Array.from({ length: 200 }, (_, k) => `10.0.${k % 50}.${k % 7} evil${k % 3}[.]com`).join(
      " ",
    );
    const grouped = extractGrouped(text);
    expect(grouped.domain).toEqual(["evil0.com", "evil1.com", "evil2.com"]);
    expect(grouped.ipv4).toHaveLength(
      new Set(Array.from({ length: 200 }, (_, k) => `${k % 50}.${k % 7}`)).size,
    );
    expect(extract(text).filter((finding) => finding.type === "ipv4")).toHaveLength(200);
  });
});

describe("extract: refanged tokens one after another", () => {
  it("maps each refanged token's findings through its own position map", () => {
    const text =
      "a hxxp://x[.]com/p b[.]bc evil(.)org 1[.]2.3[.]4 see http//c[.]net/q and Evil[.]COM, shop.example.co.za";
    expect(extract(text)).toEqual([
      { type: "url", value: "http://x.com/p", offset: 2, length: 16 },
      { type: "domain", value: "x.com", offset: 9, length: 7, derivedFrom: "url" },
      { type: "domain", value: "evil.org", offset: 26, length: 10 },
      { type: "ipv4", value: "1.2.3.4", offset: 37, length: 11 },
      // No colon as written: the full pattern adds it (`http//`), so the token is still read as a URL.
      { type: "url", value: "http://c.net/q", offset: 53, length: 15 },
      { type: "domain", value: "c.net", offset: 59, length: 7, derivedFrom: "url" },
      { type: "domain", value: "evil.com", offset: 73, length: 10 },
      { type: "domain", value: "shop.example.co.za", offset: 85, length: 18 },
    ]);
  });

  it("refangs `xx` and `fx` inside a word as text, and `xxxx`, `fxp`, `sfxp` at a word's start as schemes", () => {
    // `xx`/`fx` inside a word (`pxxn`, `dyxx=`, `wfxgq`) start no marker; at a word's start they send the
    // token to the full pattern, which reads the scheme. Values and offsets are the same either way.
    const text =
      "hxxps://cdn.swayb[.]com/pxxnmie14.zip?dyxx=1&wfxgq=2 (xxxx://evil[.]com/a) sfxp://files[.]example[.]org/x taxx[.]example[.]com";
    expect(extract(text)).toEqual([
      { type: "url", value: "https://cdn.swayb.com/pxxnmie14.zip?dyxx=1&wfxgq=2", offset: 0, length: 52 },
      { type: "domain", value: "cdn.swayb.com", offset: 8, length: 15, derivedFrom: "url" },
      { type: "url", value: "http://evil.com/a", offset: 54, length: 19 },
      { type: "domain", value: "evil.com", offset: 61, length: 10, derivedFrom: "url" },
      { type: "url", value: "sftp://files.example.org/x", offset: 75, length: 30 },
      { type: "domain", value: "files.example.org", offset: 82, length: 21, derivedFrom: "url" },
      { type: "domain", value: "taxx.example.com", offset: 106, length: 20 },
    ]);
    expect(extractGrouped("XXXXS://evil[.]com/a see fxp://files[.]example[.]org/x").url).toEqual([
      "ftp://files.example.org/x",
      "https://evil.com/a",
    ]);
  });

  it("reads a token the same whether or not a word in it holds `fx` or `xx`", () => {
    // Such a word once sent the whole token to the full pattern, whose loose-dot rule read `).` as a marker:
    // `binupload(5).txt` became `binupload(5.txt` in this URL only (tweetfeed), not in `abc.supabase.co`'s.
    for (const host of ["abc.supabase.co", "wtfjwffxhjylazbkjfbf.supabase.co"]) {
      const url = `http://${host}/storage/v1/object/public/Kingmen/binupload(5).txt`;
      expect(extractGrouped(`see ${url} now`).url).toEqual([url]);
    }
    expect(extractGrouped("http://abcd.com/a.\\com http://affx.com/a.\\com").url).toEqual([
      "http://abcd.com/a",
      "http://affx.com/a",
    ]);
  });

  it("reads a two-label name's TLD in any case; a second-level-only ccTLD needs three labels", () => {
    expect(extractGrouped("EVIL.COM FILE.EXE a[.]bc A[.]BC x[.]y[.]bc co.za shop.example.co.za")).toEqual({
      domain: ["evil.com", "shop.example.co.za"],
    });
  });
});

describe("extract: what is not found", () => {
  it.each([
    ["version strings", "upgrade to 1.2.3.4.5 or v2.0.1.7 and 10.0.19041.1"],
    ["dates", "on 2023.01.02 and 02.01.2023 at 12:30:45"],
    ["OIDs", "OID 1.3.6.1.4.1.311.60.2.1.3"],
    ["file names with non-TLD extensions", "opened invoice.pdf, setup.exe and report.docx"],
    ["file names with TLD-like extensions", "dropped payload.zip, install.sh and readme.md"],
    ["code identifiers", "calls System.IO.File and WScript.Shell via document.getElementById"],
    ["hex runs of the wrong length", `${"a1".repeat(17)} ${"b2".repeat(25)}`],
    ["hashes cut out of longer hex runs", `${"f".repeat(10)}68b329da9893e34099c7d8ad5cb9c940`],
    ["0x-prefixed values", "0x32be343b94f860124dc4fee278fdcbd38c102d88"],
    ["all-letter runs", "abcdefabcdefabcdefabcdefabcdefab"],
    ["hosts without a real TLD", "example.nope http://intranet/ a@b"],
    ["times and MAC addresses", "01:23:45:67:89:ab 10:15"],
  ])("%s", (_name, text) => {
    expect(extractGrouped(text)).toEqual({});
  });

  it("rules out one-dot names under no known TLD, one-dot path segments and short colon pairs, and only those", () => {
    // Each line holds pieces that end before classification next to the nearest ones that must still be found.
    expect(
      extractGrouped("see a.bc, setup.exe, evil.com, evil[.]com, x.co., -evil.org_ and tést.com"),
    ).toEqual({
      domain: ["evil.com", "evil.org", "x.co", "xn--tst-bma.com"],
    });
    expect(extractGrouped("http://x.com/a/b.com/c.zz?u=d.org")).toEqual({
      domain: ["x.com"],
      url: ["http://x.com/a/b.com/c.zz?u=d.org"],
    });
    expect(extractGrouped("at 12:30, cd:ef and ab:c, abc:de or C:12 then fe80::1 and a::b")).toEqual({
      ipv6: ["a::b", "fe80::1"],
    });
  });

  it("still reports a TLD-like file name when it was defanged", () => {
    expect(extractGrouped("evil[.]zip").domain).toEqual(["evil.zip"]);
  });

  it("reads a loose bracket run around a dot as the full pattern does, whatever else the token holds", () => {
    // `*` sends a token to the full pattern, whose loose-dot rule does not count `]].]]` as defanging; the fast
    // path once did, so `setup]].]]zip` skipped the file-name check and `setup]].]]zip*` did not.
    for (const text of ["setup]].]]zip", "setup[[.]]zip", "setup]\\.zip", "setup].\\zip", "Foo]].]]Bar"]) {
      expect(extractGrouped(text)).toEqual({});
      expect(extractGrouped(`${text}*`)).toEqual({});
    }
    for (const text of ["setup[.]zip", "setup(.)zip", "setup].[zip", "setup\\.zip"]) {
      expect(extractGrouped(text).domain).toEqual(["setup.zip"]);
      expect(extractGrouped(`${text}*`).domain).toEqual(["setup.zip"]);
    }
    expect(extractGrouped("evil]].]]com 10[[[[.]]]]10[[[.]]10[.10")).toEqual({
      domain: ["evil.com"],
      ipv4: ["10.10.10.10"],
    });
  });
});

describe("extract: the collector skips values it already holds", () => {
  it.each([
    [
      "a URL again, then what follows it in the token",
      "http://a.com/b.com]one.org and http://a.com/b.com]two.org",
    ],
    [
      "a URL again with a URL nested in its query",
      "http://a.com/?u=http://b.com/x and http://a.com/?u=http://b.com/x.",
    ],
    ["a URL again after its canonical form", "HTTP://A.com:80/x then http://a.com/x then http://a.com/x"],
    ["a file-like name after it was defanged, and before", "setup[.]zip, setup.zip; run.sh then run[.]sh"],
    [
      "a code-like name after its lower-case form, and before",
      "system.net then System.Net; Document.Com, document.com",
    ],
  ])("%s", (_name, text) => {
    expect(extractGrouped(text)).toEqual(groupedFromFindings(text));
  });

  it("still reads what follows a URL it held", () => {
    expect(extractGrouped("http://a.com/b.com]one.org and http://a.com/b.com]two.org")).toEqual({
      domain: ["a.com", "one.org", "two.org"],
      url: ["http://a.com/b.com"],
    });
  });
});
