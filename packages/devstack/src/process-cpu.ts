import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * CPU figures the benchmarks print next to wall time (Linux `/proc`; the load generator, workerd and
 * PostgreSQL share the machine's cores, so CPU per process is the figure least skewed by other load).
 * Clock ticks are USER_HZ, 100 per second on Linux.
 */
const ticksPerSecond = 100;

/** The fields of `/proc/<pid>/stat` after the command name (which may hold spaces): state, ppid, …, utime at 11, stime at 12. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** CPU-seconds (user + system) one process has used so far; 0 when it is gone or not on Linux. */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = statFields(readFileSync(`/proc/${pid}/stat`, "utf8"));
    return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/**
 * Clock ticks used so far by each live process of the PostgreSQL server of `dataDir` (the postmaster and its
 * children, i.e. backends and background workers), by pid. Other servers on the machine do not count.
 */
export async function clusterCpuTicks(dataDir: string): Promise<Map<string, number>> {
  const postmaster = (await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0] ?? "";
  const ticks = new Map<string, number>();
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    const fields = statFields(stat);
    if (pid !== postmaster && fields[1] !== postmaster) continue;
    ticks.set(pid, Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

/**
 * CPU-seconds the server of `dataDir` used since `before` (from `clusterCpuTicks`). A backend that exited in
 * between is not counted: an undercount, never a negative.
 */
export async function clusterCpuSecondsSince(dataDir: string, before: Map<string, number>): Promise<number> {
  let used = 0;
  for (const [pid, ticks] of await clusterCpuTicks(dataDir)) used += ticks - (before.get(pid) ?? 0);
  return used / ticksPerSecond;
}

/**
 * CPU-seconds the whole server of `dataDir` has used so far: the postmaster, its live children (backends,
 * background workers) and, through the postmaster's children's time (`cutime`, `cstime`), the children that
 * exited, so a backend that ends between two readings still counts (`clusterCpuSecondsSince` leaves it out).
 */
export async function serverCpuSeconds(dataDir: string): Promise<number> {
  const postmaster = (await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0] ?? "";
  const own = statFields(await readFile(`/proc/${postmaster}/stat`, "utf8"));
  let ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(own[index] ?? 0), 0);
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid) || pid === postmaster) continue;
    try {
      const fields = statFields(await readFile(`/proc/${pid}/stat`, "utf8"));
      if (fields[1] === postmaster) ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      // Exited meanwhile: its time is in the postmaster's children's time by the next reading.
    }
  }
  return ticks / ticksPerSecond;
}

/** The machine's idle and total CPU time so far, in clock ticks (the `cpu` line of /proc/stat); zeros elsewhere. */
export function machineCpuTicks(): { idle: number; total: number } {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    // user nice system idle iowait irq softirq steal
    return {
      idle: (fields[3] ?? 0) + (fields[4] ?? 0),
      total: fields.reduce((sum, value) => sum + value, 0),
    };
  } catch {
    return { idle: 0, total: 0 };
  }
}

/** The machine's idle share between two `machineCpuTicks` readings (0 when no tick passed). */
export function machineIdleShareBetween(
  before: { idle: number; total: number },
  after: { idle: number; total: number },
): number {
  const total = after.total - before.total;
  return total > 0 ? (after.idle - before.idle) / total : 0;
}

/** `machineCpuTicks` read at an instant (ms since a chosen origin). */
export interface MachineTicksSample {
  at: number;
  idle: number;
  total: number;
}

/** Reads the machine's ticks every `intervalMs` until stopped: idle share by phase, cheaply. */
export function sampleMachineTicks(
  intervalMs = 250,
  origin = performance.now(),
): { stop(): MachineTicksSample[] } {
  const samples: MachineTicksSample[] = [];
  const take = () => samples.push({ at: performance.now() - origin, ...machineCpuTicks() });
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** The machine's idle share between the first and last sample in [from, to] (ms since the origin). */
export function machineIdleShare(samples: readonly MachineTicksSample[], from: number, to: number): number {
  const [first, last] = windowEnds(samples, from, to);
  return first === undefined || last === undefined ? 0 : machineIdleShareBetween(first, last);
}

/** CPU seconds the whole machine was busy (every process, all cores) between `from` and `to` of the samples. */
export function machineBusySeconds(samples: readonly MachineTicksSample[], from: number, to: number): number {
  const [first, last] = windowEnds(samples, from, to);
  if (first === undefined || last === undefined) return 0;
  return (last.total - last.idle - (first.total - first.idle)) / ticksPerSecond;
}

function windowEnds(
  samples: readonly MachineTicksSample[],
  from: number,
  to: number,
): [MachineTicksSample | undefined, MachineTicksSample | undefined] {
  const window = samples.filter((sample) => sample.at >= from && sample.at <= to);
  return [window[0], window[window.length - 1]];
}
