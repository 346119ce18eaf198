import { createDatabase } from "@threatfusion/db";
import { exportReadConnections, type ServiceContext } from "@threatfusion/services";
import type { AppContext } from "../../app.ts";
import { serviceContext } from "../../auth/service-context.ts";

/**
 * A ServiceContext whose database lives as long as a streamed response, not as long as the handler: the
 * request's own database is closed when the handler returns, while an export keeps reading page by page
 * until the client has the last byte. `respond` closes this database when the body ends or is cancelled.
 */
export function streamingContext(c: AppContext): {
  ctx: ServiceContext;
  respond: (body: ReadableStream<Uint8Array>, init: ResponseInit) => Response;
  close: () => Promise<void>;
} {
  const config = c.get("config");
  // A full export reads the catalog over several connections at once (one snapshot); others use one.
  const handle = createDatabase(
    { url: config.DATABASE_URL, wsProxy: config.PG_WS_PROXY },
    { max: exportReadConnections },
  );
  // workerd reports the server closing an idle socket after `end()` as an error event; nothing is lost then.
  handle.pool.on("error", () => undefined);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.end().catch(() => {});
  };
  const ctx: ServiceContext = { ...serviceContext(c), db: handle.db };
  const respond = (body: ReadableStream<Uint8Array>, init: ResponseInit) => {
    const reader = body.getReader();
    const closing = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            const { done, value } = await reader.read();
            if (done) {
              controller.close();
              await close();
            } else {
              controller.enqueue(value);
            }
          } catch (error) {
            await close();
            controller.error(error);
          }
        },
        async cancel(reason) {
          await reader.cancel(reason).catch(() => {});
          await close();
        },
      },
      { highWaterMark: 1 },
    );
    const headers = new Headers(init.headers);
    headers.set("x-request-id", c.get("requestId"));
    return new Response(closing, { ...init, headers });
  };
  return { ctx, respond, close };
}
