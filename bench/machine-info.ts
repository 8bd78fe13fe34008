import { cpus, totalmem, availableParallelism, release } from 'node:os';
import { readFileSync } from 'node:fs';
import { postgresUnreachable, adminQuery } from './bench-stack.js';

/** Where the numbers came from. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgresql: string | undefined;
  postgresSettings: Record<string, string> | undefined;
  pglite: string;
  summary: string;
}

const SETTINGS = ['synchronous_commit', 'fsync', 'wal_sync_method', 'shared_buffers', 'max_wal_size', 'track_functions'];

/** CPU, memory, Node, PostgreSQL server version and durability settings (when reachable), PGlite package version. */
export async function collectMachineInfo(pgUrl: string): Promise<MachineInfo> {
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  const cores = availableParallelism();
  const memoryGiB = totalmem() / 2 ** 30;
  let postgresql: string | undefined;
  let postgresSettings: Record<string, string> | undefined;
  if ((await postgresUnreachable(pgUrl)) === undefined) {
    const [row] = await adminQuery<{ version: string }>(pgUrl, 'SELECT version()');
    postgresql = row?.version;
    const rows = await adminQuery<{ name: string; setting: string; unit: string | null }>(
      pgUrl,
      `SELECT name, setting, unit FROM pg_settings WHERE name IN (${SETTINGS.map((s) => `'${s}'`).join(', ')})`,
    );
    postgresSettings = Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting]));
  }
  const pglite = readPackageVersion('@electric-sql/pglite');
  const lines = [
    `machine: ${cpuModel}, ${cores} cores, ${memoryGiB.toFixed(1)} GiB RAM, Linux ${release()}`,
    `node ${process.version}; PGlite ${pglite}; ${postgresql ?? 'PostgreSQL unreachable'}`,
  ];
  if (postgresSettings) lines.push(`postgresql settings: ${Object.entries(postgresSettings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return { cpuModel, cores, memoryGiB, kernel: release(), node: process.version, postgresql, postgresSettings, pglite, summary: lines.join('\n') };
}

function readPackageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
