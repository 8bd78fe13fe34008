import { performance } from 'node:perf_hooks';
import type { EventAppender } from '../src/app/event-appender.js';
import type { EventSubmission } from '../src/domain/chain/event.types.js';

/** What one load run measured in one process. */
export interface LoadResult {
  events: number;
  /** performance.timeOrigin-based wall clock (ms), comparable across processes on one machine. */
  startedAt: number;
  endedAt: number;
  /** Per-append latency in ms: from append() to its promise resolving (committed). */
  latenciesMs: Float64Array;
}

/**
 * Runs `concurrency` appenders that together append `events` events; each appender awaits one append before
 * starting its next, like a client waiting for its 201. `next(i)` returns the i-th submission, either taken from
 * a pre-signed array or signed on the spot (then signing runs inside the timed section). Any failed append
 * stops the run and is rethrown: a benchmark that drops events measures nothing.
 */
export async function runLoad(
  appender: EventAppender,
  concurrency: number,
  events: number,
  next: (i: number) => EventSubmission | Promise<EventSubmission>,
): Promise<LoadResult> {
  const latenciesMs = new Float64Array(events);
  let issued = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && issued < events) {
      const i = issued++;
      const submission = await next(i);
      const t0 = performance.now();
      try {
        await appender.append(submission);
      } catch (err) {
        failure ??= err;
        return;
      }
      latenciesMs[i] = performance.now() - t0;
    }
  };
  const startedAt = performance.timeOrigin + performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, events) }, worker));
  const endedAt = performance.timeOrigin + performance.now();
  await appender.flush();
  if (failure !== undefined) throw failure;
  return { events, startedAt, endedAt, latenciesMs };
}

/** p-th percentile (0–100, nearest rank) of latencies, in ms. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Merges several processes' results: total events over the union of their windows, all latencies pooled. */
export function mergeLoads(results: LoadResult[]): LoadResult {
  const total = results.reduce((n, r) => n + r.latenciesMs.length, 0);
  const latenciesMs = new Float64Array(total);
  let offset = 0;
  for (const r of results) {
    latenciesMs.set(r.latenciesMs, offset);
    offset += r.latenciesMs.length;
  }
  return {
    events: results.reduce((n, r) => n + r.events, 0),
    startedAt: Math.min(...results.map((r) => r.startedAt)),
    endedAt: Math.max(...results.map((r) => r.endedAt)),
    latenciesMs,
  };
}
