import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A FAKE Meilisearch for tests (Meilisearch cannot be installed here: docs/adr/0004). It speaks the real
 * HTTP wire protocol of the calls our adapter makes — add documents (`POST /indexes/{uid}/documents`),
 * filterable attributes (`PUT|PATCH /indexes/{uid}/settings/filterable-attributes`), tasks
 * (`GET /tasks/{uid}`), search (`POST /indexes/{uid}/search` with `filter`, `limit`, `offset`) — over an
 * in-memory index with substring matching and the `attr IN [..] AND ...` filter syntax. It records every
 * request so tests can assert what the adapter sent.
 */
export interface FakeMeilisearch {
  url: string;
  documents: Map<string, Record<string, unknown>>;
  requests: { method: string; path: string; body: unknown }[];
  /** When set, search answers these hits whatever the query (to test the adapter's own checks). */
  forcedHits?: Record<string, unknown>[];
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}

function matchesFilter(document: Record<string, unknown>, filter: string | undefined): boolean {
  if (filter === undefined || filter === "") return true;
  return filter.split(/\s+AND\s+/).every((clause) => {
    const match = /^(\w+)\s+IN\s+\[(.*)\]$/.exec(clause.trim());
    if (match === null) throw new Error(`fake meilisearch: unsupported filter ${clause}`);
    const [, attribute, list] = match;
    const values = [...(list ?? "").matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((value) =>
      value[1]?.replace(/\\(.)/g, "$1"),
    );
    return values.includes(String(document[attribute ?? ""]));
  });
}

export async function startFakeMeilisearch(): Promise<FakeMeilisearch> {
  let taskUid = 0;
  const fake: Omit<FakeMeilisearch, "url" | "close"> = { documents: new Map(), requests: [] };
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://fake");
    const body = await readJson(request);
    fake.requests.push({ method: request.method ?? "GET", path: url.pathname, body });
    const send = (status: number, payload: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(payload));
    };
    const enqueued = (indexUid: string, type: string) => {
      taskUid += 1;
      send(202, { taskUid, indexUid, status: "enqueued", type, enqueuedAt: new Date().toISOString() });
    };
    const indexRoute = /^\/indexes\/([^/]+)\/(documents|search|settings\/filterable-attributes)$/.exec(
      url.pathname,
    );
    const taskRoute = /^\/tasks\/(\d+)$/.exec(url.pathname);
    if (taskRoute) {
      const now = new Date().toISOString();
      send(200, {
        uid: Number(taskRoute[1]),
        status: "succeeded",
        type: "documentAdditionOrUpdate",
        enqueuedAt: now,
        startedAt: now,
        finishedAt: now,
        duration: "PT0S",
        error: null,
      });
    } else if (indexRoute?.[2] === "documents" && request.method === "POST") {
      const primaryKey = url.searchParams.get("primaryKey") ?? "id";
      for (const document of (body as Record<string, unknown>[]) ?? [])
        fake.documents.set(String(document[primaryKey]), document);
      enqueued(indexRoute[1] ?? "", "documentAdditionOrUpdate");
    } else if (indexRoute?.[2] === "settings/filterable-attributes") {
      enqueued(indexRoute[1] ?? "", "settingsUpdate");
    } else if (indexRoute?.[2] === "search" && request.method === "POST") {
      const query = body as { q?: string; filter?: string; limit?: number; offset?: number };
      const q = (query.q ?? "").toLowerCase();
      const all =
        fake.forcedHits ??
        [...fake.documents.values()].filter(
          (document) =>
            matchesFilter(document, query.filter) &&
            `${String(document.value)} ${String(document.terms)}`.toLowerCase().includes(q),
        );
      const offset = query.offset ?? 0;
      const limit = query.limit ?? 20;
      const hits = all.slice(offset, offset + limit).map((hit) => ({ ...hit, _rankingScore: 0.9 }));
      send(200, {
        hits,
        query: query.q ?? "",
        processingTimeMs: 0,
        limit,
        offset,
        estimatedTotalHits: all.length,
      });
    } else {
      send(404, {
        message: `fake meilisearch: no route ${request.method} ${url.pathname}`,
        code: "not_found",
        type: "invalid_request",
        link: "",
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...fake,
    get forcedHits() {
      return fake.forcedHits;
    },
    set forcedHits(hits) {
      fake.forcedHits = hits;
    },
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
