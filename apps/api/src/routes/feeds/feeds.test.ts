import type { TestTenantTree } from "@threatfusion/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch, createTestTenantTree, createTestToken } from "../../testing/index.ts";
import { uploadAndWait } from "../imports/imports.testing.ts";

let tree: TestTenantTree;
let tokenA = "";
let tokenB = "";

beforeAll(async () => {
  tree = await createTestTenantTree("feed-routes");
  tokenA = (
    await createTestToken({ tenantId: tree.clientAId, scopes: ["indicators:read", "indicators:write"] })
  ).authorization;
  tokenB = (await createTestToken({ tenantId: tree.clientBId, scopes: ["indicators:read"] })).authorization;
});
afterAll(() => tree.cleanup());

const pasted = [
  "Phishing kit seen at hxxps://login-verify[.]example[.]org/owa and 198.51.100.61",
  "sha256 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
].join("\n");

describe("imports and feed runs through the API", () => {
  it("imports a streamed raw body and answers the summary; the run shows up for the tenant only", async () => {
    const summary = await uploadAndWait("/api/v1/imports?format=text&feed=Phishing%20reports", tokenA, {
      headers: { "content-type": "text/plain" },
      body: pasted,
    });
    expect(summary).toMatchObject({ format: "text", parsed: 3, new: 3, status: "succeeded" });

    const runs = await apiFetch(`/api/v1/feeds/${summary.feedId}/runs`, {
      headers: { authorization: tokenA },
    });
    expect(runs.status).toBe(200);
    const { data } = (await runs.json()) as {
      data: { trigger: string; indicatorsNew: number; status: string }[];
    };
    expect(data[0]).toMatchObject({ trigger: "import", indicatorsNew: 3, status: "succeeded" });

    const listA = (await (
      await apiFetch("/api/v1/feeds", { headers: { authorization: tokenA } })
    ).json()) as {
      data: { id: string }[];
    };
    expect(listA.data.map((feed) => feed.id)).toContain(summary.feedId);
    // Tenant B sees neither A's feed in the list nor its runs (404, not 403: existence is not confirmed).
    const listB = (await (
      await apiFetch("/api/v1/feeds", { headers: { authorization: tokenB } })
    ).json()) as {
      data: { id: string }[];
    };
    expect(listB.data.map((feed) => feed.id)).not.toContain(summary.feedId);
    const runsB = await apiFetch(`/api/v1/feeds/${summary.feedId}/runs`, {
      headers: { authorization: tokenB },
    });
    expect(runsB.status).toBe(404);
  });

  it("accepts a multipart upload with a file field", async () => {
    const form = new FormData();
    form.set("file", new File(["203.0.113.77\n203.0.113.78\n"], "list.txt", { type: "text/plain" }));
    expect(await uploadAndWait("/api/v1/imports", tokenA, { body: form })).toMatchObject({ parsed: 2 });
  });

  it("refuses an import without the write scope, and without credentials", async () => {
    const forbidden = await apiFetch("/api/v1/imports", {
      method: "POST",
      headers: { authorization: tokenB, "content-type": "text/plain" },
      body: pasted,
    });
    expect(forbidden.status).toBe(403);
    expect((await apiFetch("/api/v1/feeds")).status).toBe(401);
  });

  it("answers an HTML page upload with 422 and the reason", async () => {
    const response = await apiFetch("/api/v1/imports?format=csv", {
      method: "POST",
      headers: { authorization: tokenA, "content-type": "text/csv" },
      body: "<html><head><title>Cloudflare error</title></head></html>",
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      "Cloudflare error",
    );
  });
});
