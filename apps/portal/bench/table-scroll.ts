/**
 * Results-table benchmark: the built portal's virtualized table with 100,000 rows in real headless Chromium,
 * scrolled by a fast wheel and from top to bottom, next to references measured in the same run: an empty
 * animation-frame loop (the machine's frame budget), a bare-DOM windowed scroller of the same rows (hand-
 * written recycling with no framework: the raw limit of a windowed table here) and a plain, non-virtualized
 * <table>. Prints p50/p95/max frame gaps, the dropped-frame share (gaps over 1.5x the raw loop's median) and
 * the renderer's main-thread task time per frame (CDP), plus the load average.
 *
 *   pnpm build:portal && flock /tmp/bench.lock node apps/portal/bench/table-scroll.ts [rows] [--quick]
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { extname, join, resolve } from "node:path";
import { launchBrowser } from "../e2e/browser.ts";

const args = process.argv.slice(2);
const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
// `--quick` skips the plain <table> of every row (about 90 s to build 100,000 rows under load).
const quick = args.includes("--quick");
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
  /** Share of frame gaps longer than 1.5x the raw loop's median gap: frames the display missed. */
  dropped: number;
}

interface ScrollResult {
  gaps: number[];
  rendered: number;
  /** Renderer main-thread task time over the scroll, per frame (CDP Performance.getMetrics). */
  taskMsPerFrame: number;
  /** Of which script (JavaScript) time, per frame. */
  scriptMsPerFrame: number;
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
  // One CDP session per page, enabled once: TaskDuration is cumulative renderer main-thread time.
  const cdpSessions = new Map<
    typeof page,
    Awaited<ReturnType<ReturnType<typeof page.context>["newCDPSession"]>>
  >();
  const mainThreadSeconds = async (target: typeof page): Promise<{ task: number; script: number }> => {
    let cdp = cdpSessions.get(target);
    if (cdp === undefined) {
      cdp = await target.context().newCDPSession(target);
      await cdp.send("Performance.enable");
      cdpSessions.set(target, cdp);
    }
    const { metrics } = await cdp.send("Performance.getMetrics");
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    return { task: metric("TaskDuration"), script: metric("ScriptDuration") };
  };
  const scrollIn = async (
    target: typeof page,
    selector: string,
    pixelsPerFrame?: number,
  ): Promise<ScrollResult> => {
    const before = await mainThreadSeconds(target);
    const result = await target.evaluate(
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
    const after = await mainThreadSeconds(target);
    const perFrame = (seconds: number) => (seconds * 1000) / Math.max(1, result.gaps.length);
    return {
      ...result,
      taskMsPerFrame: perFrame(after.task - before.task),
      scriptMsPerFrame: perFrame(after.script - before.script),
    };
  };
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

  // Raw limit: a bare-DOM windowed scroller of the same rows and cells (fixed height, recycled slots,
  // textContent and translateY writes, no framework), the same size as the portal's table.
  const bareWindowed = async () => {
    const barePage = await browser.newPage();
    try {
      await barePage.goto(`${origin}/status`);
      await barePage.getByRole("heading", { name: "Platform status" }).waitFor();
      await barePage.evaluate((n) => {
        const rowHeight = 36;
        const host = document.createElement("div");
        host.id = "bare";
        host.style.cssText = "height:70vh;overflow:auto;contain:strict;position:relative";
        const spacer = document.createElement("div");
        spacer.style.cssText = `height:${n * rowHeight}px;position:relative`;
        host.append(spacer);
        document.querySelector("main")?.replaceChildren(host);
        const slots = Math.ceil(host.clientHeight / rowHeight) + 1 + 12;
        const cellsOf: HTMLElement[][] = [];
        const slotRow: number[] = [];
        for (let s = 0; s < slots; s++) {
          const row = document.createElement("div");
          row.style.cssText = `position:absolute;left:0;right:0;top:0;height:${rowHeight}px;contain:strict;display:grid;grid-template-columns:minmax(16rem,3fr) 6rem 5rem 8.5rem minmax(8rem,1.5fr) 7rem 7rem 7.5rem;align-items:center`;
          const cells: HTMLElement[] = [];
          for (let c = 0; c < 8; c++) {
            const cell = document.createElement("div");
            cell.style.cssText = "overflow:hidden;white-space:nowrap;padding:0 .5rem";
            row.append(cell);
            cells.push(cell);
          }
          spacer.append(row);
          cellsOf.push(cells);
          slotRow.push(-1);
        }
        const paint = () => {
          const first = Math.max(0, Math.min(Math.floor(host.scrollTop / rowHeight) - 6, n - slots));
          for (let i = first; i < first + slots && i < n; i++) {
            const s = i % slots;
            if (slotRow[s] === i) continue;
            slotRow[s] = i;
            const cells = cellsOf[s] ?? [];
            const a = (i >> 16) & 255;
            const b = (i >> 8) & 255;
            const c = i & 255;
            const texts = [
              i % 3 === 0 ? `host-${i}[.]example[.]com` : `10.${a}.${b}[.]${c}`,
              i % 3 === 0 ? "domain" : "ipv4",
              String((i * 37) % 101),
              "New",
              `feed-${i % 7}`,
              "2026-01-01",
              "2026-11-01",
              "TLP:CLEAR",
            ];
            texts.forEach((text, k) => {
              const cell = cells[k];
              if (cell) cell.textContent = text;
            });
            const element = cells[0]?.parentElement;
            if (element) element.style.transform = `translateY(${i * rowHeight}px)`;
          }
        };
        host.addEventListener("scroll", paint);
        paint();
      }, rows);
      const wheel = await scrollIn(barePage, "#bare", 120);
      await barePage.evaluate(() => {
        const host = document.querySelector("#bare");
        if (host) host.scrollTop = 0;
      });
      const jumps = await scrollIn(barePage, "#bare");
      const rendered = await barePage.locator("#bare > div > div").count();
      return { wheel: { ...wheel, rendered }, jumps: { ...jumps, rendered } };
    } finally {
      await barePage.close().catch(() => undefined);
    }
  };
  const bare = await bareWindowed();

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
  const plainFull = quick ? { failed: "skipped (--quick)" } : await plainTable(rows);
  const plainSmall = await plainTable(Math.min(rows, 10_000));

  const rawMedian = (() => {
    const sorted = raw.slice(1).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 16.7;
  })();
  const stats = (gaps: number[]): FrameStats => {
    const sorted = gaps.slice(1).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return {
      frames: sorted.length,
      p50: at(0.5),
      p95: at(0.95),
      max: at(1),
      dropped: sorted.filter((g) => g > 1.5 * rawMedian).length / Math.max(1, sorted.length),
    };
  };
  const line = (name: string, s: FrameStats, cpu: ScrollResult | null, extra: string) =>
    `${name.padEnd(38)} ${String(s.frames).padStart(6)} ${s.p50.toFixed(1).padStart(7)} ${s.p95.toFixed(1).padStart(7)} ${s.max.toFixed(1).padStart(7)} ${`${(s.dropped * 100).toFixed(1)}%`.padStart(8)} ${(cpu === null ? "" : cpu.taskMsPerFrame.toFixed(1)).padStart(9)} ${(cpu === null ? "" : cpu.scriptMsPerFrame.toFixed(1)).padStart(8)}   ${extra}`;
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
  console.log(
    `results table, ${rows.toLocaleString("en-US")} rows, headless Chromium (${new Date().toISOString()}), loadavg ${load}`,
  );
  console.log(
    `${"".padEnd(38)} ${"frames".padStart(6)} ${"p50 ms".padStart(7)} ${"p95 ms".padStart(7)} ${"max ms".padStart(7)} ${"dropped".padStart(8)} ${"task/frm".padStart(9)} ${"js/frm".padStart(8)}`,
  );
  console.log(line("raw rAF loop (frame budget)", stats(raw), null, ""));
  console.log(
    line(
      "bare-DOM windowing, wheel (raw limit)",
      stats(bare.wheel.gaps),
      bare.wheel,
      `${bare.wheel.rendered} rows in DOM`,
    ),
  );
  console.log(line("bare-DOM windowing, jumps (raw limit)", stats(bare.jumps.gaps), bare.jumps, ""));
  console.log(
    line(
      "portal table, wheel 120 px/frame",
      stats(virtualWheel.gaps),
      virtualWheel,
      `${virtualWheel.rendered} rows in DOM`,
    ),
  );
  console.log(
    line(
      "portal table, top→bottom jumps",
      stats(virtual.gaps),
      virtual,
      `first render ${firstRenderMs} ms, sort by score ${sortMs} ms, ${virtual.rendered} rows in DOM`,
    ),
  );
  for (const [label, result] of [
    [`plain <table> ${rows.toLocaleString("en-US")}, wheel (peer)`, plainFull],
    [`plain <table> ${Math.min(rows, 10_000).toLocaleString("en-US")}, wheel (peer)`, plainSmall],
  ] as const) {
    if ("failed" in result) console.log(`${label.padEnd(38)} failed: ${result.failed}`);
    else
      console.log(
        line(
          label,
          stats(result.gaps),
          result,
          `render ${result.renderMs} ms, ${result.rendered} rows in DOM`,
        ),
      );
  }
} finally {
  await browser.close().catch(() => undefined);
  server.close();
}
