import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.ts";
import {
  escapePatternString,
  producerIdentity,
  rfc3986Url,
  stixBundleStream,
  stixObjectsFor,
  stixObjectsWriter,
  stixObservable,
  stixPattern,
  threatfusionNamespace,
  tlpMarkingIds,
} from "./stix.ts";
import { streamToText } from "./stream.ts";
import { makeRecord, sampleRecords } from "./test-records.ts";
import type { ExportIndicator } from "./types.ts";
import { stixNamespace } from "./uuid.ts";
import { referenceUuidv5 } from "./uuid-reference.ts";

const schemaRoot = join(import.meta.dirname, "../fixtures/stix2.1-schemas");

function loadBundleValidator() {
  // The OASIS patterns use escapes such as `\-` that are invalid in unicode-mode regular expressions.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  ajv.addFormat("idn-hostname", true);
  addFormats(ajv);
  for (const folder of readdirSync(schemaRoot)) {
    for (const file of readdirSync(join(schemaRoot, folder))) {
      ajv.addSchema(JSON.parse(readFileSync(join(schemaRoot, folder, file), "utf8")));
    }
  }
  const validate = ajv.getSchema(`${schemaBase}/common/bundle.json`);
  if (validate === undefined) throw new Error("bundle schema not loaded");
  return { validate, ajv };
}

const schemaBase = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas";

function schemaIdFor(type: string): string {
  if (type === "marking-definition") return `${schemaBase}/common/marking-definition.json`;
  if (type === "relationship" || type === "sighting") return `${schemaBase}/sros/${type}.json`;
  if (existsSync(join(schemaRoot, "sdos", `${type}.json`))) return `${schemaBase}/sdos/${type}.json`;
  return `${schemaBase}/observables/${type}.json`;
}

/** Validates each object against its own type's schema (precise errors), then the whole bundle. */
function validateBundle(bundle: { objects: { type: string; id: string }[] }): string[] {
  const { validate, ajv } = loadBundleValidator();
  const problems: string[] = [];
  for (const object of bundle.objects) {
    const validateObject = ajv.getSchema(schemaIdFor(object.type));
    if (validateObject === undefined) throw new Error(`no schema for ${object.type}`);
    if (!validateObject(object)) problems.push(`${object.id}: ${ajv.errorsText(validateObject.errors)}`);
  }
  if (!validate(bundle)) problems.push(`bundle: ${ajv.errorsText(validate.errors)}`);
  return problems;
}

const producer = { name: "Acme MSSP", contact: "soc@acme.example" };

