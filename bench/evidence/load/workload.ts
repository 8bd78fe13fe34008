import type { CpuSample } from '../../cpu-usage.js';
import type { JsonObject } from '../../../src/domain/chain/canonical-json.js';
import { percentile, type LoadWindow } from './closed-loop.js';

/** The systems measured under the same workload. */
export type SystemName = 'archon72 HTTP, 1 process' | 'archon72 HTTP, 3 processes' | 'archon72 EventAppender, in process' | 'Emmett PostgreSQL event store' | 'bare batched INSERT';

/** One system at one level of concurrent writers. */
export interface LevelResult {
  system: SystemName;
  writers: number;
  events: number;
  seconds: number;
  appendsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Failed appends by outcome: must stay empty. */
  failures: Record<string, number>;
  /** Share of one core used in the timed windows (100 = one core): the systems' node processes, PostgreSQL, the rest of the machine. */
  cpu: CpuSample;
}

/** Summarises a timed window. */
export function toLevelResult(system: SystemName, writers: number, window: LoadWindow, cpu: CpuSample): LevelResult {
  return {
    system,
    writers,
    events: window.events,
    seconds: window.busyMs / 1000,
    appendsPerSecond: window.events / (window.busyMs / 1000),
    p50Ms: percentile(window.latenciesMs, 50),
    p99Ms: percentile(window.latenciesMs, 99),
    failures: window.failures,
    cpu,
  };
}

/**
 * The payload of the `n`-th event of `run`: the same object bench/bench-agents.ts signs for our systems (about 300
 * canonical bytes), so Emmett and the bare table store what our log stores.
 */
export function workloadPayload(n: number, run: string): JsonObject {
  return {
    run,
    n,
    motion: { id: `M-${n % 997}`, title: 'Adopt the quarterly witness rotation schedule', seconded: true },
    votes: { aye: 41, nay: 19, abstain: 12 },
    note: 'Recorded by the append benchmark; the text is filler of realistic length.',
  };
}

/** The event type every system stores. */
export const WORKLOAD_EVENT_TYPE = 'bench.motion_recorded';

/** One progress line for a measured level. */
export function describeLevel(r: LevelResult): string {
  const failed = Object.entries(r.failures).map(([k, n]) => `${k}×${n}`).join(', ');
  return `${r.system}, ${r.writers} writers: ${Math.round(r.appendsPerSecond)} appends/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms (${r.events} in ${r.seconds.toFixed(1)} s; cpu node ${r.cpu.node.toFixed(0)}% pg ${r.cpu.postgres.toFixed(0)}% other ${r.cpu.other.toFixed(0)}%)${failed ? `; FAILED: ${failed}` : ''}`;
}
