import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HaltMetrics } from '../../app/halt-metrics.js';

/** The process's Prometheus registry and the metrics the application reports into it. */
export interface PromMetrics {
  registry: Registry;
  halt: HaltMetrics;
}

/**
 * Prometheus metrics for one process (GET /metrics): the process defaults (CPU, memory, event loop) plus
 * archon72_halted, archon72_halts_total{source} and archon72_halt_propagation_seconds.
 */
export function createPromMetrics(): PromMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'archon72_process_' });
  const halted = new Gauge({ name: 'archon72_halted', help: '1 while this instance considers the system halted (CT-11), else 0.', registers: [registry] });
  const halts = new Counter({ name: 'archon72_halts_total', help: 'Halts this instance observed, by what raised them.', labelNames: ['source'], registers: [registry] });
  const propagation = new Histogram({
    name: 'archon72_halt_propagation_seconds',
    help: 'Seconds from a halt being raised to this instance refusing writes because of it.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  halted.set(0);
  return {
    registry,
    halt: {
      setHalted: (value) => halted.set(value ? 1 : 0),
      countHalt: (source) => halts.inc({ source }),
      observePropagation: (seconds) => propagation.observe(seconds),
    },
  };
}
