import { performance } from 'node:perf_hooks';
import type { StoredEvent } from '../domain/chain/event.types.js';
import type { PendingAppend } from './pending-append.js';
import type { AppendMetrics } from './service-metrics.js';

/** Reports committed transactions to the metrics, if any, keeping the head gauge from moving backwards. */
export class CommitReporter {
  /** Highest head reported to the metrics, so the gauge never moves backwards. */
  private reportedHead = 0;

  constructor(private readonly metrics: AppendMetrics | undefined) {}

  /**
   * Reports a committed transaction to the metrics: its events, each one's seconds since arrival, the new head.
   * Never throws: a failing metric must not turn a committed write into a refused (and retried) one.
   */
  report(items: readonly PendingAppend[], stored: readonly StoredEvent[]): void {
    const last = stored.at(-1);
    if (this.metrics === undefined || last === undefined) return;
    const now = performance.now();
    try {
      this.metrics.observeCommitted(stored.length, items.map((item) => (now - item.arrivedAt) / 1000));
      // Transactions commit in lock order, but two of this process's may settle here in either order afterwards.
      if (last.sequence > this.reportedHead) {
        this.reportedHead = last.sequence;
        this.metrics.setHead(last.sequence);
      }
    } catch {
      // Metrics are best effort; the write itself succeeded.
    }
  }
}
