import { HaltError } from '../domain/errors.js';
import { isHaltRecordEventType } from '../domain/halt/halt-statements.js';
import { timestampToMillis } from '../domain/chain/timestamp.js';
import type { WriteGate } from './event-appender.js';
import type { HaltMetrics } from './halt-metrics.js';
import type { HaltService } from './halt-service.js';
import type { Clock, HaltChannel, HaltChannelEvent, HaltRecord, HaltStateStore } from './ports.js';

/** How this instance sees the system. Only `operational` writes. */
export type GuardStatus =
  | { kind: 'operational' }
  | { kind: 'halted'; reason: string; since: string | undefined; source: string | undefined }
  | { kind: 'unknown'; why: string }
  | { kind: 'resuming' };

export interface HaltGuardDeps {
  state: HaltStateStore;
  channel: HaltChannel;
  service: HaltService;
  clock: Clock;
  metrics: HaltMetrics;
  /**
   * Refuse writes while the channel is unreachable (production with Redis): the instance could no longer promise
   * that a halt raised elsewhere reaches it promptly.
   */
  requireChannel: boolean;
  /** Full chain verification (post-halt mode, no bypass): a fault description, or undefined when it passes. */
  verifyAfterClear: () => Promise<string | undefined>;
  /** Re-reads the database this often (ms): the canonical state, even when the channel says nothing. */
  pollMs: number;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * One instance's view of the halt, and the gate every write passes (CT-11). It follows the database (canonical,
 * polled) and the fast channel (pushed): a halt seen on either stops writes at once; a halt set by hand on the
 * channel is recorded in the database by the first instance that sees it; a database halt missing from the
 * channel (Redis lost its data) is put back. It fails closed: when the database cannot be read, or (if required)
 * the channel is unreachable, writes are refused until both answer again. After a clear, writes resume only once
 * the whole chain has been verified again.
 */
export class HaltGuard implements WriteGate {
  private status: GuardStatus = { kind: 'unknown', why: 'the halt state has not been read yet' };
  private databaseHalted = false;
  private timer: NodeJS.Timeout | undefined;
  private stopWatching: Array<() => void> = [];
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private resuming: Promise<void> | undefined;
  private readonly statusListeners: Array<(status: GuardStatus) => void> = [];

  constructor(private readonly deps: HaltGuardDeps) {
    deps.service.onChange((record, source) => this.applyDatabase(record, source));
  }

