import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * CPU seconds (or, from CpuMeter.percent, shares of one core): the benchmark's Node processes, the PostgreSQL
 * processes serving the benchmark database (its backends plus the server's background processes), and
 * everything else the machine did meanwhile, such as other people's test runs. A large `other` means the figures
 * were taken on a busy machine.
 */
export interface CpuSample {
  node: number;
  postgres: number;
  other: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of one process in seconds; undefined when it is gone or unreadable (Linux /proc only). */
function processCpu(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm) ": state is index 0, so utime (field 14) is index 11 and stime (15) is index 12.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine (all cores), from the first line of /proc/stat; 0 without /proc. */
function machineBusy(): number {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / clockTicks();
  } catch {
    return 0;
  }
}

function readAll(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const cpu = processCpu(pid);
    if (cpu !== undefined) out.set(pid, cpu);
  }
  return out;
}

/**
 * CPU a group of processes used between two readings. A process that started in between (a new backend, an
 * autovacuum worker) counts from zero; one that exited in between is lost (its last reading is unknown), so
 * the figure can only undercount, never go negative.
 */
function cpuUsedBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += Math.max(0, cpu - (before.get(pid) ?? 0));
  return total;
}

/**
 * Adds up CPU over several timed windows (segments), skipping the untimed preparation between them. The
 * PostgreSQL pid list is read before and after each window, so server processes that start inside it count.
 */
export class CpuMeter {
  private used: CpuSample = { node: 0, postgres: 0, other: 0 };

  constructor(
    private readonly nodePids: () => number[],
    private readonly pgPids: () => Promise<number[]> = async () => [],
  ) {}

  /** Runs `fn`, counting the CPU used while it runs. */
  async measure<T>(fn: () => Promise<T>): Promise<T> {
    const nodeIds = this.nodePids();
    const pgBefore = readAll(await this.pgPids());
    const nodeBefore = readAll(nodeIds);
    const busyBefore = machineBusy();
    const result = await fn();
    const busyAfter = machineBusy();
    const nodeAfter = readAll(nodeIds);
    const pgAfter = readAll([...pgBefore.keys()]);
    for (const [pid, cpu] of readAll((await this.pgPids()).filter((pid) => !pgAfter.has(pid)))) pgAfter.set(pid, cpu);
    const node = cpuUsedBetween(nodeBefore, nodeAfter);
    const postgres = cpuUsedBetween(pgBefore, pgAfter);
    this.used = {
      node: this.used.node + node,
      postgres: this.used.postgres + postgres,
      other: this.used.other + Math.max(0, busyAfter - busyBefore - node - postgres),
    };
    return result;
  }

  /** CPU used in the measured windows as a share of one core over `seconds` (100 = one full core). */
  percent(seconds: number): CpuSample {
    return { node: (100 * this.used.node) / seconds, postgres: (100 * this.used.postgres) / seconds, other: (100 * this.used.other) / seconds };
  }
}

/** Server processes working for the benchmark: backends of the current database and the background processes. */
export const BENCH_POSTGRES_PIDS_SQL = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR backend_type <> 'client backend'`;

/**
 * Waits until the whole machine stays under `maxPercent` busy (of all cores) for a 3 s sample, or `timeoutMs`
 * passes. Called between measurements, when the benchmark's own processes are idle.
 */
export async function waitForQuietMachine(maxPercent = 10, timeoutMs = 180_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const t0 = performance.now();
    const busy0 = machineBusy();
    await sleep(3_000);
    const share = (machineBusy() - busy0) / ((performance.now() - t0) / 1000) / availableParallelism();
    if (100 * share < maxPercent) return true;
  }
  return false;
}
