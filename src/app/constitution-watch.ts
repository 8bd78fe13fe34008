import { describeViolations, governanceSettings, settingViolations } from '../domain/governance/constitutional-limits.js';
import type { GovernanceMetrics } from './service-metrics.js';
import type { ConstitutionStore } from './ports.js';

export interface ConstitutionWatchDeps {
  store: ConstitutionStore;
  /** Records a halt (the halt service, source 'constitution'). */
  halt: (reason: string) => Promise<void>;
  metrics: GovernanceMetrics;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  intervalMs: number;
}

/**
 * Runbook §11.1 at runtime: a change to a governance threshold outside its constitutional limits is refused by the
 * database (migration 010), which counts the attempt; a value that got past the refusal (a superuser who disabled
 * the trigger) is out of bounds in constitutional_config. Either halts the system (CT-11: integrity in doubt).
 * Each counted attempt halts once: the count answered is recorded, so restarts do not halt again for it.
 */
export class ConstitutionWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Violations already answered by this instance, so a value left out of bounds halts once, not every tick. */
  private reported = '';

  constructor(private readonly deps: ConstitutionWatchDeps) {}

  /** Checks once now (startup: attempts made while no instance ran), then every intervalMs until stop(). */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look; concurrent calls share it. Never rejects: a database that cannot be read is the halt guard's business. */
  check(): Promise<void> {
    this.running ??= this.look()
      .catch((err: unknown) => this.deps.log('warn', 'constitution watch: could not read constitutional_config', { err: String(err) }))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async look(): Promise<void> {
    const { counted, acknowledged } = await this.deps.store.violationAttempts();
    if (counted > acknowledged) {
      const attempts = counted - acknowledged;
      const reason = `constitution: ${attempts} attempt(s) to set a governance threshold outside its constitutional limits (refused by the database, constitutional_limit_violation_attempts = ${counted})`;
      this.deps.metrics.countVerificationFailure('constitutional_limits');
      this.deps.log('error', reason, { counted, acknowledged });
      await this.deps.halt(reason);
      await this.deps.store.acknowledgeViolationAttempts(counted);
    }
    const violations = settingViolations(governanceSettings(await this.deps.store.settings()));
    const description = describeViolations(violations);
    if (violations.length > 0 && description !== this.reported) {
      const reason = `constitution: ${description} (constitutional_config changed past its trigger)`;
      this.deps.metrics.countVerificationFailure('constitutional_limits');
      this.deps.log('error', reason, { violations });
      await this.deps.halt(reason);
    }
    this.reported = description;
  }
}
