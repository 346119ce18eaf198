import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Test support (Node only): a fake of a feed provider (abuse.ch, Spamhaus, a mirror…) speaking real HTTP on
 * loopback, so collectors are tested through a real socket, status line and headers, not a mocked fetch.
 */
export interface FakeFeedProvider {
  url: string;
  /** Requests seen, in order: path and headers. */
  requests: { path: string; headers: IncomingHttpHeaders }[];
  /** Sets the answer for a path (without query string). */
  route(path: string, answer: (response: ServerResponse, headers: IncomingHttpHeaders) => void): void;
  close(): Promise<void>;
}

export async function startFakeFeedProvider(): Promise<FakeFeedProvider> {
  const routes = new Map<string, (response: ServerResponse, headers: IncomingHttpHeaders) => void>();
  const requests: FakeFeedProvider["requests"] = [];
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    requests.push({ path: request.url ?? "/", headers: request.headers });
    const answer = routes.get(path);
    if (!answer) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    answer(response, request.headers);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (path, answer) => routes.set(path, answer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
