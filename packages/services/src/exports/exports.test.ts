import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { newId } from "@threatfusion/core";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import {
  type ExportIndicator,
  producerIdentity,
  stixIndicatorId,
  stixObjectsWriter,
  streamToText,
} from "@threatfusion/exports";
import { mispEventEvents, parseMispManifest } from "@threatfusion/feeds";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { inTenantTx } from "../context.ts";
import { toExportIndicator } from "../indicators/active-indicators.ts";
import { createIndicator } from "../indicators/create.ts";
import { streamActiveIndicators } from "../indicators/stream.ts";
import { updateIndicator } from "../indicators/update.ts";
import { type SeededCatalog, seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import { getBlocklist, type IpListFilterForm, renderedIpLines } from "./blocklist.ts";
import { exportIndicators } from "./export.ts";
import { exportBatches } from "./export-read.ts";
import { getMispFeedEvent, getMispFeedHashes, getMispFeedManifest } from "./misp-feed.ts";
import { loadProducer } from "./producer.ts";
import { getTaxiiManifest, getTaxiiObjects, listTaxiiCollections } from "./taxii.ts";

// The OASIS STIX 2.1 JSON schemas (BSD-3-Clause) copied into packages/exports/fixtures (see its SOURCES.md).
const schemaRoot = join(import.meta.dirname, "../../../exports/fixtures/stix2.1-schemas");
const schemaBase = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas";

function stixValidator() {
  // The OASIS patterns use escapes such as `\-` that are invalid in unicode-mode regular expressions.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  ajv.addFormat("idn-hostname", true);
  addFormats(ajv);
  for (const folder of readdirSync(schemaRoot)) {
    for (const file of readdirSync(join(schemaRoot, folder))) {
      ajv.addSchema(JSON.parse(readFileSync(join(schemaRoot, folder, file), "utf8")));
    }
  }
  const schemaFor = (type: string) => {
    if (type === "marking-definition") return `${schemaBase}/common/marking-definition.json`;
    if (type === "relationship" || type === "sighting") return `${schemaBase}/sros/${type}.json`;
    if (existsSync(join(schemaRoot, "sdos", `${type}.json`))) return `${schemaBase}/sdos/${type}.json`;
    return `${schemaBase}/observables/${type}.json`;
  };
  return (objects: { type: string; id: string }[]): string[] => {
    const problems: string[] = [];
    for (const object of objects) {
      const validate = ajv.getSchema(schemaFor(object.type));
      if (validate === undefined) problems.push(`${object.id}: no schema for ${object.type}`);
      else if (!validate(object)) problems.push(`${object.id}: ${ajv.errorsText(validate.errors)}`);
    }
    return problems;
  };
}

const database = inject("database");
const dbs = connectTestDatabases(database);
let tree: TestTenantTree;
let catalog: SeededCatalog;
let awkward: SeededCatalog;
const unique = newId("request").slice(-8);

beforeAll(async () => {
  tree = await createTenantTree({ url: database.adminUrl, wsProxy: database.wsProxy }, "exports");
  catalog = await seedCatalog(dbs, [
    { type: "domain", value: `exp-${unique}.example.com`, tags: ["botnet"], malwareFamily: "mirai" },
    { type: "url", value: `https://exp-${unique}.example.com/a?b=c` },
    { type: "ipv6", value: "2001:db8::77" },
    { type: "sha256", value: `${unique}`.padEnd(64, "a").replace(/[^0-9a-f]/g, "b") },
    { type: "cve", value: "CVE-2023-4966" },
    { type: "email", value: `spam-${unique}@example.com` },
  ]);
  // Values whose STIX ids are easy to get wrong: escaping, RFC 3986 encoding, IPv6 CIDRs, hashes, ASNs.
  awkward = await seedCatalog(dbs, [
    { type: "ipv4", value: `198.51.${unique.charCodeAt(0) % 200}.${unique.charCodeAt(1) % 200}` },
    { type: "cidr", value: `2001:db8:${unique.charCodeAt(2).toString(16)}::/48`, tags: ["z", "a"] },
    { type: "cidr", value: `10.${unique.charCodeAt(3) % 200}.0.0/16` },
    { type: "domain", value: `bücher-${unique}.example` },
    { type: "url", value: `http://awk-${unique}.example/it's/100%25?q=a&b=(1)` },
    { type: "url", value: `http://awk-${unique}.example/"quoted"\\back space/é` },
    { type: "url", value: `http://awk-${unique}.example/p?s=a%22,#phish,#scam,@brand/50%` },
    { type: "email", value: `o'brien-${unique}@example.org` },
    { type: "md5", value: `${unique}`.padEnd(32, "c").replace(/[^0-9a-f]/g, "d") },
    { type: "sha1", value: `${unique}`.padEnd(40, "e").replace(/[^0-9a-f]/g, "f") },
    { type: "sha512", value: `${unique}`.padEnd(128, "1").replace(/[^0-9a-f]/g, "2") },
    { type: "asn", value: `AS${64_500 + (unique.charCodeAt(4) % 20)}` },
    // The same domain from a second source: two source names, sorted by the database.
    { type: "domain", value: `exp-${unique}.example.com`, malwareFamily: "mirai" },
  ]);
  await createIndicator({
    ctx: userContext(dbs, tree, "mssp"),
    input: { value: `mssp-shared-${unique}.example.net`, sharedWithAllClients: true, tlp: "amber" },
  });
  await createIndicator({
    ctx: userContext(dbs, tree, "clientB"),
    input: { value: `b-secret-${unique}.example.net` },
  });
  await updateIndicator({
    ctx: userContext(dbs, tree, "clientB"),
    input: { id: catalog.ids.get("2001:db8::77") ?? "", status: "allowlisted" },
  });
}, 120_000);
afterAll(async () => {
  await tree.cleanup();
  await dbs.end();
});

/** This file's rows only: other test files add catalog rows meanwhile. */
const ours = (record: ExportIndicator) =>
  record.value.includes(unique) ||
  [...catalog.ids.values(), ...awkward.ids.values()].includes(record.id) ||
  record.value === "2001:db8::77";

async function activeQueryRecords(actor: "clientA" | "clientB" | "mssp", includeSuppressed: boolean) {
  const records: ExportIndicator[] = [];
  for await (const row of streamActiveIndicators(
    userContext(dbs, tree, actor),
    { includeSuppressed },
    { order: "version" },
  )) {
    const record = toExportIndicator(row);
    if (ours(record)) records.push(record);
  }
  return records.sort((a, b) => a.id.localeCompare(b.id));
}

async function leanRecordsInOrder(
  actor: "clientA" | "clientB" | "mssp",
  includeSuppressed: boolean,
  options: { stixIdentityId?: string; rangeRows?: number } = {},
) {
  const records: ExportIndicator[] = [];
  for await (const batch of exportBatches(userContext(dbs, tree, actor), { includeSuppressed, ...options })) {
    records.push(...batch.filter(ours));
  }
  return records;
}

async function leanRecords(
  actor: "clientA" | "clientB" | "mssp",
  includeSuppressed: boolean,
  stixIdentityId?: string,
) {
  const records = await leanRecordsInOrder(
    actor,
    includeSuppressed,
    stixIdentityId ? { stixIdentityId } : {},
  );
  return records.sort((a, b) => a.id.localeCompare(b.id));
}

describe("the lean export read", () => {
  it("gives the same records, overlay and sources as the active-indicators query, for every tenant", async () => {
    for (const actor of ["clientA", "clientB", "mssp"] as const) {
      for (const includeSuppressed of [false, true]) {
        const expected = await activeQueryRecords(actor, includeSuppressed);
        expect(expected.length).toBeGreaterThan(10);
        expect(await leanRecords(actor, includeSuppressed)).toEqual(expected);
      }
    }
    const twoSources = (await leanRecords("clientA", false)).find(
      (record) => record.value === `exp-${unique}.example.com`,
    );
    expect(twoSources?.sources).toEqual([catalog.sourceName, awkward.sourceName].sort());
    const clientB = await leanRecords("clientB", true);
    expect(clientB.find((record) => record.value === "2001:db8::77")?.suppressedReason).toBe("allowlisted");
    expect(clientB.some((record) => record.value === `b-secret-${unique}.example.net`)).toBe(true);
    expect((await leanRecords("clientA", true)).some((record) => record.value.startsWith("b-secret"))).toBe(
      false,
    );
  });

  it("reads the same records in the same order when the catalog is split into many ranges over two connections", async () => {
    for (const actor of ["clientA", "clientB"] as const) {
      for (const includeSuppressed of [false, true]) {
        const whole = await leanRecordsInOrder(actor, includeSuppressed);
        expect(whole.length).toBeGreaterThan(10);
        // Ranges of 5 catalog ids: every tenant's rows and overlay come through several transactions.
        expect(await leanRecordsInOrder(actor, includeSuppressed, { rangeRows: 5 })).toEqual(whole);
      }
    }
    const clientA = await leanRecordsInOrder("clientA", true, { rangeRows: 5 });
    expect(clientA.some((record) => record.value.startsWith("b-secret"))).toBe(false);
  });

  it("brings STIX ids from PostgreSQL that equal the ones the writer derives", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    const producer = await inTenantTx(ctx, (tx) => loadProducer(tx, ctx.tenant.tenantId));
    const identityId = producerIdentity(producer).id;
    const records = await leanRecords("clientA", false, identityId);
    const write = stixObjectsWriter(identityId);
    const withObservableIds = records.filter((record) => record.stixIds?.observable !== undefined);
    // Every type but the ASN and the URL that needs percent-encoding gets all three ids from the database.
    expect(withObservableIds.length).toBeGreaterThanOrEqual(12);
    const catalogRows = records.filter((record) => record.id.startsWith("ind_") && record.type !== "cve");
    expect(catalogRows.every((record) => record.stixIds?.indicator !== undefined)).toBe(true);
    for (const record of records) {
      expect(write(record)).toBe(write({ ...record, stixIds: undefined }));
    }
  });

  it("lists an IP held by the catalog and by private or shared rows once, at its first place", async () => {
    const catalogIp = [...awkward.ids.keys()].find((value) => value.startsWith("198.51.")) ?? "";
    const privateIp = `203.0.113.${unique.charCodeAt(5) % 250}`;
    const clientB = userContext(dbs, tree, "clientB");
    const mssp = userContext(dbs, tree, "mssp");
    // clientB's own copy of a catalog IP, seen later than the catalog row: listed in the private row's place.
    await createIndicator({ ctx: clientB, input: { value: catalogIp, lastSeen: "2099-01-01T00:00:00Z" } });
    // The MSSP shares the same IP, seen earlier than the catalog row: not listed again.
    await createIndicator({
      ctx: mssp,
      input: { value: catalogIp, lastSeen: "2000-01-01T00:00:00Z", sharedWithAllClients: true },
    });
    // An IP only in private rows: clientB's and the MSSP's shared copy.
    await createIndicator({ ctx: clientB, input: { value: privateIp, lastSeen: "2098-01-01T00:00:00Z" } });
    await createIndicator({
      ctx: mssp,
      input: { value: privateIp, lastSeen: "2097-01-01T00:00:00Z", sharedWithAllClients: true },
    });
    const list = async (actor: "clientA" | "clientB") => {
      const answer = await getBlocklist({ ctx: userContext(dbs, tree, actor), input: { kind: "ip" } });
      if (answer.status !== 200) throw new Error("expected a list");
      const text = await streamToText(answer.body);
      expect(text.endsWith("\n")).toBe(true);
      return text.split("\n").filter((line) => line === catalogIp || line === privateIp);
    };
    // clientB: its own rows (2099, 2098) come first; every value once.
    expect(await list("clientB")).toEqual([catalogIp, privateIp]);
    // clientA sees the MSSP's shared copy (2097) before the catalog row (seen now), never clientB's rows.
    expect(await list("clientA")).toEqual([privateIp, catalogIp]);
  });

  it("gives the same IP list whether overlay and own rows are left out by hashed sets or by anti-joins", async () => {
    // This file's IPs (catalog, overlay, private and shared copies from the test above); other files add rows.
    const ourValues = new Set([
      ...awkward.ids.keys(),
      ...catalog.ids.keys(),
      `203.0.113.${unique.charCodeAt(5) % 250}`,
    ]);
    const lines = async (
      actor: "clientA" | "clientB",
      includeSuppressed: boolean,
      form: IpListFilterForm,
    ) => {
      let text = "";
      for await (const runs of renderedIpLines(
        userContext(dbs, tree, actor),
        ["ipv4", "ipv6", "cidr"],
        includeSuppressed,
        form,
      ))
        for (const run of runs) text += `${run.text}\n`;
      return text.split("\n").filter((line) => ourValues.has(line));
    };
    for (const actor of ["clientA", "clientB"] as const) {
      for (const includeSuppressed of [false, true]) {
        const hashed = await lines(actor, includeSuppressed, "hashed");
        expect(hashed.length).toBeGreaterThan(2);
        expect(await lines(actor, includeSuppressed, "anti-join")).toEqual(hashed);
      }
    }
    // clientB's allowlisting (an overlay row) holds in both forms; clientA has no overlay for it.
    expect(await lines("clientB", false, "hashed")).not.toContain("2001:db8::77");
    expect(await lines("clientB", true, "hashed")).toContain("2001:db8::77");
    expect(await lines("clientA", false, "hashed")).toContain("2001:db8::77");
  });

  it("serves the full blocklist from one cursor with the overlay of the asking tenant", async () => {
    const list = async (actor: "clientA" | "clientB", includeSuppressed: boolean) => {
      const answer = await getBlocklist({
        ctx: userContext(dbs, tree, actor),
        input: { kind: "ip", includeSuppressed },
      });
      if (answer.status !== 200) throw new Error("expected a list");
      return (await streamToText(answer.body)).split("\n");
    };
    const cidr = `10.${unique.charCodeAt(3) % 200}.0.0/16`;
    expect(await list("clientA", false)).toEqual(expect.arrayContaining(["2001:db8::77", cidr]));
    expect(await list("clientB", false)).not.toContain("2001:db8::77");
    expect(await list("clientB", true)).toContain("2001:db8::77");
    const domains = await getBlocklist({ ctx: userContext(dbs, tree, "clientB"), input: { kind: "domain" } });
    if (domains.status !== 200) throw new Error("expected a list");
    const text = await streamToText(domains.body);
    expect(text).toContain(`b-secret-${unique}.example.net\n`);
    expect(text).toContain(`mssp-shared-${unique}.example.net\n`);
    expect(text).toContain(`exp-${unique}.example.com\n`);
  });
});

