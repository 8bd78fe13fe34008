import { Worker } from 'node:worker_threads';
import type { BatchRunner } from './batch-runner.js';
import type { BatchResult, LineBatch } from './line-batch.js';
import type { FromVerifyWorker, ToVerifyWorker, WorkerSetup } from './worker-protocol.js';

/** Batches queued per worker beyond the one it is verifying, so no worker waits for the main thread. */
const QUEUED_PER_WORKER = 2;

interface Pending {
  resolve: (result: BatchResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
}

/**
 * `threads` worker threads, each verifying whole batches (verify-worker.ts) with checks built from `setup`.
 * A batch goes to the worker with the fewest in flight. Resolves once every worker has loaded its checks; rejects
 * (after stopping them) when one cannot. A worker that dies rejects its batches' promises.
 */
export async function createWorkerRunner(threads: number, setup: WorkerSetup): Promise<BatchRunner> {
  // Started together: each spends most of its start-up loading modules, which the threads do side by side.
  const starting = Array.from({ length: threads }, () => startWorker(setup));
  const started = await Promise.allSettled(starting);
  const slots = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure !== undefined) {
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw failure.reason;
  }
  return {
    capacity: threads * (1 + QUEUED_PER_WORKER),
    threads,
    run(batch) {
      const slot = slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
      return new Promise<BatchResult>((resolve, reject) => {
        slot.inFlight.set(batch.id, { resolve, reject });
        const message: ToVerifyWorker = { type: 'batch', batch };
        slot.worker.postMessage(message, [batch.text.buffer as ArrayBuffer]);
      });
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

function startWorker(setup: WorkerSetup): Promise<Slot> {
  const worker = spawn(setup);
  const slot: Slot = { worker, inFlight: new Map() };
  return new Promise<Slot>((ready, failed) => {
    let started = false;
    const failAll = (err: Error) => {
      if (!started) failed(err);
      for (const pending of slot.inFlight.values()) pending.reject(err);
      slot.inFlight.clear();
    };
    worker.on('message', (message: FromVerifyWorker) => {
      if (message.type === 'ready') {
        started = true;
        ready(slot);
      } else if (message.type === 'failed') {
        const err = new Error(`verification worker failed: ${message.message}`);
        if (message.id === -1) return failAll(err);
        slot.inFlight.get(message.id)?.reject(err);
        slot.inFlight.delete(message.id);
      } else {
        slot.inFlight.get(message.result.id)?.resolve(message.result);
        slot.inFlight.delete(message.result.id);
      }
    });
    worker.on('error', (err) => failAll(err));
    worker.on('exit', (code) => failAll(new Error(`verification worker exited with code ${code}`)));
  });
}

/**
 * Starts verify-worker next to this module. Built (dist/*.js), Node runs it directly, without the module hooks the
 * process may have been started with; from TypeScript sources (tests), the thread first registers tsx's loader.
 */
function spawn(setup: WorkerSetup): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(`./verify-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData: setup, execArgv: withoutModuleHooks(process.execArgv) });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData: setup });
}

/** Flags that load modules into every thread before its entry (`--import`, `--require`/`-r`, `--loader`). */
const MODULE_HOOK_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/**
 * `execArgv` without its module hooks. A built worker is plain JavaScript; a TypeScript script driving the built
 * code (the benchmark, under tsx) would otherwise have each worker load and run tsx's hooks on every import, which
 * made two workers slower than one thread.
 */
export function withoutModuleHooks(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (MODULE_HOOK_FLAGS.has(arg)) {
      i++; // and its value
    } else if (!MODULE_HOOK_FLAGS.has(arg.split('=')[0] as string)) {
      kept.push(arg);
    }
  }
  return kept;
}
