import { formatNumber, formatTable } from './format-table.js';
import type { ChainCensus } from './chain-census.js';
import type { CpuSample } from './cpu-usage.js';
import type { MachineInfo } from './machine-info.js';
import type { SigningMode } from './bench-options.js';

export type Backend = 'postgresql' | 'pglite';

/** One measured configuration, as printed and as written to JSON. */
export interface RunRecord {
  backend: Backend;
  processes: number;
  concurrency: number;
  signing: SigningMode;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Share of one core used during the run (100 = one core); for PGlite the database runs inside `node`. */
  cpuPercent: CpuSample;
  census: ChainCensus | undefined;
  /** Earlier attempts discarded because other processes were busy (see measureUntilQuiet). */
  busyRetries: number;
}

/** Foreign CPU (share of one core) above which a figure is flagged as taken on a busy machine. */
export const BUSY_MACHINE_PERCENT = 15;

/** The brief's targets: ≥ 10,000 events/s on PostgreSQL at 64 appenders, ≥ 2,000 events/s embedded (best figure each). */
const TARGETS = [
  { backend: 'postgresql' as const, concurrency: 64, eventsPerSecond: 10_000 },
  { backend: 'pglite' as const, concurrency: 64, eventsPerSecond: 2_000 },
];

/** The results table with its legend; figures taken on a busy machine carry a *. */
export function formatResults(machine: MachineInfo, records: RunRecord[]): string {
  const headers = ['backend', 'processes', 'concurrency', 'agent signing', 'events', 'seconds', 'events/s', 'p50 ms', 'p99 ms', 'cpu node %', 'cpu pg %', 'cpu other %'];
  const rows = records.map((r) => [
    r.backend,
    String(r.processes),
    String(r.concurrency),
    r.signing === 'presigned' ? 'before timing' : 'in timed loop',
    String(r.events),
    r.seconds.toFixed(2),
    `${formatNumber(r.eventsPerSecond)}${r.cpuPercent.other > BUSY_MACHINE_PERCENT ? '*' : ''}`,
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.cpuPercent.node.toFixed(0),
    r.backend === 'pglite' ? '(in node)' : r.cpuPercent.postgres.toFixed(0),
    r.cpuPercent.other.toFixed(0),
  ]);
  const lines = [
    `\n${machine.summary}`,
    'Agent signing "before timing": agents sign their submissions before the timer starts (as separate agent processes would);',
    '"in timed loop": the same signing runs inside the timed section, on this machine\'s CPUs. Latency is append() to commit in both.',
    'cpu %: share of one core during the timed windows (200 = both cores): node = the appender process(es), pg = PostgreSQL processes',
    'serving the benchmark database plus the server\'s background processes, other = everything else on the machine (should be ~0).',
    formatTable(headers, rows, ['left', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']),
  ];
  if (records.some((r) => r.cpuPercent.other > BUSY_MACHINE_PERCENT)) {
    lines.push(`* other processes used more than ${BUSY_MACHINE_PERCENT}% of a core during this run: the machine was shared, so the figure is low and noisy; rerun when it is idle.`);
  }
  return lines.join('\n');
}

/** One line per target and signing mode: met or not, with the best figure (any process count). */
export function formatVerdict(records: RunRecord[]): string {
  const lines: string[] = [];
  for (const t of TARGETS) {
    const runs = records.filter((r) => r.backend === t.backend && r.concurrency === t.concurrency);
    for (const signing of ['presigned', 'in-loop'] as const) {
      const best = runs.filter((r) => r.signing === signing).sort((a, b) => b.eventsPerSecond - a.eventsPerSecond)[0];
      if (!best) continue;
      const met = best.eventsPerSecond >= t.eventsPerSecond ? 'met' : 'NOT met';
      lines.push(
        `target ${t.backend} c=${t.concurrency} ≥ ${formatNumber(t.eventsPerSecond)} events/s (signing ${signing === 'presigned' ? 'before timing' : 'in timed loop'}): ` +
          `${met}, best ${formatNumber(best.eventsPerSecond)} events/s (${best.processes} process${best.processes > 1 ? 'es' : ''})`,
      );
    }
  }
  return lines.join('\n');
}
