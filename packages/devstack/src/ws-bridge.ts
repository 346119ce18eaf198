import { connect } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

/**
 * The loopback WebSocket-to-TCP bridge that lets `@neondatabase/serverless` (which speaks the Postgres
 * wire protocol over WebSocket, as Neon's proxy does) reach a plain local Postgres. Dev and tests only.
 * It forwards to exactly one configured database address and refuses anything else, so it can never be
 * used as an open proxy.
 */
export interface WsBridge {
  port: number;
  /** The value for `neonConfig.wsProxy` style settings: `127.0.0.1:<port>/v1`. */
  proxyAddress: string;
  close(): Promise<void>;
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
}): Promise<WsBridge> {
  const allowed = new Set([`${options.target.host}:${options.target.port}`]);
  if (options.target.host === "127.0.0.1" || options.target.host === "localhost") {
    allowed.add(`localhost:${options.target.port}`).add(`127.0.0.1:${options.target.port}`);
  }
  const wss = new WebSocketServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    perMessageDeflate: false,
  });
  await new Promise<void>((resolve, reject) => {
    wss.once("listening", resolve);
    wss.once("error", reject);
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
    socket.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (open) tcp.write(chunk);
      else pending.push(chunk);
    });
    tcp.on("data", (chunk) => socket.send(chunk));
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.close(1011, "database connection failed"));
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
  });

  const address = wss.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    proxyAddress: `127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
