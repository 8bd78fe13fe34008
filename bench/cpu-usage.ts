import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far, split between PostgreSQL server processes and the given Node processes. */
export interface CpuSample {
  postgres: number;
  node: number;
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

/** utime + stime of one process in seconds, or undefined when it is gone or unreadable. */
function processCpu(pid: number): { comm: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // Fields after "(comm) ": state is index 0, so utime (field 14) is index 11 and stime (15) is index 12.
    return { comm, seconds: (Number(fields[11]) + Number(fields[12])) / clockTicks() };
  } catch {
    return undefined;
  }
}

/**
 * Reads /proc (Linux only): every process named `postgres` counts as server, `nodePids` as the appenders.
 * A backend that exits between two samples takes its CPU with it, so sample around runs whose connections stay
 * open. Returns zeros where /proc is unavailable.
 */
export function sampleCpu(nodePids: number[]): CpuSample {
  let postgres = 0;
  let node = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { postgres, node };
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (nodePids.includes(pid)) {
      node += processCpu(pid)?.seconds ?? 0;
      continue;
    }
    const p = processCpu(pid);
    if (p?.comm === 'postgres') postgres += p.seconds;
  }
  return { postgres, node };
}

/** CPU used between two samples, as a share of one core over `seconds` of wall time (100 = one full core). */
export function cpuPercent(before: CpuSample, after: CpuSample, seconds: number): CpuSample {
  return {
    postgres: (100 * (after.postgres - before.postgres)) / seconds,
    node: (100 * (after.node - before.node)) / seconds,
  };
}
