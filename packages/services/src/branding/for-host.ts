import { sql } from "drizzle-orm";
import type { AnonymousContext } from "../context.ts";

export interface PublicBranding {
  kind: string;
  slug: string;
  name: string;
  branding: Record<string, unknown>;
}

/**
 * The branding the portal shows before sign-in, found from the request's host: a tenant's custom domain,
 * `<client>.<mssp custom domain>`, or `<mssp>.<platform host>`. Public: it reveals branding only.
 */
export async function brandingForHost({
  ctx,
  input,
}: {
  ctx: AnonymousContext;
  input: { host: string; platformHost: string };
}): Promise<PublicBranding | null> {
  const host = input.host.toLowerCase().replace(/:\d+$/, "");
  const result = await ctx.db.execute<{
    tenant_kind: string;
    slug: string;
    name: string;
    branding: Record<string, unknown>;
  }>(
    sql`select * from tf_branding_for_host(${host}, ${input.platformHost.toLowerCase().replace(/:\d+$/, "")})`,
  );
  const row = result.rows[0];
  return row ? { kind: row.tenant_kind, slug: row.slug, name: row.name, branding: row.branding } : null;
}
