/**
 * Results-table benchmark: the built portal's virtualized table with 100,000 rows in real headless Chromium,
 * scrolled from top to bottom, next to two references measured in the same run: an empty animation-frame
 * loop (the raw frame budget of this machine) and a plain, non-virtualized <table> of the same rows.
 *
 *   pnpm build:portal && node apps/portal/bench/table-scroll.ts [rows]
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve } from "node:path";
import { launchBrowser } from "../e2e/browser.ts";

const rows = Number(process.argv[2] ?? 100_000);
const dist = resolve(import.meta.dirname, "../dist");
if (!existsSync(join(dist, "index.html"))) {
  console.error("build the portal first: pnpm build:portal");
  process.exit(1);
}

const types: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};
// A static server with SPA fallback; /api answers 404 envelopes (the bench page needs no API).
const server = createServer(async (request, response) => {
  const path = new URL(request.url ?? "/", "http://x").pathname;
  if (path.startsWith("/api/")) {
    response.writeHead(404, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        error: { code: "NOT_FOUND", message: "no API in the benchmark", requestId: "bench" },
      }),
    );
    return;
  }
  const file = join(dist, path);
  const target = file.startsWith(dist) && existsSync(file) && extname(file) ? file : join(dist, "index.html");
  response.writeHead(200, { "content-type": types[extname(target)] ?? "application/octet-stream" });
  response.end(await readFile(target));
});
await new Promise<void>((r) => server.listen(Number(process.env.BENCH_PORT ?? 0), "127.0.0.1", r));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

interface FrameStats {
  frames: number;
  p50: number;
  p95: number;
  max: number;
  over33: number;
}

const browser = await launchBrowser();
try {
  const page = await browser.newPage();

  // Raw frame budget: an empty requestAnimationFrame loop for 2 s.
  await page.goto(`${origin}/status`);
  await page.getByRole("heading", { name: "Platform status" }).waitFor();
  const raw = await page.evaluate(async () => {
    const gaps: number[] = [];
    let last = performance.now();
    const end = last + 2000;
    await new Promise<void>((done) => {
      const tick = (now: number) => {
        gaps.push(now - last);
        last = now;
        if (now < end) requestAnimationFrame(tick);
        else done();
      };
      requestAnimationFrame(tick);
    });
    return gaps;
  });

  // The portal's virtualized table.
  const started = Date.now();
  await page.goto(`${origin}/bench/table?rows=${rows}`);
  await page.locator(".vtable-row").first().waitFor();
  const firstRenderMs = Date.now() - started;
  const scrollIn = async (target: typeof page, selector: string, pixelsPerFrame?: number) =>
    target.evaluate(
      async ([sel, perFrame]) => {
        const element = document.querySelector(sel) as HTMLElement;
        const gaps: number[] = [];
        let last = performance.now();
        // 600 frames from top to bottom: every frame lands on rows never rendered before (the worst case
        // for a virtualized table; a fling on a trackpad moves far less per frame).
        const frames = 600;
        const step = perFrame ?? (element.scrollHeight - element.clientHeight) / frames;
        await new Promise<void>((done) => {
          let count = 0;
          const tick = (now: number) => {
            gaps.push(now - last);
            last = now;
            element.scrollTop = Math.round(++count * step);
            if (count < frames) requestAnimationFrame(tick);
            else done();
          };
          requestAnimationFrame(tick);
        });
        return { gaps, rendered: document.querySelectorAll(`${sel} [role=row], ${sel} tr`).length };
      },
      [selector, pixelsPerFrame] as const,
    );
  const virtual = await scrollIn(page, ".vtable-body");
  await page.evaluate(() => {
    const body = document.querySelector(".vtable-body");
    if (body) body.scrollTop = 0;
  });
  // A fast wheel or trackpad scroll: 120 px per frame (7,200 px/s at 60 Hz).
  const virtualWheel = await scrollIn(page, ".vtable-body", 120);
  const sortStarted = Date.now();
  await page.getByRole("button", { name: /^Score/ }).click();
  await page.locator('[role=columnheader][aria-sort="descending"]').waitFor();
  const sortMs = Date.now() - sortStarted;

  // Peer: a plain <table> with every row in the DOM, in a page of its own (it may not survive 100k rows).
  const plainTable = async (count: number) => {
    const peerPage = await browser.newPage();
    try {
      await peerPage.goto(`${origin}/status`);
      await peerPage.getByRole("heading", { name: "Platform status" }).waitFor();
      const plainStarted = Date.now();
      await peerPage.evaluate((n) => {
        const host = document.createElement("div");
        host.id = "plain";
        host.style.cssText = "height:70vh;overflow:auto";
        const table = document.createElement("table");
        const body = document.createElement("tbody");
        for (let i = 0; i < n; i++) {
          const tr = document.createElement("tr");
          const cells = [
            `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            "ipv4",
            String((i * 37) % 101),
            "new",
          ];
          for (const text of [...cells, `feed-${i % 7}`, "2026-01-01", "2026-11-01", "TLP:CLEAR"]) {
            const td = document.createElement("td");
            td.textContent = text;
            tr.append(td);
          }
          body.append(tr);
        }
        table.append(body);
        host.append(table);
        document.querySelector("main")?.replaceChildren(host);
      }, count);
      await peerPage.evaluate(
        () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
      );
      const renderMs = Date.now() - plainStarted;
      const result = await scrollIn(peerPage, "#plain", 120);
      return { ...result, renderMs };
    } catch (error) {
      return { failed: error instanceof Error ? error.message.split("\n")[0] : String(error) };
    } finally {
      await peerPage.close().catch(() => undefined);
    }
  };
  const plainFull = await plainTable(rows);
  const plainSmall = await plainTable(Math.min(rows, 10_000));

  const stats = (gaps: number[]): FrameStats => {
    const sorted = gaps.slice(1).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return {
      frames: sorted.length,
      p50: at(0.5),
      p95: at(0.95),
      max: at(1),
      over33: sorted.filter((g) => g > 33.4).length,
    };
  };
  const line = (name: string, s: FrameStats, extra: string) =>
    `${name.padEnd(36)} ${String(s.frames).padStart(6)} ${s.p50.toFixed(1).padStart(7)} ${s.p95.toFixed(1).padStart(7)} ${s.max.toFixed(1).padStart(7)} ${String(s.over33).padStart(8)}   ${extra}`;
  console.log(
    `results table, ${rows.toLocaleString("en-US")} rows, headless Chromium (${new Date().toISOString()})`,
  );
  console.log(
    `${"".padEnd(36)} ${"frames".padStart(6)} ${"p50 ms".padStart(7)} ${"p95 ms".padStart(7)} ${"max ms".padStart(7)} ${">33 ms".padStart(8)}`,
  );
  console.log(line("raw rAF loop (reference)", stats(raw), ""));
  console.log(
    line(
      "portal table, wheel 120 px/frame",
      stats(virtualWheel.gaps),
      `${virtualWheel.rendered} rows in DOM`,
    ),
  );
  console.log(
    line(
      "portal table, top→bottom jumps",
      stats(virtual.gaps),
      `first render ${firstRenderMs} ms, sort by score ${sortMs} ms, ${virtual.rendered} rows in DOM`,
    ),
  );
  for (const [label, result] of [
    [`plain <table> ${rows.toLocaleString("en-US")}, wheel (peer)`, plainFull],
    [`plain <table> ${Math.min(rows, 10_000).toLocaleString("en-US")}, wheel (peer)`, plainSmall],
  ] as const) {
    if ("failed" in result) console.log(`${label.padEnd(36)} failed: ${result.failed}`);
    else
      console.log(
        line(label, stats(result.gaps), `render ${result.renderMs} ms, ${result.rendered} rows in DOM`),
      );
  }
} finally {
  await browser.close().catch(() => undefined);
  server.close();
}
