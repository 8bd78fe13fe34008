import type { AppendMetrics } from '../service-metrics.js';

/**
 * `metrics` that also calls `nudge` after every committed transaction: how the appender of this process tells the
 * event feed to look now (EventAppender reports each commit to its metrics). `nudge` must not throw.
 */
export function nudgeOnCommit(metrics: AppendMetrics, nudge: () => void): AppendMetrics {
  return {
    observeCommitted(events, secondsEach) {
      metrics.observeCommitted(events, secondsEach);
      nudge();
    },
    setHead: (sequence) => metrics.setHead(sequence),
  };
}
