import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Starts the loopback WebSocket bridge in a process of its own (`bridge-process.ts`), so a benchmark can print the
 * bridge's CPU apart from its own (in production Neon's proxy terminates the driver's WebSocket on other
 * machines). Used by `bench:scoring:db` and `bench:ingest:floor`.
 */
export async function startBridgeProcess(
  host: string,
  port: number,
): Promise<{ proxyAddress: string; pid: number; close(): Promise<void> }> {
  const script = fileURLToPath(new URL("bridge-process.ts", import.meta.url));
  const child = spawn(process.execPath, [script, host, String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const end = buffered.indexOf("\n");
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    child.once("exit", (code) => reject(new Error(`bridge process exited with ${code}`)));
  });
  const { proxyAddress } = JSON.parse(line) as { proxyAddress: string };
  return {
    proxyAddress,
    pid: child.pid ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
