import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuMeter } from '../../cpu-usage.js';
import { progress } from '../progress.js';
import { describeLevel, toLevelResult, workloadPayload, type LevelResult } from './workload.js';
import type { LoadWindow } from './closed-loop.js';

/** The Emmett comparison's own package (its peer dependencies conflict with the root package's). */
const EMMETT_DIR = join('bench', 'evidence', 'emmett');
const WARMUP_MS = 1_500;

/** Installs the Emmett package from its lock file (`npm ci`) unless already installed; returns the installed version. */
export function ensureEmmettInstalled(): string {
  const installed = join(EMMETT_DIR, 'node_modules', '@event-driven-io', 'emmett-postgresql', 'package.json');
  if (!existsSync(installed)) {
    progress(`installing the Emmett comparison package (npm ci --prefix ${EMMETT_DIR})…`);
    execFileSync('npm', ['ci', '--prefix', EMMETT_DIR, '--ignore-scripts', '--no-audit', '--no-fund'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return (JSON.parse(readFileSync(installed, 'utf8')) as { version: string }).version;
}

/** The child process running Emmett (emmett/emmett-writer.mjs): one request at a time, answered in order. */
class EmmettChild {
  private constructor(private readonly child: ChildProcess) {}

  static async start(databaseUrl: string): Promise<EmmettChild> {
    const child = fork(join(EMMETT_DIR, 'emmett-writer.mjs'), [], { env: { PATH: process.env.PATH, EVIDENCE_DATABASE_URL: databaseUrl }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const emmett = new EmmettChild(child);
    await emmett.next('ready');
    return emmett;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  next<T>(type: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the Emmett child exited (${code}) before answering ${type}`));
      this.child.once('exit', onExit);
      this.child.once('message', (message: { type: string; message?: string }) => {
        this.child.off('exit', onExit);
        if (message.type === type) resolve(message as T);
        else reject(new Error(`the Emmett child answered ${message.type}: ${message.message ?? ''}`));
      });
    });
  }

  async run(writers: number, durationMs: number, run: string): Promise<LoadWindow> {
    this.child.send({ type: 'run', writers, durationMs, run, payload: workloadPayload(0, run) });
    return this.next<LoadWindow>('window');
  }

  async count(): Promise<number> {
    this.child.send({ type: 'count' });
    return (await this.next<{ n: number }>('count')).n;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'close' });
    await exited;
  }
}

/**
 * appends/s and latency of the Emmett PostgreSQL event store (appendToStream in its own process, no HTTP, no
 * signatures, no chain) on a fresh database, at each level. Returns the results, the acknowledged appends and the
 * rows stored in emt_messages (which must equal them).
 */
export async function measureEmmett(databaseUrl: string, levels: number[], seconds: number, pgPids: () => Promise<number[]>): Promise<{ results: LevelResult[]; acked: number; stored: number }> {
  const system = 'Emmett PostgreSQL event store' as const;
  const emmett = await EmmettChild.start(databaseUrl);
  try {
    const warm = await emmett.run(16, WARMUP_MS, 'warmup');
    progress(`${system}: warm-up ${warm.events} appends (not reported)`);
    let acked = warm.events;
    const results: LevelResult[] = [];
    for (const writers of levels) {
      const meter = new CpuMeter(() => [emmett.pid], pgPids);
      const window = await meter.measure(() => emmett.run(writers, seconds * 1000, `c${writers}`));
      acked += window.events;
      const result = toLevelResult(system, writers, window, meter.percent(window.busyMs / 1000));
      progress(describeLevel(result));
      results.push(result);
    }
    return { results, acked, stored: await emmett.count() };
  } finally {
    await emmett.close();
  }
}
