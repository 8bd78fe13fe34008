/** What the halt machinery reports to metrics (prom-client in production; nothing in tests that do not look). */
export interface HaltMetrics {
  /** 1 while this instance considers the system halted, else 0. */
  setHalted(halted: boolean): void;
  /** A halt observed by this instance, by what raised it (api, keeper, redis, verification, cli, …). */
  countHalt(source: string): void;
  /** Seconds from a halt being raised to this instance refusing writes because of it. */
  observePropagation(seconds: number): void;
}

/** Metrics that go nowhere. */
export const NO_HALT_METRICS: HaltMetrics = {
  setHalted: () => undefined,
  countHalt: () => undefined,
  observePropagation: () => undefined,
};
