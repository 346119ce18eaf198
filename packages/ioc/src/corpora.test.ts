import { extractIOC } from "ioc-extractor";
import { describe, expect, it } from "vitest";
import { loadCorpora } from "../bench/corpora.ts";
import { type Extractor, f1, microScore } from "../bench/score.ts";
import { extractGrouped } from "./index.ts";

const { cases } = loadCorpora();
const mitCases = cases.filter((testCase) => testCase.corpus !== "iocextract");

describe("labelled corpora (ninoseki ioc-extractor, ioc-fanger, msticpy; MIT, copied into fixtures/)", () => {
  it("reaches micro-F1 >= 0.97 over the MIT corpora", () => {
    expect(mitCases.length).toBeGreaterThan(20);
    expect(f1(microScore(extractGrouped, mitCases))).toBeGreaterThanOrEqual(0.97);
  });

  it("beats ioc-extractor on the same cases", () => {
    const peer: Extractor = (text) => {
      const result = extractIOC(text);
      return {
        ipv4: result.ipv4s,
        ipv6: result.ipv6s,
        domain: result.domains,
        url: result.urls,
        email: result.emails,
        md5: result.md5s,
        sha1: result.sha1s,
        sha256: result.sha256s,
        sha512: result.sha512s,
        asn: result.asns,
        cve: result.cves,
      };
    };
    expect(f1(microScore(extractGrouped, mitCases))).toBeGreaterThan(f1(microScore(peer, mitCases)));
  });

  it("finds every indicator of the defanged ioc-fanger sample and nothing else", () => {
    const sample = mitCases.find((testCase) => testCase.corpus === "ioc-fanger");
    expect(sample).toBeDefined();
    if (sample !== undefined) expect(microScore(extractGrouped, [sample])).toMatchObject({ fp: 0, fn: 0 });
  });
});
