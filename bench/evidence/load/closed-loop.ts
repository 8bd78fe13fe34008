import { performance } from 'node:perf_hooks';

/** What one append attempt ended as: ok, or the key it is counted under (e.g. "503 SYSTEM_HALTED", "network"). */
export type OpOutcome = true | string;

/** What a timed window measured. */
export interface LoadWindow {
  /** Appends acknowledged. */
  events: number;
  /** Milliseconds from the first writer's start to the last writer's end. */
  busyMs: number;
  /** Per acknowledged append, ms from the call to its acknowledgement. */
  latenciesMs: number[];
  /** Failed attempts by outcome key. */
  failures: Record<string, number>;
}

/** One append attempt: `i` counts attempts across writers, `writer` is the calling writer (0-based). */
export type AppendOp = (i: number, writer: number) => Promise<OpOutcome>;

/**
 * Runs `writers` concurrent closed-loop writers: each calls `op(i, writer)` and starts its
 * next call the moment the last one ended, like a client waiting for its 201. Writers stop starting calls once
 * `durationMs` has passed or `limit` calls have started; the window ends when the last call has ended. A failure
 * is counted (never thrown) and the writer goes on after `failurePauseMs`.
 */
export async function runClosedLoop(writers: number, op: AppendOp, durationMs: number, limit = Number.POSITIVE_INFINITY, failurePauseMs = 10): Promise<LoadWindow> {
  const latenciesMs: number[] = [];
  const failures: Record<string, number> = {};
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const loop = async (writer: number): Promise<void> => {
    while (started < limit && performance.now() < deadline) {
      const i = started++;
      const sent = performance.now();
      let outcome: OpOutcome;
      try {
        outcome = await op(i, writer);
      } catch (err) {
        outcome = `thrown ${(err as { code?: string }).code ?? (err as Error).name}`;
      }
      if (outcome === true) {
        latenciesMs.push(performance.now() - sent);
        continue;
      }
      failures[outcome] = (failures[outcome] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, failurePauseMs));
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => loop(w)));
  return { events: latenciesMs.length, busyMs: performance.now() - t0, latenciesMs, failures };
}

/**
 * Runs `totalMs` of timed load as consecutive segments of about `segmentMs`: before each, `prepare(count)` makes
 * the segment's work untimed (agents sign their submissions; pre-signed events must reach the log within the 5 s
 * clock-drift threshold, as a live agent's would) and returns the op. The first segment's size is `firstCount`;
 * later ones are sized from the rate measured so far. `around` wraps each timed window (a CPU meter). Returns the
 * segments merged.
 */
export async function runSegmented(
  writers: number,
  totalMs: number,
  segmentMs: number,
  firstCount: number,
  prepare: (count: number) => Promise<AppendOp>,
  around: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): Promise<LoadWindow> {
  const parts: LoadWindow[] = [];
  let timed = 0;
  let count = firstCount;
  while (timed < totalMs) {
    const windowMs = Math.min(segmentMs, totalMs - timed);
    const op = await prepare(count);
    const part = await around(() => runClosedLoop(writers, op, windowMs, count));
    parts.push(part);
    timed += part.busyMs;
    const rate = parts.reduce((n, p) => n + p.events, 0) / parts.reduce((n, p) => n + p.busyMs, 0);
    // Enough for the next window at the rate so far, with headroom, so a segment ends by time, not by running dry.
    count = Math.max(writers, Math.ceil(rate * Math.min(segmentMs, Math.max(totalMs - timed, 0)) * 1.3) + writers);
  }
  return mergeWindows(parts);
}

/** Consecutive windows: events, milliseconds, latencies and failures add up. */
export function mergeWindows(parts: LoadWindow[]): LoadWindow {
  const failures: Record<string, number> = {};
  for (const p of parts) for (const [k, n] of Object.entries(p.failures)) failures[k] = (failures[k] ?? 0) + n;
  return { events: parts.reduce((n, p) => n + p.events, 0), busyMs: parts.reduce((n, p) => n + p.busyMs, 0), latenciesMs: parts.flatMap((p) => p.latenciesMs), failures };
}

/** p-th percentile (0–100, nearest rank) of `values` in ms; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
