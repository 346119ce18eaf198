import type { Action, Actor, Logger, TenantTarget } from "@threatfusion/core";
import { AppError, can, canAccessTenant } from "@threatfusion/core";
import type { Database, DbTransaction, TenantContext, TenantScope } from "@threatfusion/db";
import { withTenantTx } from "@threatfusion/db";

/**
 * What every tenant-scoped service receives: who acts (from the authenticated session or API token, never
 * from input), for which tenant, and the app-role database. Services have the shape
 * `verbEntity({ ctx, input })`; HTTP routes, queue consumers, crons and Durable Objects are thin adapters
 * that build a ServiceContext and call them.
 */
export interface ServiceContext {
  /** App-role database (row-level security applies). One per request inside a Worker. */
  db: Database;
  actor: Actor;
  /** The acting tenant: the actor's own, or a client tenant an MSSP user switched into. */
  tenant: TenantTarget;
  requestId: string;
  logger: Logger;
  now: () => Date;
  /** Client address of the request, when there is one (audit, token IP allowlists). */
  ip?: string | undefined;
  /** An outer transaction to reuse (see withTenantTx). */
  tx?: DbTransaction | undefined;
  /** AES-GCM key from `SECRETS_KEY` (sealing TOTP secrets); identity services that need it say so. */
  secretsKey?: CryptoKey | undefined;
  /** How invitations leave the building (HTTP e-mail API, or the dev log). */
  mailer?: Mailer | undefined;
}

/**
 * What the few operations that run before anyone is authenticated receive (sign-in, accepting an invitation,
 * reading branding, verifying a presented credential): no actor and no tenant yet.
 */
export interface AnonymousContext {
  db: Database;
  requestId: string;
  logger: Logger;
  now: () => Date;
  ip?: string | undefined;
  secretsKey?: CryptoKey | undefined;
}

/** A message to one recipient; adapters (apps/api/src/mail) deliver it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** The mail adapter interface: an HTTP e-mail API in production, a logger in development. */
export interface Mailer {
  readonly kind: "http" | "log";
  send(message: MailMessage): Promise<void>;
}

/**
 * Checks the one permission table and the actor's reach over the acting tenant. A tenant outside the
 * actor's reach answers NOT_FOUND (never FORBIDDEN), so ids of other tenants are not confirmed to exist.
 */
export function authorizeAction(ctx: ServiceContext, action: Action): void {
  if (!canAccessTenant(ctx.actor, ctx.tenant)) throw new AppError("NOT_FOUND", "Not found");
  if (!can(ctx.actor, action)) {
    throw new AppError("FORBIDDEN", `You are not allowed to ${action.replace(".", " ")} here`, {
      details: { action },
    });
  }
}

/** Opens (or reuses) the acting tenant's transaction. */
export function inTenantTx<T>(
  ctx: ServiceContext,
  fn: (tx: DbTransaction) => Promise<T>,
  options: { scope?: TenantScope; readSnapshot?: { snapshot?: string } } = {},
): Promise<T> {
  return withTenantTx(
    {
      db: ctx.db,
      tenantId: ctx.tenant.tenantId,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.readSnapshot ? { readSnapshot: options.readSnapshot } : {}),
      ...(ctx.tx ? { tx: ctx.tx } : {}),
    },
    fn,
  );
}

/**
 * The acting tenant's context for a single-statement read in one round trip (`readInTenant`, or a query
 * helper that takes a TenantContext); reuses the outer transaction when the service runs inside one.
 */
export function tenantReadContext(ctx: ServiceContext, options: { scope?: TenantScope } = {}): TenantContext {
  return {
    db: ctx.db,
    tenantId: ctx.tenant.tenantId,
    ...(options.scope ? { scope: options.scope } : {}),
    ...(ctx.tx ? { tx: ctx.tx } : {}),
  };
}
