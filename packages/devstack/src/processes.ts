import { type ChildProcess, spawn } from "node:child_process";

/**
 * Child processes of the dev stack, started in their own process group so that one signal stops each
 * one with everything it spawned (wrangler starts workerd; pnpm starts vite).
 */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void },
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const forward = (stream: NodeJS.ReadableStream | null) => {
    let buffered = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) (options.onLine ?? ((l: string) => console.log(`[${name}] ${l}`)))(line);
    });
  };
  forward(child.stdout);
  forward(child.stderr);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  return {
    name,
    child,
    exited,
    stop: async () => {
      signalGroup("SIGTERM");
      const timeout = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), 5_000).unref(),
      );
      if ((await Promise.race([exited, timeout])) === "timeout") signalGroup("SIGKILL");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    },
  };
}

export async function runToCompletion(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<void> {
  const process = startProcess(name, command, args, options);
  const code = await process.exited;
  if (code !== 0) throw new Error(`${name} failed (exit code ${code})`);
}
