import { AppError } from "@threatfusion/core";
import {
  type MispEventHeader,
  mispEventStream,
  mispHashesCsvStream,
  mispManifest,
  uuidv5,
} from "@threatfusion/exports";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";
import { exportRecords, mispEventUuid } from "./export.ts";
import { loadProducer, threatfusionNamespace } from "./producer.ts";
import { viewVersionStamp } from "./version.ts";

/**
 * The tenant's MISP feed (what a MISP instance subscribes to as a "MISP feed"): `manifest.json` naming one
 * event, `<event uuid>.json` holding the active indicators as attributes, and `hashes.csv`. The event uuid
 * is stable per tenant and its timestamp follows the view's newest change, so MISP re-pulls only when
 * something changed. False positives and allowlisted indicators are left out.
 */
async function feedHeader(ctx: ServiceContext): Promise<{ header: MispEventHeader; stamp: string }> {
  const { producer, stamp } = await inTenantTx(ctx, async (tx) => ({
    producer: await loadProducer(tx, ctx.tenant.tenantId),
    stamp: await viewVersionStamp(tx, ctx.tenant.tenantId),
  }));
  const seconds = Math.floor(Date.parse(stamp) / 1000);
  return {
    stamp,
    header: {
      uuid: mispEventUuid(ctx.tenant.tenantId),
      info: `${producer.name} active indicators`,
      date: stamp.slice(0, 10),
      timestamp: Number.isFinite(seconds) ? seconds : 0,
      threatLevelId: 2,
      analysis: 2,
      distribution: 0,
      orgc: { name: producer.name, uuid: uuidv5(threatfusionNamespace, `org/${producer.name}`) },
      published: true,
    },
  };
}

export async function getMispFeedManifest({
  ctx,
}: {
  ctx: ServiceContext;
}): Promise<{ body: string; stamp: string }> {
  authorizeAction(ctx, "export.read");
  const { header, stamp } = await feedHeader(ctx);
  return { body: mispManifest([header]), stamp };
}

export async function getMispFeedEvent({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { uuid: string };
}): Promise<{ body: ReadableStream<Uint8Array>; stamp: string }> {
  authorizeAction(ctx, "export.read");
  const { header, stamp } = await feedHeader(ctx);
  if (input.uuid !== header.uuid) throw new AppError("NOT_FOUND", "No such event in this feed");
  return { body: mispEventStream(exportRecords(ctx, {}, false), header), stamp };
}

export async function getMispFeedHashes({
  ctx,
}: {
  ctx: ServiceContext;
}): Promise<{ body: ReadableStream<Uint8Array>; stamp: string }> {
  authorizeAction(ctx, "export.read");
  const { header, stamp } = await feedHeader(ctx);
  const pairs = (async function* () {
    for await (const batch of exportRecords(ctx, {}, false)) {
      for (const record of batch) yield { eventUuid: header.uuid, record };
    }
  })();
  return { body: mispHashesCsvStream(pairs), stamp };
}
