import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HaltMetrics } from '../../app/halt-metrics.js';
import type { AppendMetrics, GovernanceMetrics } from '../../app/service-metrics.js';

/** The process's Prometheus registry and the metrics the application reports into it. */
export interface PromMetrics {
  registry: Registry;
  halt: HaltMetrics;
  append: AppendMetrics;
  governance: GovernanceMetrics;
  /**
   * Reads the witness pool size and the clock-drift warning count afresh at every scrape. A read that fails
   * (database down) leaves the last values: the scrape itself must still answer.
   */
  readGovernanceOnScrape(readers: GovernanceReaders): void;
}

/** Reads behind the governance gauges, called at scrape time. */
export interface GovernanceReaders {
  witnessPool(): Promise<number>;
  clockDriftWarnings(): Promise<number>;
}

/**
 * Prometheus metrics for one process (GET /metrics): the process defaults (archon72_process_*, archon72_nodejs_*)
 * plus the halt (archon72_halted, archon72_halts_total{source}, archon72_halt_propagation_seconds), the write path
 * (archon72_events_appended_total, archon72_append_duration_seconds, archon72_chain_head_sequence) and governance
 * (archon72_witness_pool_size, archon72_clock_drift_warnings, archon72_verification_failures_total{check}).
 * HTTP request metrics are the API's (src/api/plugins).
 */
export function createPromMetrics(): PromMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'archon72_' });
  const halted = new Gauge({ name: 'archon72_halted', help: '1 while this instance considers the system halted (CT-11), else 0.', registers: [registry] });
  const halts = new Counter({ name: 'archon72_halts_total', help: 'Halts this instance observed, by what raised them.', labelNames: ['source'], registers: [registry] });
  const propagation = new Histogram({
    name: 'archon72_halt_propagation_seconds',
    help: 'Seconds from a halt being raised to this instance refusing writes because of it.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const appended = new Counter({ name: 'archon72_events_appended_total', help: 'Events this instance committed to the log.', registers: [registry] });
  const appendSeconds = new Histogram({
    name: 'archon72_append_duration_seconds',
    help: 'Seconds from an event being submitted to its transaction committing (witnessing and the database included).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const head = new Gauge({ name: 'archon72_chain_head_sequence', help: 'Sequence of the chain head as this instance last saw it.', registers: [registry] });
  let readers: GovernanceReaders | undefined;
  const pool: Gauge = new Gauge({
    name: 'archon72_witness_pool_size',
    help: 'Witnesses with an active key.',
    registers: [registry],
    async collect() {
      const size = await readers?.witnessPool().catch(() => undefined);
      if (size !== undefined) pool.set(size);
    },
  });
  const drift: Gauge = new Gauge({
    name: 'archon72_clock_drift_warnings',
    help: 'Rows in clock_drift_warnings (agent clocks beyond the drift threshold).',
    registers: [registry],
    async collect() {
      const total = await readers?.clockDriftWarnings().catch(() => undefined);
      if (total !== undefined) drift.set(total);
    },
  });
  const failures = new Counter({ name: 'archon72_verification_failures_total', help: 'Failed verification checks, by check.', labelNames: ['check'], registers: [registry] });
  halted.set(0);
  return {
    registry,
    halt: {
      setHalted: (value) => halted.set(value ? 1 : 0),
      countHalt: (source) => halts.inc({ source }),
      observePropagation: (seconds) => propagation.observe(seconds),
    },
    append: {
      observeCommitted: (events, secondsEach) => {
        appended.inc(events);
        for (const seconds of secondsEach) appendSeconds.observe(seconds);
      },
      setHead: (sequence) => head.set(sequence),
    },
    governance: {
      countVerificationFailure: (check) => failures.inc({ check }),
    },
    readGovernanceOnScrape(governanceReaders) {
      readers = governanceReaders;
    },
  };
}