describe("stixBundleStream", () => {
  it("writes a bundle that the OASIS STIX 2.1 schemas accept, for every indicator type", async () => {
    const text = await streamToText(stixBundleStream(sampleRecords(), { producer }));
    const bundle = JSON.parse(text);
    expect(validateBundle(bundle)).toEqual([]);
    const types = new Set(bundle.objects.map((object: { type: string }) => object.type));
    expect([...types].sort()).toEqual(
      [
        "autonomous-system",
        "domain-name",
        "email-addr",
        "file",
        "identity",
        "indicator",
        "ipv4-addr",
        "ipv6-addr",
        "marking-definition",
        "relationship",
        "url",
        "vulnerability",
      ].sort(),
    );
  });

  it("puts the producer identity first and refers every object to it", async () => {
    const bundle = JSON.parse(await streamToText(stixBundleStream(sampleRecords(), { producer })));
    const identity = bundle.objects[0];
    expect(identity).toMatchObject({ type: "identity", name: "Acme MSSP" });
    for (const object of bundle.objects) {
      if (object.type === "indicator" || object.type === "vulnerability") {
        expect(object.created_by_ref).toBe(identity.id);
      }
    }
  });

  it("writes each used TLP 2.0 marking once, with its official id", async () => {
    const bundle = JSON.parse(await streamToText(stixBundleStream(sampleRecords(), { producer })));
    const markings = bundle.objects.filter(
      (object: { type: string }) => object.type === "marking-definition",
    );
    expect(markings.map((marking: { id: string }) => marking.id).sort()).toEqual(
      Object.values(tlpMarkingIds).sort(),
    );
    expect(markings.find((m: { name: string }) => m.name === "TLP:AMBER+STRICT").id).toBe(
      "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    );
  });

  it("leaves out false positives and allowlisted indicators unless asked, and says why", async () => {
    const records = [
      makeRecord("ipv4", "192.0.2.1"),
      makeRecord("ipv4", "192.0.2.2", { suppressedReason: "false_positive" }),
      makeRecord("domain", "allowed.example", { suppressedReason: "allowlisted" }),
    ];
    const skipped: string[] = [];
    const bundle = JSON.parse(
      await streamToText(
        stixBundleStream(records, {
          producer,
          onSuppressed: (record, reason) => skipped.push(`${record.value}:${reason}`),
        }),
      ),
    );
    const names = bundle.objects
      .filter((o: { type: string }) => o.type === "indicator")
      .map((o: { name: string }) => o.name);
    expect(names).toEqual(["192.0.2.1"]);
    expect(skipped).toEqual(["192.0.2.2:false_positive", "allowed.example:allowlisted"]);

    const all = JSON.parse(
      await streamToText(stixBundleStream(records, { producer, includeSuppressed: true })),
    );
    const fp = all.objects.find((o: { name?: string }) => o.name === "192.0.2.2");
    expect(fp.x_threatfusion_suppressed_reason).toBe("false_positive");
  });

  it("stays valid JSON with zero records", async () => {
    const bundle = JSON.parse(await streamToText(stixBundleStream([], { producer })));
    expect(bundle.objects).toHaveLength(1);
    expect(validateBundle(bundle)).toEqual([]);
  });

  it("closes the record source when the consumer cancels", async () => {
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield makeRecord("ipv4", `10.0.${(i >> 8) & 255}.${i & 255}`);
      } finally {
        closed = true;
      }
    }
    const reader = stixBundleStream(endless(), { producer }).getReader();
    const first = await reader.read();
    expect(first.value?.byteLength ?? 0).toBeGreaterThan(0);
    await reader.cancel();
    expect(closed).toBe(true);
  });
});

