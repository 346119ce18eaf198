import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:net";
import pg from "pg";
import { WebSocket, WebSocketServer } from "ws";

/**
 * The loopback bridge that lets `@neondatabase/serverless` reach a plain local Postgres, as Neon's proxy
 * does for Neon: WebSocket-to-TCP at `/v1` (the driver's `Pool`/`Client`, Postgres wire protocol over a
 * WebSocket), and Neon's HTTP query endpoint at `POST /sql` (the driver's `neon()` one-shot queries and
 * non-interactive `transaction([...])`, answered over a small set of pooled `pg` connections). Dev and
 * tests only. It forwards to exactly one configured database address and refuses anything else, so it can
 * never be used as an open proxy.
 */
export interface WsBridge {
  port: number;
  /** The value for `neonConfig.wsProxy` style settings: `127.0.0.1:<port>/v1`. */
  proxyAddress: string;
  /** The value for `neonConfig.fetchEndpoint`: `http://127.0.0.1:<port>/sql`. */
  httpEndpoint: string;
  /** What the WebSocket connections carried so far, both ways (also answered at `GET /traffic`). */
  traffic(): BridgeTraffic;
  close(): Promise<void>;
}

/**
 * Bytes and messages through the bridge's WebSocket connections since it started: WebSocket messages from
 * the clients to the database, and TCP reads from the database sent back as one WebSocket message each.
 */
export interface BridgeTraffic {
  toDatabase: { bytes: number; messages: number };
  fromDatabase: { bytes: number; messages: number };
}

const zeroMask = (mask: Uint8Array): void => {
  mask.fill(0);
};

/**
 * The WebSocket for the Neon driver in Node processes that talk to the loopback bridge (benchmarks, CLI
 * tools): `neonConfig.webSocketConstructor = LoopbackWebSocket`. It sends with an all-zero mask, which `ws`
 * then skips on both ends; masking every byte of a 1 MB bulk statement twice (client and bridge) took about
 * 5% of the bulk benchmark's Node CPU in a profile. Masking protects browsers' intermediaries, of which
 * loopback has none: never use this for a connection that leaves the machine. In Workers the runtime's own
 * WebSocket is used.
 */
export class LoopbackWebSocket extends WebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    super(address, protocols, { generateMask: zeroMask, perMessageDeflate: false });
  }
}

export async function startWsBridge(options: {
  target: { host: string; port: number };
  port?: number;
  host?: string;
  /**
   * Experiment only (default off; `BENCH_BRIDGE_PREPARED=1` turns it on): answer `/sql` statements as named
   * prepared statements on the pooled connections, so PostgreSQL reuses their plans, as a pooler that caches
   * prepared statements would. Neon's HTTP endpoint does not do this: never the default.
   */
  prepareStatements?: boolean;
}): Promise<WsBridge> {
  const allowed = new Set([`${options.target.host}:${options.target.port}`]);
  if (options.target.host === "127.0.0.1" || options.target.host === "localhost") {
    allowed.add(`localhost:${options.target.port}`).add(`127.0.0.1:${options.target.port}`);
  }
  const sql = neonHttpEndpoint(
    options.target,
    allowed,
    options.prepareStatements ?? process.env.BENCH_BRIDGE_PREPARED === "1",
  );
  const traffic: BridgeTraffic = {
    toDatabase: { bytes: 0, messages: 0 },
    fromDatabase: { bytes: 0, messages: 0 },
  };
  const server = createServer((request, response) => {
    // What the WebSocket connections carried so far, for a benchmark that runs the bridge in a process of its own.
    if (request.method === "GET" && request.url === "/traffic") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(traffic));
      return;
    }
    sql.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end(error instanceof Error ? error.message : String(error));
    });
  });
  // Keep-alive connections from the driver's fetch: longer than the client's idle timeout, so the bridge
  // never closes a socket the client is about to reuse.
  server.keepAliveTimeout = 65_000;
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  });

  wss.on("connection", (socket, request) => {
    const url = new URL(request.url ?? "/", "http://bridge");
    const address = url.searchParams.get("address") ?? "";
    if (url.pathname !== "/v1" || !allowed.has(address)) {
      socket.close(1008, "address not allowed by the dev bridge");
      return;
    }
    const tcp = connect({ host: options.target.host, port: options.target.port });
    tcp.setNoDelay(true);
    const pending: Buffer[] = [];
    let open = false;
    tcp.on("connect", () => {
      open = true;
      for (const chunk of pending) tcp.write(chunk);
      pending.length = 0;
    });
    // `ws` hands over Buffers (its default binaryType): forwarded as they are, fragments one after the
    // other, where a copy of every message (Buffer.from, Buffer.concat) cost a pass over each byte sent.
    const forward = (chunk: Buffer) => {
      if (open) tcp.write(chunk);
      else pending.push(chunk);
    };
    socket.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => {
      traffic.toDatabase.messages++;
      if (Array.isArray(data))
        for (const fragment of data) {
          traffic.toDatabase.bytes += fragment.byteLength;
          forward(fragment);
        }
      else {
        traffic.toDatabase.bytes += data.byteLength;
        forward(Buffer.isBuffer(data) ? data : Buffer.from(data));
      }
    });
    tcp.on("data", (chunk) => {
      traffic.fromDatabase.messages++;
      traffic.fromDatabase.bytes += chunk.byteLength;
      socket.send(chunk);
    });
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.close(1011, "database connection failed"));
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
  });

  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    proxyAddress: `127.0.0.1:${port}/v1`,
    httpEndpoint: `http://127.0.0.1:${port}/sql`,
    traffic: () => ({ toDatabase: { ...traffic.toDatabase }, fromDatabase: { ...traffic.fromDatabase } }),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sql.close();
    },
  };
}

