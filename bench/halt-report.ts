import { formatNumber, formatTable } from './format-table.js';

/** How the halt was raised in a trial. */
export type TriggerKind = 'redis' | 'api';

/** One trial's figures (ms from the trigger, unless said otherwise). */
export interface Trial {
  index: number;
  /** One of the first halts after the instances started: shown, but not in the percentiles. */
  warmup: boolean;
  kind: TriggerKind;
  /** For `api`: the instance that received POST /v1/admin/halt. */
  target: number | undefined;
  /** Per instance: trigger -> first 503 SYSTEM_HALTED answer to the gate probe; undefined if none within the timeout. */
  probeMs: Array<number | undefined>;
  /** Per instance: trigger -> when that first refused probe was sent (the gate closed after this, before probeMs). */
  probeSentMs: Array<number | undefined>;
  /** Per instance: trigger -> first 503 SYSTEM_HALTED received by a writer; undefined if none within the timeout. */
  firstRefusalMs: Array<number | undefined>;
  /** Per instance: trigger -> the guard's "now halted" log line (ms resolution; the server's own view). */
  guardLogMs: Array<number | undefined>;
  /** trigger -> halt_state.halted_at (the database's clock, same machine). */
  recordedMs: number | undefined;
  /** For `api`: the POST /v1/admin/halt round trip. */
  apiMs: number | undefined;
  /** Events whose type is not a halt record stored after halted_after_sequence: must be 0. */
  eventsAfterHalt: number;
  /** 201s whose sequence lies above halted_after_sequence: must be 0. */
  ackedAfterHalt: number;
  /** 201s to requests sent after the same instance had refused one: must be 0. */
  acceptedAfterRefusal: number;
  /** halt.triggered events this trial stored (the redis trigger: every instance sees it, one records it). */
  haltEvents: number;
  /** The reason recorded in halt_state. */
  recordedReason: string;
  expectedReason: string;
  /** Load phase: events acknowledged and its length. */
  loadEvents: number;
  loadSeconds: number;
  /** Clear ceremony accepted -> each instance accepts writes again (full chain verification first). */
  resumeMs: number[];
  /** Chain length when the halt was cleared. */
  chainLength: number;
  /** Redis keys left after the clear (must be 0). */
  redisKeysAfterClear: number;
  /** Unexpected answers by "status code". */
  other: Record<string, number>;
  /** Event loop delay during the load and halt window (ms): each instance's p99 and max (prom-client), and the benchmark's. */
  serverLagP99Ms: number[];
  serverLagMaxMs: number[];
  benchLagP99Ms: number;
  benchLagMaxMs: number;
  /** CPU in the window, % of one core: the benchmark and the instances, PostgreSQL, everything else on the machine. */
  cpu: { node: number; postgres: number; other: number };
}

/** p-th percentile, nearest rank, of `values` (undefined values excluded). */
export function percentile(values: Array<number | undefined>, p: number): number {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** The slowest of `values`, or undefined if one is missing. */
export function slowest(values: Array<number | undefined>): number | undefined {
  return values.some((v) => v === undefined) ? undefined : Math.max(...(values as number[]));
}

/** trigger -> every instance refusing writes (the gate probe of the slowest instance of the trial). */
export function everyInstanceMs(trial: Trial): number | undefined {
  return slowest(trial.probeMs);
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');

function row(label: string, kind: string, values: Array<number | undefined>): string[] {
  const missing = values.filter((v) => v === undefined).length;
  return [label, kind, String(values.length - missing) + (missing > 0 ? ` (+${missing} never)` : ''), ms(percentile(values, 50)), ms(percentile(values, 95)), ms(percentile(values, 99)), ms(percentile(values, 100))];
}

/** The latency table: per instance and every-instance, per trigger kind and both. */
export function latencyTable(trials: Trial[], instances: number): string {
  const rows: string[][] = [];
  for (const kind of ['redis', 'api', 'both'] as const) {
    const these = trials.filter((t) => kind === 'both' || t.kind === kind);
    rows.push(row('EVERY instance refusing (probe)', kind, these.map(everyInstanceMs)));
    for (let i = 0; i < instances; i++) rows.push(row(`instance ${i + 1} refusing (probe)`, kind, these.map((t) => t.probeMs[i])));
    rows.push(row('every instance, probe sent (lower bound)', kind, these.map((t) => slowest(t.probeSentMs))));
    rows.push(row('every instance, guard log (server clock)', kind, these.map((t) => slowest(t.guardLogMs))));
    rows.push(row('every instance, first 503 to a writer', kind, these.map((t) => slowest(t.firstRefusalMs))));
    rows.push(row('halt recorded in halt_state', kind, these.map((t) => t.recordedMs)));
  }
  return formatTable(['measure (ms from trigger)', 'trigger', 'trials', 'p50', 'p95', 'p99', 'max'], rows, ['left', 'left', 'right', 'right', 'right', 'right', 'right']);
}

/** One line per trial. */
export function trialTable(trials: Trial[]): string {
  const rows = trials.map((t) => [
    `${t.index + 1}${t.warmup ? ' (warm-up)' : ''}`,
    t.kind === 'api' ? `api→${(t.target ?? 0) + 1}` : 'redis',
    t.probeMs.map((v) => (v === undefined ? 'never' : v.toFixed(1))).join(' / '),
    ms(everyInstanceMs(t) ?? Number.NaN),
    ms(slowest(t.firstRefusalMs) ?? Number.NaN),
    ms(t.recordedMs ?? Number.NaN),
    formatNumber(t.loadEvents / t.loadSeconds),
    String(t.eventsAfterHalt),
    String(t.ackedAfterHalt),
    String(t.acceptedAfterRefusal),
    String(t.haltEvents),
    t.recordedReason === t.expectedReason ? 'as set' : 'LOST',
    t.resumeMs.map((v) => (v / 1000).toFixed(1)).join(' / '),
    formatNumber(t.chainLength),
    `${t.serverLagP99Ms.map((v) => v.toFixed(0)).join('/')} (${Math.max(...t.serverLagMaxMs).toFixed(0)})`,
    `${t.cpu.node.toFixed(0)}/${t.cpu.postgres.toFixed(0)}/${t.cpu.other.toFixed(0)}`,
  ]);
  return formatTable(
    ['#', 'trigger', 'probe refused per instance (ms)', 'all (ms)', 'writers (ms)', 'recorded (ms)', 'events/s', 'after halt', 'acked after', 'accepted after 503', 'halt events', 'reason', 'resume per instance (s)', 'chain', 'loop lag p99 (max) ms', 'cpu node/pg/other %'],
    rows,
    ['right', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left', 'right', 'left', 'left'],
  );
}
