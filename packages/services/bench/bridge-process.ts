/**
 * The loopback WebSocket bridge in a process of its own, for `rescore-db.ts`: in production Neon's proxy, on
 * other machines, terminates the driver's WebSocket, so the bench keeps the bridge's CPU out of the process it
 * measures (its CPU is printed separately). Prints `{"proxyAddress": …}` on one line once listening.
 * Usage: node bridge-process.ts <host> <port>
 */
import { startWsBridge } from "../../devstack/src/ws-bridge.ts";

const [host = "127.0.0.1", port = "5432"] = process.argv.slice(2);
const bridge = await startWsBridge({ target: { host, port: Number(port) } });
process.stdout.write(`${JSON.stringify({ proxyAddress: bridge.proxyAddress })}\n`);
process.on("SIGTERM", () => {
  void bridge.close().then(() => process.exit(0));
});