describe("exports of a client tenant", () => {
  it("streams a STIX 2.1 bundle that the OASIS schemas accept, produced by the MSSP brand", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    const { body, contentType } = await exportIndicators({
      ctx,
      input: { format: "stix", filter: { valuePrefix: "" } },
    });
    expect(contentType).toBe("application/stix+json;version=2.1");
    const bundle = JSON.parse(await streamToText(body)) as {
      type: string;
      objects: { type: string; id: string; name?: string }[];
    };
    expect(bundle.type).toBe("bundle");
    const ours = bundle.objects.filter(
      (object) => JSON.stringify(object).includes(unique) || object.type !== "indicator",
    );
    expect(stixValidator()(ours)).toEqual([]);
    const identities = bundle.objects
      .filter((object) => object.type === "identity")
      .map((object) => object.name);
    expect(identities).toEqual(["exports MSSP"]);
    const text = JSON.stringify(bundle);
    expect(text).toContain(`mssp-shared-${unique}`);
    expect(text).not.toContain(`b-secret-${unique}`);
    expect(text).not.toContain("client A");
  });

  it("leaves another client's allowlisting out of this client's exports", async () => {
    const a = await streamToText(
      (await exportIndicators({ ctx: userContext(dbs, tree, "clientA"), input: { format: "ecs" } })).body,
    );
    const b = await streamToText(
      (await exportIndicators({ ctx: userContext(dbs, tree, "clientB"), input: { format: "cef" } })).body,
    );
    expect(a).toContain("2001:db8::77");
    expect(b).not.toContain("2001:db8::77");
    expect(b).toContain(`b-secret-${unique}`);
    expect(a).not.toContain(`b-secret-${unique}`);
  });

  it("publishes a MISP feed that our own MISP feed parser reads back (manifest, event, hashes)", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    const manifest = JSON.parse((await getMispFeedManifest({ ctx })).body) as unknown;
    const refs = parseMispManifest(manifest);
    expect(refs).toHaveLength(1);
    const uuid = refs[0]?.uuid ?? "";
    const event = JSON.parse(
      await streamToText((await getMispFeedEvent({ ctx, input: { uuid } })).body),
    ) as unknown;
    const values = mispEventEvents(event, { includeNonIds: true }).flatMap((parsed) =>
      parsed.kind === "indicator" ? [parsed.indicator.value] : [],
    );
    expect(values).toEqual(
      expect.arrayContaining([
        `exp-${unique}.example.com`,
        `mssp-shared-${unique}.example.net`,
        "2001:db8::77",
      ]),
    );
    expect(values).not.toContain(`b-secret-${unique}.example.net`);
    const hashes = await streamToText((await getMispFeedHashes({ ctx })).body);
    expect(
      hashes
        .trim()
        .split("\n")
        .every((line) => line.endsWith(`,${uuid}`)),
    ).toBe(true);
    await expect(
      getMispFeedEvent({ ctx, input: { uuid: "00000000-0000-4000-8000-000000000000" } }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("serves TAXII objects that the OASIS schemas accept", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    const [all] = await listTaxiiCollections({ ctx });
    const page = await getTaxiiObjects({
      ctx,
      input: { collectionId: all?.id ?? "", filter: { limit: 1000, versions: [{ kind: "last" }] } },
    });
    const objects = page.items.map((text) => JSON.parse(text) as { type: string; id: string });
    const ours = objects.filter(
      (object) => JSON.stringify(object).includes(unique) || object.type === "vulnerability",
    );
    expect(ours.length).toBeGreaterThanOrEqual(5);
    expect(stixValidator()(ours)).toEqual([]);
  });

  it("derives the producer identity in PostgreSQL exactly as in JS, whatever characters the brand name holds", async () => {
    const branded = await createTenantTree(
      { url: database.adminUrl, wsProxy: database.wsProxy },
      "exports-brand",
    );
    try {
      const brand = `Brand "Q" \\ a/b é ${String.fromCharCode(1)}\t ${unique}`;
      await dbs.admin.pool.query(
        `update tenants set settings = jsonb_set(coalesce(settings, '{}'), '{branding}', $2::jsonb) where id = $1`,
        [branded.msspId, JSON.stringify({ productName: brand })],
      );
      const ctx = userContext(dbs, branded, "clientA");
      const producer = await inTenantTx(ctx, (tx) => loadProducer(tx, ctx.tenant.tenantId));
      expect(producer.name).toBe(brand);
      const identity = producerIdentity(producer).id;
      const created = await createIndicator({ ctx, input: { value: `brand-${unique}.example.org` } });
      const [all] = await listTaxiiCollections({ ctx });
      // Get An Object resolves the id derived in JS; the page itself takes its ids from PostgreSQL.
      const objectId = stixIndicatorId({ id: created.id }, identity);
      const page = await getTaxiiObjects({
        ctx,
        input: {
          collectionId: all?.id ?? "",
          objectId,
          filter: { limit: 10, versions: [{ kind: "last" as const }] },
        },
      });
      const objects = page.items.map((text) => JSON.parse(text) as { id: string; created_by_ref: string });
      expect(objects).toEqual([expect.objectContaining({ id: objectId, created_by_ref: identity })]);
    } finally {
      await branded.cleanup();
    }
  });

  it("names each TAXII object with the id every other channel derives (ids from PostgreSQL match the JS ones)", async () => {
    const ctx = userContext(dbs, tree, "clientA");
    const [all] = await listTaxiiCollections({ ctx });
    const input = {
      collectionId: all?.id ?? "",
      filter: { limit: 1000, versions: [{ kind: "last" as const }] },
    };
    const objects = (await getTaxiiObjects({ ctx, input })).items.map(
      (text) => JSON.parse(text) as { id: string; modified: string },
    );
    // The manifest derives each id in JS (`stixObjectsFor`), the objects page takes it from PostgreSQL.
    const manifest = (await getTaxiiManifest({ ctx, input })).items;
    expect(objects.some((object) => object.id.startsWith("indicator--"))).toBe(true);
    expect(objects.map((object) => [object.id, object.modified])).toEqual(
      manifest.map((record) => [record.id, record.version]),
    );
  });
});
