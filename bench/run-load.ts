import { performance } from 'node:perf_hooks';
import type { EventAppender } from '../src/app/event-appender.js';
import type { EventSubmission } from '../src/domain/chain/event.types.js';

/**
 * Longest stretch of appends per pre-signed segment. Pre-signed events must reach the log well within the
 * 5 s clock-drift threshold (migration 005), as a live agent's would: otherwise the drift trigger writes a
 * warning row per event and the benchmark measures a situation no real agent creates.
 */
export const SEGMENT_TARGET_SECONDS = 3;
const FIRST_SEGMENT_EVENTS = 1_000;

/** What one load run measured. */
export interface LoadResult {
  events: number;
  /** Timed milliseconds: the run's window, or the sum of its segments' windows. */
  busyMs: number;
  /** Per-append latency in ms: from append() to its promise resolving (committed). */
  latenciesMs: Float64Array;
}

/** One timed window: performance.timeOrigin-based wall clock (ms), comparable across processes on one machine. */
export interface LoadWindow extends LoadResult {
  startedAt: number;
  endedAt: number;
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
): Promise<LoadWindow> {
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
  return { events, startedAt, endedAt, busyMs: endedAt - startedAt, latenciesMs };
}

/**
 * Runs `events` as consecutive segments of about SEGMENT_TARGET_SECONDS each (the first of 1,000 events
 * measures the rate); `segment(offset, count)` prepares its events untimed and returns the timed window.
 */
export async function runInSegments(events: number, segment: (offset: number, count: number) => Promise<LoadResult>): Promise<LoadResult> {
  const parts: LoadResult[] = [];
  let size = Math.min(events, FIRST_SEGMENT_EVENTS);
  for (let offset = 0; offset < events; ) {
    const count = Math.min(size, events - offset);
    const part = await segment(offset, count);
    parts.push(part);
    offset += count;
    size = Math.max(FIRST_SEGMENT_EVENTS, Math.floor((part.events / part.busyMs) * 1000 * SEGMENT_TARGET_SECONDS));
  }
  return mergeSequential(parts);
}

/** p-th percentile (0–100, nearest rank) of sorted latencies, in ms. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

function concatLatencies(parts: LoadResult[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, r) => n + r.latenciesMs.length, 0));
  let offset = 0;
  for (const r of parts) {
    out.set(r.latenciesMs, offset);
    offset += r.latenciesMs.length;
  }
  return out;
}

/** Consecutive segments: events and timed milliseconds add up. */
export function mergeSequential(parts: LoadResult[]): LoadResult {
  return { events: parts.reduce((n, r) => n + r.events, 0), busyMs: parts.reduce((n, r) => n + r.busyMs, 0), latenciesMs: concatLatencies(parts) };
}

/** Processes running at once: all their events over the union of their windows. */
export function mergeParallel(parts: LoadWindow[]): LoadWindow {
  const startedAt = Math.min(...parts.map((r) => r.startedAt));
  const endedAt = Math.max(...parts.map((r) => r.endedAt));
  return { events: parts.reduce((n, r) => n + r.events, 0), startedAt, endedAt, busyMs: endedAt - startedAt, latenciesMs: concatLatencies(parts) };
}
