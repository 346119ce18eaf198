import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  defang,
  originalOffset,
  refang,
  refangedTokenMayAddColon,
  refangRange,
  refangToken,
  refangWithOrigin,
} from "./refang.ts";

const fixtures = join(import.meta.dirname, "..", "fixtures");

interface PairCase {
  function: "fang" | "defang";
  input: string;
  expected: string;
}

const fangerPairs = (
  JSON.parse(readFileSync(join(fixtures, "ioc_fanger_pairs.json"), "utf8")) as { cases: PairCase[] }
).cases;

/**
 * ioc-fanger cases we deliberately do not follow: it rewrites Markdown and parentheses around URLs
 * (changing text that is not a marker) and defangs `@` as `(at)` where we use `[@]`.
 */
const fangerDivergences = new Set([
  "httptest@test.com",
  "code to (https://www.linkedin.com/feed/hashtag/?keywords=%23IOCs)<https://example.in/foo>",
  "In the UI: https://help.passivetotal.org/tags_&_classifications.html (https://help.passivetotal.org/tags_&_classifications.html)",
  "[https://i.imgur.com/abc.png](https://i.imgur.com/abc.png)",
]);

describe("refang", () => {
  it.each(fangerPairs.filter((pair) => pair.function === "fang" && !fangerDivergences.has(pair.input)))(
    "matches ioc-fanger on $input",
    ({ input, expected }) => {
      expect(refang(input)).toBe(expected);
    },
  );

  it("keeps the known ioc-fanger divergences few", () => {
    expect(fangerDivergences.size).toBeLessThanOrEqual(4);
    expect(fangerPairs.length).toBe(190);
  });

  const ninosekiRefang = (
    JSON.parse(readFileSync(join(fixtures, "ninoseki_ioc_extractor_cases.json"), "utf8")) as {
      cases: Array<{ function: string; input: string; expected: string }>;
    }
  ).cases.filter((entry) => entry.function === "refang" && entry.input !== "1.)1[.1.)1");

  it.each(ninosekiRefang)("matches ioc-extractor on $input", ({ input, expected }) => {
    expect(refang(input)).toBe(expected);
  });

  it("leaves one-sided brackets alone in free text (ioc-fanger semantics, unlike ioc-extractor's 1.)1[.1)", () => {
    expect(refang("foo[.com a. [b")).toBe("foo[.com a. [b");
  });

  it("refangs the 1,017-line ioc-fanger sample byte for byte", () => {
    const defanged = readFileSync(join(fixtures, "sample_text_defanged.txt"), "utf8");
    const fanged = readFileSync(join(fixtures, "sample_text_fanged.txt"), "utf8");
    expect(refang(defanged)).toBe(fanged);
  });

  it("does not turn upper-case words or prose into markers", () => {
    const prose = "LOOK AT THE CATALOG, polka dot at home; WWW.MDOT.EXAMPLE.VIP stays.";
    expect(refang(prose)).toBe(prose);
  });
});

