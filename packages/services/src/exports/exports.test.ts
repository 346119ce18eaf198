import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { newId } from "@threatfusion/core";
import { connectTestDatabases, createTenantTree, type TestTenantTree } from "@threatfusion/db/testing";
import { streamToText } from "@threatfusion/exports";
import { mispEventEvents, parseMispManifest } from "@threatfusion/feeds";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createIndicator } from "../indicators/create.ts";
import { updateIndicator } from "../indicators/update.ts";
import { type SeededCatalog, seedCatalog, userContext } from "../testing/intel-fixtures.ts";
import { exportIndicators } from "./export.ts";
import { getMispFeedEvent, getMispFeedHashes, getMispFeedManifest } from "./misp-feed.ts";
import { getTaxiiObjects, listTaxiiCollections } from "./taxii.ts";

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
    const ours = page.items.filter(
      (object) => JSON.stringify(object).includes(unique) || object.type === "vulnerability",
    );
    expect(ours.length).toBeGreaterThanOrEqual(5);
    expect(stixValidator()(ours)).toEqual([]);
  });
});
