import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { collectMachineInfo } from '../../machine-info.js';

/** The machine a run measured, as RESULTS.md states it. */
export interface EvidenceMachine {
  /** `model name` of /proc/cpuinfo. */
  cpuModel: string;
  /** Processors listed in /proc/cpuinfo, and how many this process may use. */
  cpus: number;
  availableCpus: number;
  /** MemTotal of /proc/meminfo, in GiB. */
  memoryGiB: number;
  kernel: string;
  node: string;
  postgresql: string;
  postgresSettings: Record<string, string>;
  redis: string;
  /** Load average (1, 5, 15 min) of /proc/loadavg when the run started: other work on the machine. */
  loadAverage: string;
  summary: string;
}

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Reads /proc (CPU, memory, load), Node's version, PostgreSQL's version and durability settings, and redis-server's version. */
export async function collectEvidenceMachine(pgAdminUrl: string): Promise<EvidenceMachine> {
  const cpuinfo = readProc('/proc/cpuinfo');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const cpus = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  const memKiB = Number(/^MemTotal:\s*(\d+) kB$/m.exec(readProc('/proc/meminfo'))?.[1] ?? Number.NaN);
  const loadAverage = readProc('/proc/loadavg').split(' ').slice(0, 3).join(', ');
  const pg = await collectMachineInfo(pgAdminUrl);
  let redis = 'redis-server not installed';
  try {
    redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // reported as missing
  }
  const machine = {
    cpuModel,
    cpus,
    availableCpus: availableParallelism(),
    memoryGiB: memKiB / 2 ** 20,
    kernel: `Linux ${release()}`,
    node: process.version,
    postgresql: pg.postgresql ?? 'unreachable',
    postgresSettings: pg.postgresSettings ?? {},
    redis,
    loadAverage,
  };
  const summary = [
    `machine: ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.kernel}; load average ${loadAverage}`,
    `node ${machine.node}; ${machine.postgresql}; ${machine.redis}`,
  ].join('\n');
  return { ...machine, summary };
}