describe("refang: bare word markers and a URL's path (issue #3)", () => {
  it("keeps `AT`, `DOT`, `-dot-` and `DOT]` in a URL's path as written, and refangs them everywhere else", () => {
    expect(refang("https://example.com/sAsvpDjipATdFg9SV2/x.php")).toBe(
      "https://example.com/sAsvpDjipATdFg9SV2/x.php",
    );
    expect(refang("hxxps://evil[.]com/abcDOTdef/xATy")).toBe("https://evil.com/abcDOTdef/xATy");
    expect(refang("hxxp://userATevilDOTcom/a-dot-b?cATd#eDOT]f gate AT night")).toBe(
      "http://user@evil.com/a-dot-b?cATd#eDOT]f gate@night",
    );
    expect(refang("hxxp://evil[.]com/gate AT night")).toBe("http://evil.com/gate AT night");
    expect(refang("https://a.com/r?u=hxxp://evilDOTcom/xATy")).toBe("https://a.com/r?u=http://evil.com/xATy");
    expect(refang("evilDOTcom/pathATx userATexampleDOTcom")).toBe("evil.com/path@x user@example.com");
    expect(refang("hxxp://evil[.]com/gate[.]php(dot)x[/]y")).toBe("http://evil.com/gate.php.x/y");
    expect(refangWithOrigin("https://example.com/sAsvpDjipATdFg9SV2/x.php")).toEqual({
      text: "https://example.com/sAsvpDjipATdFg9SV2/x.php",
      edits: null,
      defanged: false,
    });
  });

  it("agrees on every token of up to five pieces: fast path, full pattern, free-text refang and the rule", () => {
    // The rule, written independently of the state machine: a bare word is left as written when the text before
    // it, once refanged, is inside the path, query or fragment of the URL after the last `://`.
    const ends = /[\s,"'<>{}|\\`^]/;
    const inPath = (before: string): boolean => {
      const separator = before.lastIndexOf("://");
      if (separator < 0) return false;
      const rest = before.slice(separator + 3);
      const pathStart = rest.search(/[/?#]/);
      if (pathStart < 0) return false;
      return !ends.test(rest) && !/[[\]]/.test(rest.slice(pathStart));
    };
    const words: Record<string, string> = { AT: "@", DOT: ".", "-dot-": "." };
    const isWordCharacter = (c: string | undefined): boolean => c !== undefined && /[a-z0-9]/.test(c);
    const pieces = ["a", "AT", "DOT", "-dot-", "://", "/", "?", ",", "[.]"];
    const failures: string[] = [];
    const check = (list: string[]): void => {
      const token = list.join("");
      let expected = "";
      for (let k = 0; k < list.length; k++) {
        const piece = list[k] ?? "";
        const word = words[piece];
        const marker =
          word !== undefined &&
          isWordCharacter(list[k - 1]?.at(-1)) &&
          isWordCharacter(list[k + 1]?.[0]) &&
          !inPath(expected);
        expected += piece === "[.]" ? "." : marker ? word : piece;
      }
      const fast = refangRange(token, 0, token.length);
      const full = refangRange(`${token}*`, 0, token.length + 1);
      const fastText = fast?.text ?? token;
      if (
        fastText !== expected ||
        `${fastText}*` !== (full?.text ?? `${token}*`) ||
        (fast?.defanged ?? false) !== (full?.defanged ?? false) ||
        (fast === null) !== (expected === token) ||
        refang(token) !== expected
      ) {
        failures.push(token);
      }
    };
    const visit = (prefix: string[], list: string[], depth: number): void => {
      if (depth === 0) {
        check([...prefix, ...list]);
        return;
      }
      for (const piece of pieces) visit(prefix, [...list, piece], depth - 1);
    };
    for (const prefix of [[], ["a", "://", "a"]])
      for (let depth = 1; depth <= 5; depth++) visit(prefix, [], depth);
    expect(failures.slice(0, 10)).toEqual([]);
  });
});

describe("refangRange: brackets that belong to the text (URLhaus file names)", () => {
  it("keeps a bracket that closes one opened earlier, when a defanged dot follows it at once", () => {
    // Real URLhaus entries: `…/bin%20(2)upload%20(1)[.]txt`. The loose-dot rule read `)[.]` as one dot and the
    // fast path read `)[` as a run of text, so the URL came out as `…(1.txt` or `…(1)[.txt`.
    for (const [token, text] of [
      [
        "hxxp://216[.]9[.]224[.]48/xz/bin%20(2)upload%20(1)[.]txt",
        "http://216.9.224.48/xz/bin%20(2)upload%20(1).txt",
      ],
      ["silv-rawfileupload%20(2)[.]txt", "silv-rawfileupload%20(2).txt"],
      ["x{1}[.]y(a)(.)z", "x{1}.y(a).z"],
    ] as const) {
      expect(refangRange(token, 0, token.length)?.text).toBe(text);
      // A trailing `*` sends the token to the full pattern, which must agree.
      expect(refangRange(`${token}*`, 0, token.length + 1)?.text).toBe(`${text}*`);
      expect(refang(token)).toBe(text);
    }
  });

  it("takes `[:]//` on the fast path: the colon it writes is the one `//` needs", () => {
    const token = "http[:]//evil[.]com/a";
    expect(refangToken(token, 0, token.length)).toBe("http://evil.com/a");
    expect(refangedTokenMayAddColon()).toBe(false);
    const bare = "http//evil[.]com/a";
    expect(refangToken(bare, 0, bare.length)).toBe("http://evil.com/a");
    expect(refangedTokenMayAddColon()).toBe(true);
  });
});

describe("defang", () => {
  it("defangs URLs, domains, IPs and emails for display", () => {
    expect(defang("https://evil.com/a.php?x=1.2")).toBe("hxxps://evil[.]com/a.php?x=1.2");
    expect(defang("ftp://1.2.3.4/")).toBe("fxp://1[.]2[.]3[.]4/");
    expect(defang("evil.co.uk")).toBe("evil[.]co[.]uk");
    expect(defang("192.168.4.2")).toBe("192[.]168[.]4[.]2");
    expect(defang("bob@evil.com")).toBe("bob[@]evil[.]com");
  });

  it("leaves hashes, CVEs and ASNs unchanged", () => {
    expect(defang("d41d8cd98f00b204e9800998ecf8427e")).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(defang("CVE-2021-44228")).toBe("CVE-2021-44228");
    expect(defang("AS13335")).toBe("AS13335");
  });

  it.each(fangerPairs.filter((pair) => pair.function === "defang" && !fangerDivergences.has(pair.input)))(
    "matches ioc-fanger defang on $input",
    ({ input, expected }) => {
      expect(defang(input)).toBe(expected);
    },
  );
});

describe("defangText", () => {
  it("defangs every indicator in prose and keeps the rest", async () => {
    const { defangText } = await import("./defang-text.ts");
    expect(defangText("C2 https://Evil.com/a.php, ip 1.2.3.4; mail bob@evil.org.")).toBe(
      "C2 hxxps://evil[.]com/a.php, ip 1[.]2[.]3[.]4; mail bob[@]evil[.]org.",
    );
    expect(defangText("nothing here, version 1.2.3.4.5")).toBe("nothing here, version 1.2.3.4.5");
  });
});

describe("refangRange", () => {
  it("refangs a token inside a larger text exactly as the token on its own", () => {
    const tokens = [
      "hxxp[:]//evil[.]com/a",
      "1.2.3[.]4",
      "bob[@]x(.)org",
      "a.)b",
      "lit%20(2).html",
      "foo[dot]com",
    ];
    for (const token of tokens) {
      const text = `x]( ${token} .[(y`;
      const from = text.indexOf(token);
      const alone = refangWithOrigin(token);
      const inPlace = refangRange(text, from, from + token.length);
      expect(inPlace?.text ?? token).toBe(alone.text);
      expect(inPlace?.edits ?? null).toEqual(alone.edits);
    }
  });

  it("keeps one edit for a run of identical markers and still maps each replacement to its own marker", () => {
    const run = refangWithOrigin("a[.][.](.)b");
    expect(run.text).toBe("a...b");
    expect(run.edits?.length).toBe(5);
    const edits = run.edits ?? [];
    // a=0, markers at 1, 4, 7, b at 10: the k-th dot points at the k-th marker, a position right after a
    // dot at the end of its marker.
    expect([0, 1, 2, 3, 4, 5].map((index) => originalOffset(edits, index))).toEqual([0, 1, 4, 7, 10, 11]);
  });

  it("refangs a token with thousands of markers whole and maps each one back to where it was written", () => {
    // 3,000 markers: more parts than one join batch and more edits than the first edit buffer holds.
    const unit = "a1.b2:c3@d4[.]e5/";
    const token = unit.repeat(3000);
    const refanged = refangWithOrigin(token);
    expect(refanged.text).toBe("a1.b2:c3@d4.e5/".repeat(3000));
    expect(refanged.edits?.length).toBe(3000 * 5);
    const edits = refanged.edits ?? [];
    for (const k of [0, 1, 511, 512, 1024, 2999]) {
      const dot = k * 15 + 11;
      expect(originalOffset(edits, dot)).toBe(k * unit.length + 11);
      expect(originalOffset(edits, dot + 1)).toBe(k * unit.length + 14);
    }
  });

  it("returns null when the token has nothing to undo", () => {
    expect(refangRange("see example.com today", 4, 15)).toBeNull();
  });

  it("counts a dot among brackets and backslashes as defanged on the fast path exactly when the full pattern does", () => {
    // A trailing `*` sends a token to the full pattern; wherever both give the same text, they must agree on
    // whether it was defanged (which decides the file-name and code-name checks of a name like `setup.zip`).
    const symbols = [".", "[", "]", "(", ")", "{", "}", "\\", "a"];
    const disagreements: string[] = [];
    const visit = (middle: string, depth: number): void => {
      if (depth > 0) {
        for (const symbol of symbols) visit(middle + symbol, depth - 1);
        return;
      }
      const token = `ab${middle}zip`;
      const fast = refangRange(token, 0, token.length);
      const full = refangRange(`${token}*`, 0, token.length + 1);
      if (fast === null || full === null || `${fast.text}*` !== full.text) return;
      if (fast.defanged !== full.defanged) disagreements.push(token);
    };
    for (let depth = 1; depth <= 5; depth++) visit("", depth);
    expect(disagreements).toEqual([]);
  });
});
