/** One checked invariant: what must hold, whether it held, and what was observed. */
export interface InvariantOutcome {
  /** The measurement area that checked it (load, faults: kill -9, fuzz: routes, …). */
  area: string;
  /** What must hold, as a sentence. */
  name: string;
  passed: boolean;
  /** What was observed (counts, codes, timings), for the report. */
  observed: string;
}

/**
 * The invariants of one evidence run. Every area records what it checked here; the runner exits non-zero when any
 * failed, so a release can be gated on `npm run evidence`.
 */
export class InvariantLog {
  readonly outcomes: InvariantOutcome[] = [];

  /** Records `name` in `area` as passed when `passed`; prints one progress line; returns `passed`. */
  check(area: string, name: string, passed: boolean, observed: string): boolean {
    this.outcomes.push({ area, name, passed, observed });
    process.stdout.write(`  ${passed ? 'ok  ' : 'FAIL'} [${area}] ${name}: ${observed}\n`);
    return passed;
  }

  /** Records an area that could not run to the end (setup or harness error): always a failure. */
  crashed(area: string, err: unknown): void {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.check(area, 'the scenario ran to the end', false, text.split('\n').slice(0, 6).join(' | '));
  }

  get failures(): InvariantOutcome[] {
    return this.outcomes.filter((o) => !o.passed);
  }
}