describe("stixObjectsWriter", () => {
  const identityId = producerIdentity(producer).id;
  const objectPath = (record: ExportIndicator, observables = true) =>
    stixObjectsFor(record, identityId, { observables })
      .map((object) => `,${JSON.stringify(object)}`)
      .join("");

  it("writes byte for byte what JSON.stringify of the built objects gives, for every type and state", () => {
    const records = [
      ...sampleRecords(),
      makeRecord("ipv4", "192.0.2.9", { status: "revoked", tags: [], sources: [], context: {} }),
      makeRecord("domain", "old.example", { status: "expired", suppressedReason: "allowlisted" }),
      makeRecord("url", 'http://x.example/\u0001\t\u2028"é', {
        tags: ["", 'q"uote', "back\\slash", "𝄞"],
        context: { description: "line\nbreak", threatType: "Scanning host", reference: "ftp://not-http" },
      }),
      makeRecord("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", {
        modifiedAt: "2024-01-01T00:00:00.000Z",
        addedAt: "2025-01-01T00:00:00Z",
        firstSeen: "2025-01-01T00:00:00+02:00",
        confidence: 140,
        score: 71.6,
      }),
    ];
    const write = stixObjectsWriter(identityId);
    const writeIndicatorsOnly = stixObjectsWriter(identityId, { observables: false });
    for (const record of records) {
      expect(write(record)).toBe(objectPath(record));
      expect(writeIndicatorsOnly(record)).toBe(objectPath(record, false));
    }
  });

  it("matches the object path for arbitrary text in values, tags, sources and context", () => {
    const write = stixObjectsWriter(identityId);
    const text = fc.string({ unit: "binary", maxLength: 40 });
    fc.assert(
      fc.property(
        fc.constantFrom("ipv4", "domain", "url", "email", "md5") as fc.Arbitrary<ExportIndicator["type"]>,
        text,
        fc.array(text, { maxLength: 3 }),
        fc.array(text, { maxLength: 2 }),
        fc.option(text, { nil: undefined }),
        fc.option(text, { nil: undefined }),
        (type, value, tags, sources, malwareFamily, description) => {
          const record = makeRecord(type, value.length > 0 ? value : "x", {
            tags,
            sources,
            context: {
              ...(malwareFamily === undefined ? {} : { malwareFamily }),
              ...(description === undefined ? {} : { description }),
            },
          });
          expect(write(record)).toBe(objectPath(record));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("uses ids the reader precomputed as they are, and derives the same ones itself", () => {
    const record = makeRecord("ipv4", "198.51.100.3");
    const derived = JSON.parse(`[${stixObjectsWriter(identityId)(record).slice(1)}]`);
    const ids = { indicator: derived[0].id, observable: derived[1].id, relationship: derived[2].id };
    expect(ids.observable).toBe("ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");
    const given = {
      indicator: "indicator--11111111-1111-5111-8111-111111111111",
      observable: ids.observable,
    };
    const written = JSON.parse(`[${stixObjectsWriter(identityId)({ ...record, stixIds: given }).slice(1)}]`);
    expect(written.map((object: { id: string }) => object.id)).toEqual([
      given.indicator,
      ids.observable,
      expect.stringMatching(/^relationship--/),
    ]);
    expect(written[2]).toMatchObject({ source_ref: given.indicator, target_ref: ids.observable });
    expect(written[2].id).not.toBe(ids.relationship);
  });

  it("keeps the ids SIEMs already hold: the documented UUIDv5 names, checked with a general-purpose SHA-1", () => {
    for (const record of sampleRecords().filter((sample) => sample.type !== "cve" && sample.type !== "asn")) {
      const [indicator, observable, relationship] = JSON.parse(
        `[${stixObjectsWriter(identityId)(record).slice(1)}]`,
      );
      const expectedIndicator = `indicator--${referenceUuidv5(threatfusionNamespace, `${identityId}/${record.id}`)}`;
      expect(indicator.id).toBe(expectedIndicator);
      const {
        type: scoType,
        spec_version: _,
        id: __,
        ...contributing
      } = stixObservable(record.type, record.value) ?? { type: "", spec_version: "", id: "" };
      const expectedObservable = `${scoType}--${referenceUuidv5(stixNamespace, canonicalJson(contributing))}`;
      expect(observable.id).toBe(expectedObservable);
      expect(relationship.id).toBe(
        `relationship--${referenceUuidv5(threatfusionNamespace, `based-on/${expectedIndicator}/${expectedObservable}`)}`,
      );
    }
  });

  it("writes a large batch in chunks of about 256 KB, not as one string", async () => {
    const batch = Array.from({ length: 1_000 }, (_, i) =>
      makeRecord("domain", `host-${i}.example.com`, { id: `ind_${i}` }),
    );
    const reader = stixBundleStream([batch], { producer }).getReader();
    const sizes: number[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sizes.push(value.byteLength);
    }
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBeGreaterThan(1_000_000);
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.max(...sizes)).toBeLessThan(300 * 1024);
  });

  it("takes batches as well as single records, with the same bundle as the result", async () => {
    const records = sampleRecords();
    const single = await streamToText(stixBundleStream(records, { producer, bundleId: "bundle--x" }));
    const batched = await streamToText(
      stixBundleStream([records.slice(0, 5), records.slice(5)], { producer, bundleId: "bundle--x" }),
    );
    expect(batched).toBe(single);
  });
});

describe("deterministic SCO ids", () => {
  it("match the STIX 2.1 specification's example for ipv4-addr 198.51.100.3", () => {
    expect(stixObservable("ipv4", "198.51.100.3")?.id).toBe(
      "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
    );
  });

  it("match python-stix2's id for domain-name example.com", () => {
    expect(stixObservable("domain", "example.com")?.id).toBe(
      "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
    );
  });

  it("are version-5 UUIDs and identical across runs; indicator ids are stable per producer", () => {
    const record = makeRecord("url", "http://a.example/x");
    const identityId = producerIdentity(producer).id;
    const first = stixObjectsFor(record, identityId).map((o) => o.id);
    const second = stixObjectsFor(record, identityId).map((o) => o.id);
    expect(second).toEqual(first);
    for (const id of first)
      expect(id).toMatch(/--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const otherBrand = producerIdentity({ name: "Other MSSP" }).id;
    expect(stixObjectsFor(record, otherBrand)[0]?.id).not.toBe(first[0]);
    // The SCO id depends on the value only, never on the producer.
    expect(stixObjectsFor(record, otherBrand)[1]?.id).toBe(first[1]);
  });

  it("TweetFeed's published ids are UUIDv5 indicator ids, not SCO ids, so they are not a spec vector", () => {
    // From /work/shared/fixtures/stix2.1/tweetfeed_stix21_today_bundle.json: the indicator for this
    // domain has id indicator--c71482c1-f09c-50fc-a797-878a5aff53ad; STIX defines no derivation for
    // indicator ids, and the SCO id the spec would give is a different UUID.
    const sco = stixObservable("domain", "cvqgs36nhw-wtrkblpw-3i2d0e-cvq79c.pages.dev");
    expect(sco?.id).not.toContain("c71482c1-f09c-50fc-a797-878a5aff53ad");
    expect(sco?.id).toMatch(/^domain-name--[0-9a-f-]{36}$/);
  });
});

describe("stixPattern", () => {
  it("escapes quotes and backslashes inside string literals", () => {
    expect(escapePatternString("a'b\\c")).toBe("a\\'b\\\\c");
    expect(stixPattern("url", "http://x.example/it's")).toBe("[url:value = 'http://x.example/it\\'s']");
  });

  it("uses ISSUBSET for CIDRs, hash names for files and a number for ASNs", () => {
    expect(stixPattern("cidr", "10.0.0.0/8")).toBe("[ipv4-addr:value ISSUBSET '10.0.0.0/8']");
    expect(stixPattern("cidr", "2001:db8::/32")).toBe("[ipv6-addr:value ISSUBSET '2001:db8::/32']");
    expect(stixPattern("sha256", "ab")).toBe("[file:hashes.'SHA-256' = 'ab']");
    expect(stixPattern("asn", "AS64500")).toBe("[autonomous-system:number = 64500]");
    expect(stixPattern("cve", "CVE-2024-3400")).toBeUndefined();
  });

  it("represents a CVE as a vulnerability SDO with a cve external reference", () => {
    const [vulnerability] = stixObjectsFor(makeRecord("cve", "cve-2024-3400"), "identity--x");
    expect(vulnerability).toMatchObject({
      type: "vulnerability",
      name: "CVE-2024-3400",
      external_references: [
        { source_name: "cve", external_id: "CVE-2024-3400" },
        { source_name: "reference" },
      ],
    });
  });
});

describe("RFC 3986 form of URL values", () => {
  it("percent-encodes brackets in the path and query but keeps an IPv6 host literal", () => {
    expect(rfc3986Url("http://evil.example.com/a[1]/b?x=[2]")).toBe(
      "http://evil.example.com/a%5B1%5D/b?x=%5B2%5D",
    );
    expect(rfc3986Url("http://[2001:db8::1]:8080/p[0]")).toBe("http://[2001:db8::1]:8080/p%5B0%5D");
    expect(rfc3986Url("https://user@[::1]/")).toBe("https://user@[::1]/");
  });

  it("encodes a second '#' and a '%' that starts no escape, as seen in a real feed's URL with hashtags", () => {
    expect(rfc3986Url("https://shop.example/p.php?slug=a-dobr-vel%22,#phishing,#scam,@brand")).toBe(
      "https://shop.example/p.php?slug=a-dobr-vel%22,#phishing,%23scam,@brand",
    );
    expect(rfc3986Url("http://x.example/100%/a%2")).toBe("http://x.example/100%25/a%252");
    expect(rfc3986Url("http://x.example/a%41#b")).toBe("http://x.example/a%41#b");
  });
});
