import type { ServiceContext } from "@threatfusion/services";
import type { AppContext } from "../app.ts";
import { createMailer } from "../mail/mailer.ts";
import { requestDatabase } from "./request-database.ts";
import { clientIp } from "./request-facts.ts";
import { currentActor, type RequireActorOptions } from "./require-actor.ts";

/**
 * The ServiceContext of an authenticated request: the actor and acting tenant from the authentication
 * middleware (never from input), the request's app-role database, request id, logger and client address.
 * Throws the 401 envelope when nobody is signed in.
 *
 * @example
 * app.openapi(route, async (c) => c.json(await listTokens({ ctx: serviceContext(c), input: {} })));
 */
export function serviceContext(c: AppContext, options: RequireActorOptions = {}): ServiceContext {
  const { actor, tenant } = currentActor(c, options);
  return {
    db: requestDatabase(c),
    actor,
    tenant,
    requestId: c.get("requestId"),
    logger: c.get("logger"),
    now: () => new Date(),
    ip: clientIp(c),
    secretsKey: c.get("secretsKey"),
    mailer: createMailer(c.get("config"), c.get("logger")),
  };
}