/** One statement of Neon's HTTP wire format: `params` as the driver prepared them (text or null). */
interface HttpQuery {
  query: string;
  params?: (string | null)[];
}

/** Values come back as Postgres text (`Neon-Raw-Text-Output`); the driver parses them by `dataTypeID`. */
const rawText = { getTypeParser: () => (value: string) => value };

const isolationLevels: Record<string, string> = {
  ReadUncommitted: "read uncommitted",
  ReadCommitted: "read committed",
  RepeatableRead: "repeatable read",
  Serializable: "serializable",
};

// The fields of a Postgres error that Neon's endpoint returns with a 400 (the driver copies them onto its error).
const errorFields = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

/** Largest request body accepted (Neon's own limit is of this order). */
const maxBodyBytes = 64 * 1024 * 1024;

/**
 * Neon's HTTP query endpoint (`POST /sql`) as `@neondatabase/serverless` speaks it: the connection string
 * in `Neon-Connection-String`, a body `{query, params}` or `{queries: [...]}` (a batch runs in one
 * transaction, shaped by the `Neon-Batch-*` headers), answered with `{command, rowCount, rows, fields}` or
 * `{results: [...]}`, and a Postgres error as a 400 carrying its fields. A pool of a few connections per
 * role (connection string) serves every request, as Neon's proxy pools behind its endpoint.
 */
function neonHttpEndpoint(
  target: { host: string; port: number },
  allowed: Set<string>,
  prepareStatements: boolean,
) {
  const pools = new Map<string, pg.Pool>();
  const poolFor = (connectionString: string): pg.Pool => {
    let pool = pools.get(connectionString);
    if (pool === undefined) {
      const url = new URL(connectionString);
      pool = new pg.Pool({
        host: target.host,
        port: target.port,
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: decodeURIComponent(url.pathname.slice(1)),
        max: 6,
        idleTimeoutMillis: 60_000,
      });
      // An idle connection that the server ended is dropped by the pool; nothing to do but not crash.
      pool.on("error", () => {});
      pools.set(connectionString, pool);
    }
    return pool;
  };

  const respond = (response: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
    response.end(text);
  };

  const run = async (client: pg.PoolClient, query: HttpQuery, arrayMode: boolean) => {
    const result = await client.query({
      ...(prepareStatements
        ? { name: `tf_${createHash("sha1").update(query.query).digest("hex").slice(0, 24)}` }
        : {}),
      text: query.query,
      values: query.params ?? [],
      types: rawText,
      ...(arrayMode ? { rowMode: "array" as const } : {}),
    });
    return {
      command: result.command,
      rowCount: result.rowCount,
      rows: result.rows,
      fields: result.fields.map((field) => ({ ...field, format: "text" })),
      rowAsArray: arrayMode,
    };
  };

  return {
    async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
      if (request.method !== "POST" || new URL(request.url ?? "/", "http://bridge").pathname !== "/sql") {
        respond(response, 404, { message: "the dev bridge answers POST /sql and WebSocket /v1 only" });
        return;
      }
      const connectionString = request.headers["neon-connection-string"];
      let address = "";
      try {
        const url = new URL(typeof connectionString === "string" ? connectionString : "");
        address = `${url.hostname}:${url.port || "5432"}`;
      } catch {
        // refused below
      }
      if (typeof connectionString !== "string" || !allowed.has(address)) {
        respond(response, 400, { message: "address not allowed by the dev bridge" });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of request) {
        size += (chunk as Buffer).length;
        if (size > maxBodyBytes) {
          respond(response, 413, { message: "request body too large" });
          return;
        }
        chunks.push(chunk as Buffer);
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as HttpQuery | { queries: HttpQuery[] };
      const arrayMode = request.headers["neon-array-mode"] === "true";
      const client = await poolFor(connectionString).connect();
      let broken = false;
      try {
        if ("queries" in body) {
          const header = (name: string) => request.headers[name];
          const isolation = isolationLevels[String(header("neon-batch-isolation-level"))];
          const begin = [
            "begin",
            ...(isolation === undefined ? [] : [`isolation level ${isolation}`]),
            ...(header("neon-batch-read-only") === "true" ? ["read only"] : []),
            ...(header("neon-batch-deferrable") === "true" ? ["deferrable"] : []),
          ].join(" ");
          await client.query(begin);
          try {
            const results = [];
            for (const query of body.queries) results.push(await run(client, query, arrayMode));
            await client.query("commit");
            respond(response, 200, { results });
          } catch (error) {
            await client.query("rollback");
            throw error;
          }
        } else {
          respond(response, 200, await run(client, body, arrayMode));
        }
      } catch (error) {
        if (error instanceof pg.DatabaseError) {
          const fields: Record<string, unknown> = { message: error.message };
          for (const field of errorFields) if (error[field] !== undefined) fields[field] = error[field];
          respond(response, 400, fields);
        } else {
          broken = true;
          throw error;
        }
      } finally {
        client.release(broken);
      }
    },
    async close(): Promise<void> {
      await Promise.all([...pools.values()].map((pool) => pool.end()));
      pools.clear();
    },
  };
}
