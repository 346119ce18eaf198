import { AppError, newId } from "@threatfusion/core";
import { parseFeedDefinition } from "@threatfusion/feeds";
import { indicatorTypes } from "@threatfusion/ioc";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { appendAudit } from "../audit/append.ts";
import { authorizeAction, inTenantTx, type ServiceContext } from "../context.ts";

export const createPrivateFeedInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  url: z.url({ protocol: /^https?$/ }).max(2000),
  format: z.string().min(1).max(40),
  cadenceSeconds: z
    .number()
    .int()
    .min(300)
    .max(7 * 86_400)
    .default(3600),
  /** Column / field mapping for csv, json and ndjson feeds (see `@threatfusion/feeds` options). */
  parser: z.record(z.string(), z.unknown()).default({}),
  reliability: z.enum(["A", "B", "C", "D", "E", "F"]).default("C"),
  tlp: z.enum(["clear", "green", "amber", "amber+strict", "red"]).default("amber"),
});
export type CreatePrivateFeedInput = z.input<typeof createPrivateFeedInputSchema>;

/**
 * Adds a feed private to the acting tenant (its MSSP may add one while acting for it): its indicators go to
 * the tenant's private indicators, never to the global catalog. Validated by the same rules as the built-in
 * catalog. Authenticated private feeds (stored secrets) are not supported yet.
 */
export async function createPrivateFeed({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: CreatePrivateFeedInput;
}): Promise<{ feedId: string; sourceId: string }> {
  authorizeAction(ctx, "feed.manage");
  const parsed = createPrivateFeedInputSchema.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION_FAILED", z.prettifyError(parsed.error));
  const feed = parsed.data;
  const definition = parseFeedDefinition({
    id: `private-${newId("feed").slice(-12)}`,
    name: feed.name,
    provider: "tenant",
    urls: [feed.url],
    format: feed.format,
    parser: feed.parser,
    cadenceSeconds: feed.cadenceSeconds,
    auth: { kind: "none" },
    licence: { name: "private", attributionRequired: false, commercialUse: "unknown" },
    reliability: feed.reliability,
    tlp: feed.tlp,
    indicatorTypes: [...indicatorTypes],
  });
  if (!definition.success) {
    throw new AppError("VALIDATION_FAILED", z.prettifyError(definition.error), {
      details: definition.error.issues,
    });
  }
  const sourceId = newId("source");
  const feedId = newId("feed");
  await inTenantTx(ctx, async (tx) => {
    const { rows: clash } = await tx.execute(
      sql`select 1 from feeds where tenant_id = ${ctx.tenant.tenantId} and name = ${feed.name}`,
    );
    if (clash.length > 0) throw new AppError("CONFLICT", "A feed with this name exists already");
    await tx.execute(sql`
      insert into sources (id, tenant_id, name, kind, reliability, default_tlp)
      values (${sourceId}, ${ctx.tenant.tenantId}, ${`feed: ${feed.name}`}, 'internal', ${feed.reliability}, ${feed.tlp})`);
    await tx.execute(sql`
      insert into feeds (id, tenant_id, source_id, name, url, format, cadence_seconds, enabled, config)
      values (${feedId}, ${ctx.tenant.tenantId}, ${sourceId}, ${feed.name}, ${feed.url}, ${feed.format},
              ${feed.cadenceSeconds}, true, ${JSON.stringify({ definition: definition.data })}::jsonb)`);
    await appendAudit(tx, {
      tenantId: ctx.tenant.tenantId,
      action: "feed.created",
      actor: ctx.actor,
      targetKind: "feed",
      targetId: feedId,
      details: { name: feed.name, format: feed.format },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: ctx.now(),
    });
  });
  return { feedId, sourceId };
}
