import { verifyBatch, type BatchChecks } from './verify-batch.js';
import type { BatchResult, LineBatch } from './line-batch.js';

/**
 * Where batches are verified: worker threads (createWorkerRunner) or this thread (createInlineRunner). Results may
 * come back in any order; ResultOrder puts them back in line order.
 */
export interface BatchRunner {
  /** How many batches it can usefully hold at once (running and queued). */
  readonly capacity: number;
  /** Threads that verify (0 for inline). */
  readonly threads: number;
  /** Verifies one batch. Rejects only when a thread died or hit a bug: a fault in the data is a resolved result. */
  run(batch: LineBatch): Promise<BatchResult>;
  close(): Promise<void>;
}

/**
 * Verifies batches on the calling thread, one at a time, yielding to the event loop between batches (so a progress
 * bar keeps drawing). For `--workers 0`, tests and environments without worker threads.
 */
export function createInlineRunner(checks: BatchChecks): BatchRunner {
  return {
    capacity: 1,
    threads: 0,
    async run(batch) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return verifyBatch(batch, checks);
    },
    async close() {},
  };
}
