import type { BenchAgent } from './bench-agents.js';
import type { SigningMode } from './bench-options.js';

/** Parent -> worker messages of the multi-process PostgreSQL runs. */
export type ToWorker =
  | { type: 'init'; index: number; databaseUrl: string; dataDir: string; agentDir: string; agents: BenchAgent[]; warmupEvents: number }
  | { type: 'prepare'; run: string; offset: number; events: number; concurrency: number; signing: SigningMode }
  | { type: 'go' }
  | { type: 'close' };

/** Worker -> parent replies; each request gets exactly one. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'prepared' }
  | { type: 'done'; events: number; startedAt: number; endedAt: number; busyMs: number; latenciesMs: Float64Array }
  | { type: 'closed' }
  | { type: 'failed'; message: string };
