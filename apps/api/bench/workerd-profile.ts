/**
 * CPU profile of the Worker's isolate under `wrangler dev`, through its inspector (Chrome DevTools protocol):
 * what `node --cpu-prof` gives for Node. Bench-only (`BENCH_WORKERD_PROFILE=file.cpuprofile` in
 * bench:ingest). `summarizeProfile` prints self time by function, the figure a flame graph shows widest.
 */
import { writeFile } from "node:fs/promises";

interface InspectorTarget {
  webSocketDebuggerUrl?: string;
  title?: string;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** Node's WebSocket (undici) also takes request headers; the DOM constructor type this config sees does not. */
const NodeWebSocket = WebSocket as unknown as new (
  url: string,
  init: { headers: Record<string, string> },
) => WebSocket;

/** Starts sampling every isolate the inspector lists; `stop` writes the profile(s) and returns them. */
export async function startWorkerdProfile(
  inspectorOrigin: string,
  say: (message: string) => void,
): Promise<{ stop(path: string): Promise<CpuProfile[]> }> {
  const targets = (await (await fetch(`${inspectorOrigin}/json`)).json()) as InspectorTarget[];
  const sessions: { call(method: string, params?: object): Promise<unknown>; close(): void }[] = [];
  for (const target of targets) {
    if (target.webSocketDebuggerUrl === undefined) continue;
    // The inspector proxy refuses a connection without an Origin of its own host (DNS-rebinding guard).
    const socket = new NodeWebSocket(target.webSocketDebuggerUrl, {
      headers: { origin: new URL(inspectorOrigin).origin },
    });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error("inspector connection failed")), {
        once: true,
      });
    });
    let nextId = 1;
    const waiting = new Map<number, (result: unknown) => void>();
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) waiting.get(message.id)?.(message.result);
    });
    const call = (method: string, params: object = {}) =>
      new Promise<unknown>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      });
    await call("Profiler.enable");
    await call("Profiler.setSamplingInterval", { interval: 500 });
    await call("Profiler.start");
    sessions.push({ call, close: () => socket.close() });
    say(`profiling isolate "${target.title ?? "?"}"`);
  }
  return {
    async stop(path: string) {
      const profiles: CpuProfile[] = [];
      for (const [index, session] of sessions.entries()) {
        const result = (await session.call("Profiler.stop")) as { profile?: CpuProfile } | undefined;
        session.close();
        if (result?.profile === undefined) continue;
        profiles.push(result.profile);
        await writeFile(index === 0 ? path : `${path}.${index}`, JSON.stringify(result.profile));
      }
      return profiles;
    },
  };
}

/**
 * The source file of each bundle line: esbuild marks where each module starts (`// packages/…/x.ts`).
 * Returns a lookup from a 0-based line number to that path.
 */
export function bundleFiles(bundle: string): (line: number) => string {
  const starts: { line: number; file: string }[] = [];
  bundle.split("\n").forEach((text, line) => {
    const marker = /^\/\/ ((?:packages|apps|node_modules)\/\S+)$/.exec(text);
    if (marker?.[1] !== undefined) starts.push({ line, file: marker[1] });
  });
  return (line) => {
    let low = 0;
    let high = starts.length - 1;
    let found = "";
    while (low <= high) {
      const middle = (low + high) >> 1;
      const entry = starts[middle];
      if (entry === undefined) break;
      if (entry.line <= line) {
        found = entry.file;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found.replace(/^node_modules\/\.pnpm\/[^/]+\/node_modules\//, "");
  };
}

/**
 * Self and total (self + callees) time by function, the top `limit` of each as Markdown tables. Times are the
 * sampler's wall deltas: on a loaded machine they include waiting for a core, so read them as shares.
 */
export function summarizeProfile(
  profile: CpuProfile,
  fileOf: (line: number) => string = () => "",
  limit = 30,
): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const nameOf = (node: ProfileNode) => {
    const frame = node.callFrame;
    const file = frame.url.endsWith("index.js") ? fileOf(frame.lineNumber) : frame.url.split("/").pop();
    return `${frame.functionName || "(anonymous)"} ${file ?? ""}`.trim();
  };
  const selfMs = new Map<string, number>();
  const totalMs = new Map<string, number>();
  // Samples, each counted once: workerd takes no samples while the isolate waits (for the database, say), so
  // the first sample after a wait carries the wait in its time delta, and "self ms" credits it to the lines
  // that run right after an `await`. The sample count is the figure that follows CPU.
  const selfSamples = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let sampledMs = 0;
  samples.forEach((id, index) => {
    const node = byId.get(id);
    const ms = (deltas[index] ?? 0) / 1000;
    if (node === undefined) return;
    sampledMs += ms;
    selfMs.set(nameOf(node), (selfMs.get(nameOf(node)) ?? 0) + ms);
    selfSamples.set(nameOf(node), (selfSamples.get(nameOf(node)) ?? 0) + 1);
    const onStack = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const frame = byId.get(current);
      if (frame !== undefined) onStack.add(nameOf(frame));
    }
    for (const name of onStack) totalMs.set(name, (totalMs.get(name) ?? 0) + ms);
  });
  const idleMs = [...selfMs.entries()]
    .filter(([name]) => name.startsWith("(idle)") || name.startsWith("(program)"))
    .reduce((sum, [, ms]) => sum + ms, 0);
  const busy = Math.max(1, sampledMs - idleMs);
  const table = (title: string, times: Map<string, number>) => [
    "",
    `| ${title} ms | share of busy | function (module) |`,
    "| ---: | ---: | --- |",
    ...[...times.entries()]
      .filter(([name]) => !name.startsWith("(root)"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, ms]) => `| ${ms.toFixed(0)} | ${((ms / busy) * 100).toFixed(1)} % | ${name} |`),
  ];
  const idleSamples = [...selfSamples.entries()]
    .filter(([name]) => name.startsWith("(idle)") || name.startsWith("(program)"))
    .reduce((sum, [, count]) => sum + count, 0);
  const busySamples = Math.max(1, samples.length - idleSamples);
  return [
    `sampled ${(sampledMs / 1000).toFixed(1)} s, of which (idle)/(program) ${(idleMs / 1000).toFixed(1)} s`,
    "",
    `| self samples | share of busy samples (${busySamples}) | function (module) |`,
    "| ---: | ---: | --- |",
    ...[...selfSamples.entries()]
      .filter(
        ([name]) => !name.startsWith("(root)") && !name.startsWith("(idle)") && !name.startsWith("(program)"),
      )
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, count]) => `| ${count} | ${((count / busySamples) * 100).toFixed(1)} % | ${name} |`),
    ...table("self", selfMs),
    ...table("total", totalMs),
  ];
}