  /** Reads the database once, then watches the channel and polls the database until stop(). */
  async start(): Promise<void> {
    this.stopWatching.push(this.deps.channel.watch((event) => this.onChannel(event)));
    this.stopWatching.push(this.deps.channel.onAvailability(() => void this.refresh()));
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.deps.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const unwatch of this.stopWatching.splice(0)) unwatch();
  }

  /** The current view, for status endpoints and headers. */
  current(): GuardStatus {
    return this.status;
  }

  /** Calls `listener` whenever the view changes. */
  onStatus(listener: (status: GuardStatus) => void): void {
    this.statusListeners.push(listener);
  }

  /** Resolves once any resume in progress (post-clear verification) has finished: for tests and shutdown. */
  async settled(): Promise<void> {
    await this.refreshing;
    await this.resuming;
  }

  assertWritable(eventType: string): void {
    const status = this.status;
    if (status.kind === 'operational') return;
    if (status.kind === 'halted') {
      if (isHaltRecordEventType(eventType)) return;
      throw new HaltError({ code: 'SYSTEM_HALTED', message: `the system is halted: ${status.reason}`, details: { since: status.since, source: status.source } });
    }
    if (status.kind === 'resuming') {
      throw new HaltError({ code: 'HALT_RESUMING', message: 'the halt was cleared; writes resume once the whole chain has been verified again' });
    }
    throw new HaltError({ code: status.why.startsWith('the halt channel') ? 'HALT_CHANNEL_UNAVAILABLE' : 'HALT_STATE_UNKNOWN', message: `writes are refused: ${status.why}` });
  }

  haltSeenByDatabase(): void {
    void this.refresh();
  }

  integrityFault(description: string): void {
    this.deps.log('error', `integrity fault: ${description}; halting`);
    void this.deps.service.halt({ reason: `integrity: ${description}`, source: 'integrity', actor: 'SYSTEM:EVENT_WRITER' }).catch((err: unknown) => {
      this.deps.log('error', 'halt guard: could not record the integrity halt', { err: errorText(err) });
    });
  }

  /** Reads the database and reconciles it with the channel. Concurrent calls share one read, then one more. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = this.reconcile()
      .catch((err: unknown) => this.deps.log('error', 'halt guard: reconcile failed', { err: String(err) }))
      .finally(() => {
        this.refreshing = undefined;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          void this.refresh();
        }
      });
    return this.refreshing;
  }

  private async reconcile(): Promise<void> {
    let record: HaltRecord;
    try {
      record = await this.deps.state.read();
    } catch (err) {
      // Fail closed: an instance that cannot read the halt state does not write (a halt may be in force).
      if (this.status.kind !== 'halted') this.setStatus({ kind: 'unknown', why: `the halt state cannot be read from the database (${errorText(err)})` });
      return;
    }
    if (record.halted) {
      this.applyDatabase(record, undefined);
      // The database is canonical: put the flag back if the channel lost it (Redis restarted empty), and keep its
      // reason the recorded one. An operator may SET archon72:halt:reason after the halt was recorded (runbook §9.3
      // sets it second); after a clear, a leftover flag is told from a new halt by that reason (isStaleMirror), so a
      // differing one would halt the system again as soon as the clear's removal of the flag failed or lost a race.
      if (this.deps.channel.available) {
        const flag = await this.deps.channel.read().catch(() => undefined);
        if (flag !== undefined && (!flag.active || flag.reason !== record.reason)) {
          this.deps.log('warn', flag.active ? 'halt guard: the channel flag’s reason differs from the recorded halt; mirroring the recorded one' : 'halt guard: the database is halted but the channel flag is missing; raising it again');
          await this.deps.channel.raise({ reason: record.reason, source: record.source, at: record.haltedAt }).catch(() => undefined);
        }
      }
      return;
    }
    this.databaseHalted = false;
    const flag = this.deps.channel.available ? await this.deps.channel.read().catch(() => undefined) : undefined;
    if (flag === undefined) {
      // The channel cannot be read. A halt seen on it stays in force until the channel can say it was cleared;
      // otherwise, where prompt propagation is promised, refuse writes.
      if (this.status.kind === 'halted') return;
      if (this.deps.requireChannel) {
        this.setStatus({ kind: 'unknown', why: `the halt channel (${this.deps.channel.kind}) is unreachable` });
        return;
      }
    } else if (flag.active) {
      if (isStaleMirror(flag.reason, record)) {
        // The flag still mirrors the halt a ceremony has just cleared: the clearing instance removes it right after
        // the database commits. Not a new halt. If that instance died before removing it, remove it here.
        const clearedMs = record.clearedAt === undefined ? 0 : timestampToMillis(record.clearedAt);
        if (timestampToMillis(this.deps.clock.now()) - clearedMs > STALE_MIRROR_GRACE_MS) await this.deps.channel.clear().catch(() => undefined);
      } else {
        // Someone halted through the channel alone (an operator's redis-cli SET): record it canonically.
        await this.recordChannelHalt(flag.reason);
        return;
      }
    }
    if (this.status.kind === 'halted' || this.status.kind === 'resuming') {
      this.beginResume();
      return;
    }
    this.setStatus({ kind: 'operational' });
  }

  private onChannel(event: HaltChannelEvent): void {
    if (event.kind === 'raised' && this.status.kind !== 'halted') {
      // Stop writing now, before the database is even asked: the channel is the fast path.
      this.setStatus({ kind: 'halted', reason: event.reason ?? 'halted through the halt channel', since: event.at, source: event.source ?? 'redis' });
      this.observed(event.at, event.source ?? 'redis');
    }
    void this.refresh();
  }

  private async recordChannelHalt(reason: string | undefined): Promise<void> {
    if (this.status.kind !== 'halted') {
      this.setStatus({ kind: 'halted', reason: `redis: ${reason ?? '(reason not set yet)'}`, since: this.deps.clock.now(), source: 'redis' });
      this.observed(undefined, 'redis');
    }
    if (reason === undefined) {
      // The runbook sets archon72:halt:active first and the reason second: give the operator a moment to finish,
      // so the record says why. Writes are already refused here; only the database record waits.
      await new Promise((resolve) => setTimeout(resolve, OPERATOR_REASON_GRACE_MS));
      reason = (await this.deps.channel.read().catch(() => undefined))?.reason;
    }
    const text = `redis: ${reason ?? '(no archon72:halt:reason given)'}`;
    try {
      await this.deps.service.halt({ reason: text, source: 'redis', actor: 'halt channel', onlyIfNotHalted: true });
    } catch (err) {
      this.deps.log('error', 'halt guard: could not record the channel halt in the database; staying halted', { err: errorText(err) });
    }
  }

  private applyDatabase(record: HaltRecord, source: string | undefined): void {
    if (!record.halted) {
      if (this.databaseHalted || this.status.kind === 'halted') this.beginResume();
      this.databaseHalted = false;
      return;
    }
    this.databaseHalted = true;
    const wasHalted = this.status.kind === 'halted';
    this.setStatus({ kind: 'halted', reason: record.reason ?? 'halted', since: record.haltedAt, source: record.source ?? source });
    if (!wasHalted) this.observed(record.haltedAt, record.source ?? source ?? 'unknown');
  }

  /** After a clear: verify the whole chain (post-halt mode), then write again; a fault halts again. */
  private beginResume(): void {
    if (this.resuming) return;
    this.setStatus({ kind: 'resuming' });
    this.resuming = (async () => {
      const fault = await this.deps.verifyAfterClear().catch((err: unknown) => `verification could not run: ${errorText(err)}`);
      if (fault === undefined) {
        // Only if nothing halted the system again while the chain was being verified.
        if (this.status.kind === 'resuming') {
          this.deps.log('info', 'pre_operational: post-halt verification passed; writes resume');
          this.setStatus({ kind: 'operational' });
        }
        void this.refresh();
        return;
      }
      this.deps.log('error', 'pre_operational: post-halt verification failed; halting again', { fault });
      await this.deps.service.halt({ reason: `post-halt verification failed: ${fault}`, source: 'verification', actor: 'SYSTEM:EVENT_WRITER' }).catch(() => undefined);
    })().finally(() => {
      this.resuming = undefined;
    });
  }

  private observed(at: string | undefined, source: string): void {
    this.deps.metrics.countHalt(source);
    if (at !== undefined) {
      const seconds = (timestampToMillis(this.deps.clock.now()) - timestampToMillis(at)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) this.deps.metrics.observePropagation(seconds);
    }
  }

  private setStatus(status: GuardStatus): void {
    this.status = status;
    this.deps.metrics.setHalted(status.kind === 'halted');
    for (const listener of this.statusListeners) listener(status);
  }
}

/** How long the first instance to see a hand-set flag without a reason waits for the operator to set the reason. */
const OPERATOR_REASON_GRACE_MS = 250;

/** How long a cleared halt's flag may linger on the channel before an instance other than the clearer removes it. */
const STALE_MIRROR_GRACE_MS = 5_000;

/**
 * True when the channel's flag is the mirror of the halt the database has since cleared: same reason text as the
 * last halt (HaltService mirrors the recorded reason). A new halt an operator sets by hand says why in its own words.
 */
function isStaleMirror(flagReason: string | undefined, record: HaltRecord): boolean {
  return !record.halted && record.clearedAt !== undefined && flagReason !== undefined && flagReason === record.reason;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
