/**
 * What authentication costs per request, against a running Worker (`pnpm dev`), side by side with the
 * baselines measured in the same run: a request that touches nothing (anonymous 401), and one public request
 * with one database round trip (branding by host). Sequential requests, so figures are latency, not capacity.
 *
 *   node apps/api/bench/authentication.ts <base-url> <api-token> [requests]
 *   e.g. node apps/api/bench/authentication.ts http://127.0.0.1:8787 tf_… 200
 */
const [baseUrl, token, countText = "200"] = process.argv.slice(2);
if (!baseUrl || !token) {
  console.error("usage: node apps/api/bench/authentication.ts <base-url> <api-token> [requests]");
  process.exit(2);
}
const count = Number(countText);

async function measure(name: string, init: () => Promise<Response>): Promise<void> {
  const times: number[] = [];
  const statuses = new Set<number>();
  for (let i = 0; i < 5; i++) await (await init()).arrayBuffer(); // warm-up
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await init();
    await response.arrayBuffer();
    times.push(performance.now() - started);
    statuses.add(response.status);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  console.log(
    `| ${name} | ${[...statuses].join(",")} | ${at(0.5).toFixed(1)} | ${at(0.95).toFixed(1)} | ${(1000 / at(0.5)).toFixed(0)} |`,
  );
}

console.log(`${count} sequential requests each, ${baseUrl}`);
console.log("| request | status | p50 ms | p95 ms | req/s at p50 |\n| --- | --- | ---: | ---: | ---: |");
await measure("anonymous `GET /api/v1/auth/me` (no credentials: no DB, limit)", () =>
  fetch(`${baseUrl}/api/v1/auth/me`),
);
await measure("public `GET /api/v1/branding` (one DB round trip, peer)", () =>
  fetch(`${baseUrl}/api/v1/branding?host=contoso.intel.northwind.localhost`),
);
await measure("token `GET /api/v1/auth/me` (lookup, verify, 2 rate-limit DOs)", () =>
  fetch(`${baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } }),
);
await measure("bad token `GET /api/v1/auth/me` (checksum fails: no DB)", () =>
  fetch(`${baseUrl}/api/v1/auth/me`, {
    headers: { authorization: `Bearer ${token.slice(0, -1)}${token.endsWith("x") ? "y" : "x"}` },
  }),
);
