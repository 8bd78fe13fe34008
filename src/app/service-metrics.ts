/** What the write path reports to metrics (prom-client in the server; nothing where no one looks). */
export interface AppendMetrics {
  /** One committed transaction: how many events it stored and the seconds each waited from submission to commit. */
  observeCommitted(events: number, secondsEach: readonly number[]): void;
  /** The chain head's sequence after a commit, or as read at startup. */
  setHead(sequence: number): void;
}

/**
 * What governance checks report to metrics (the witness pool and clock-drift gauges are read from the database at
 * scrape time instead: src/adapters/metrics/prom-metrics.ts).
 */
export interface GovernanceMetrics {
  /** A failed check, by name (pre-operational check, post-clear verification, runtime floor watch). */
  countVerificationFailure(check: string): void;
}

export const NO_APPEND_METRICS: AppendMetrics = { observeCommitted: () => undefined, setHead: () => undefined };
export const NO_GOVERNANCE_METRICS: GovernanceMetrics = { countVerificationFailure: () => undefined };
