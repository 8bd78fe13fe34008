import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mergeParallel, type LoadWindow } from './run-load.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';
import type { SigningMode } from './bench-options.js';
import type { BenchAgent } from './bench-agents.js';

const WORKER_PATH = fileURLToPath(new URL('./pg-worker.ts', import.meta.url));

/** Sends one request to a worker and resolves with its reply; a 'failed' reply or an exit rejects. */
function request(child: ChildProcess, message: ToWorker): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (answer: FromWorker) => {
      cleanup();
      if (answer.type === 'failed') reject(new Error(`worker ${child.pid}: ${answer.message}`));
      else resolve(answer);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`worker ${child.pid} exited (${code}) while handling ${message.type}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(message);
  });
}

/** Settings each worker needs to open its own stack on the shared database. */
export interface WorkerInit {
  databaseUrl: string;
  dataDir: string;
  agentDir: string;
  agents: BenchAgent[];
  warmupEvents: number;
}

/**
 * N forked processes, each with its own EventAppender and pg pool on one database, as when several API
 * processes serve one PostgreSQL. A run is prepared everywhere first (pre-signing included), then started at
 * once; throughput is all events over the union of the workers' timed windows.
 */
export class WorkerPool {
  private constructor(private readonly children: ChildProcess[]) {}

  static async start(count: number, init: WorkerInit): Promise<WorkerPool> {
    const children = Array.from({ length: count }, () => fork(WORKER_PATH, [], { serialization: 'advanced', execArgv: process.execArgv, stdio: 'inherit' }));
    const pool = new WorkerPool(children);
    try {
      await Promise.all(children.map((child, index) => request(child, { type: 'init', index, ...init })));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid ?? -1);
  }

  /**
   * Prepares (untimed; pre-signing happens here) events offset..offset+events-1 of `run`, split evenly over the
   * workers, each to be appended by `concurrency / workers` appenders.
   */
  async prepare(run: string, offset: number, events: number, concurrency: number, signing: SigningMode): Promise<void> {
    const n = this.children.length;
    const share = (i: number) => Math.floor(events / n) + (i < events % n ? 1 : 0);
    let start = offset;
    await Promise.all(
      this.children.map((child, i) => {
        const message: ToWorker = { type: 'prepare', run, offset: start, events: share(i), concurrency: Math.max(1, Math.floor(concurrency / n)), signing };
        start += share(i);
        return request(child, message);
      }),
    );
  }

  /** Starts the prepared run in every worker at once; resolves with all events over the union of their windows. */
  async go(): Promise<LoadWindow> {
    const answers = await Promise.all(this.children.map((child) => request(child, { type: 'go' })));
    return mergeParallel(answers.map((a) => (a.type === 'done' ? a : unexpected(a))));
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map((child) =>
        child.exitCode !== null || !child.connected
          ? undefined
          : request(child, { type: 'close' }).catch(() => undefined),
      ),
    );
  }
}

function unexpected(answer: FromWorker): never {
  throw new Error(`unexpected worker reply ${answer.type}`);
}
