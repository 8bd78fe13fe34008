import { performance } from 'node:perf_hooks';
import { placeEvent } from '../domain/chain/place-event.js';
import { checkSubmissionWindow } from '../domain/chain/submission-window.js';
import { timestampToMillis } from '../domain/chain/timestamp.js';
import { verifyAgentSignature } from '../domain/signing/verify-signatures.js';
import { witnessSignatureMessage } from '../domain/signing/messages.js';
import { selectWitness } from '../domain/witness/select-witness.js';
import { toBase64 } from '../domain/encoding/bytes.js';
import { AppError, ConfigError, HaltError, InputError, StoreError, type AppErrorOptions, type ErrorCode } from '../domain/errors.js';
import { isHaltRecordEventType } from '../domain/halt/halt-statements.js';
import type { EventSubmission, PlacedEvent, StoredEvent } from '../domain/chain/event.types.js';
import type { Ed25519Verify } from '../domain/signing/ed25519.js';
import { Keyring } from '../domain/signing/keyring.js';
import type { AppendEffect, AppendHead, Clock, EventStore, KeyCustody } from './ports.js';
import type { KeyCache } from './key-cache.js';
import type { AppendMetrics } from './service-metrics.js';

/** Largest batch one transaction carries. Bigger batches amortise commits; smaller ones bound latency. */
export const DEFAULT_MAX_BATCH = 1024;

/**
 * Transactions this process keeps open at once. While one holds the append lock and PostgreSQL inserts and
 * flushes its batch, the next is already waiting for the lock, so the database and this process work at the same
 * time instead of taking turns. Only one holds the lock at a time; the others wait inside PostgreSQL.
 */
export const DEFAULT_MAX_IN_FLIGHT = 2;

/**
 * Most submissions one agent batch (submitAll) may hold. A batch is verified in full before its transaction, then
 * holds the append lock, witnessing included, while every other writer waits: 100 keeps that to milliseconds
 * (100 signature checks, one custody call, one insert), a tenth of a group commit (DEFAULT_MAX_BATCH), so one
 * client cannot stall everyone else's appends, and a refused batch stays cheap to correct and send again.
 */
export const MAX_SUBMISSION_BATCH = 100;

/** Decides whether this instance may write now (the halt guard). Throws HaltError when it may not. */
export interface WriteGate {
  assertWritable(eventType: string): void;
  /** The database refused a write for a halt this instance had not seen yet: look again now. */
  haltSeenByDatabase(): void;
  /** Integrity is in doubt (a fork: another event took the sequence this instance placed): halt (CT-13). */
  integrityFault(description: string): void;
}

export interface EventAppenderDeps {
  store: EventStore;
  keys: KeyCache;
  custody: KeyCustody;
  verify: Ed25519Verify;
  /** Refuses writes while halted or while the halt state is unknown; none in tests of the store alone. */
  gate?: WriteGate;
  /** The server's wall clock, which the submission window is measured against; needed with submissionWindowMs. */
  clock?: Clock;
  /** Receives every committed transaction and the new chain head; none where nobody looks. */
  metrics?: AppendMetrics;
}

export interface EventAppenderOptions {
  maxBatch?: number;
  maxInFlight?: number;
  /**
   * Replay window of agent submissions (submit, submitAll), in milliseconds either side of `deps.clock`: a
   * submission whose local_timestamp lies further away is refused (checkSubmissionWindow). Unset: no window.
   * Never applied to append and appendExclusive, which carry the service's own events.
   */
  submissionWindowMs?: number;
}

interface Pending {
  submission: EventSubmission;
  resolve: (event: StoredEvent) => void;
  reject: (err: unknown) => void;
  /** Set once the caller has its answer: a settled item is never placed again, so "failed" stays true. */
  settled: boolean;
  /** performance.now() when the submission reached the appender: the metrics measure from here to commit. */
  arrivedAt: number;
}

/**
 * Appends agent-signed events to the log with group commit: concurrent appends in this process share one
 * transaction (one lock, one insert, one WAL flush), and each append still resolves only after the transaction
 * holding its event committed.
 *
 * Before an event is queued its agent signature is verified against the registry. A transaction takes its batch
 * from the queue only once it holds the append lock, so a batch holds everything that arrived while the previous
 * one was being written. Inside it each event is placed after the head, attested by the witness the public
 * selection rule picks, and inserted. An event the database refuses fails alone: the batch is retried one event
 * per transaction, so the others still commit and the refused one gets the database's reason.
 *
 * Agents' submissions from outside enter through submit and submitAll, which also apply the replay window; the
 * service's own events enter through append and appendExclusive, which do not (a halt must never be refused).
 */
export class EventAppender {
  private readonly queue: Pending[] = [];
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  /** Transactions started that have not yet taken their batch: at most one, so none ever takes an empty queue. */
  private waitingToTake = 0;
  private idle: Array<() => void> = [];
  private readonly window: { ms: number; clock: Clock } | undefined;
  /** Highest head reported to the metrics, so the gauge never moves backwards. */
  private reportedHead = 0;

  /** Throws ConfigError CONFIG_INVALID for a submission window that is negative, not finite, or has no clock. */
  constructor(
    private readonly deps: EventAppenderDeps,
    options: EventAppenderOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    const ms = options.submissionWindowMs;
    if (ms !== undefined) {
      if (!Number.isFinite(ms) || ms < 0) throw new ConfigError({ code: 'CONFIG_INVALID', message: `submissionWindowMs must be a finite number ≥ 0, not ${ms}` });
      if (deps.clock === undefined) throw new ConfigError({ code: 'CONFIG_INVALID', message: 'submissionWindowMs needs a clock (deps.clock) to measure submissions against' });
      this.window = { ms, clock: deps.clock };
    }
  }

  /**
   * Verifies and appends one of the service's own submissions (no submission window); resolves with the stored
   * event once committed. Throws HaltError from the gate, SignatureError (SIG_KEY_UNKNOWN, SIG_KEY_AGENT_MISMATCH,
   * SIG_KEY_INACTIVE, SIG_MALFORMED, SIG_INVALID), WitnessError WITNESS_POOL_EMPTY, CustodyError, or StoreError
   * from the database.
   */
  append(submission: EventSubmission): Promise<StoredEvent> {
    return this.enqueue(submission, false);
  }

  /**
   * Appends an agent's submission from outside (POST /v1/events): as `append`, and first refused with InputError
   * INPUT_TIMESTAMP_OUTSIDE_WINDOW when its local_timestamp is outside the submission window.
   */
  submit(submission: EventSubmission): Promise<StoredEvent> {
    return this.enqueue(submission, true);
  }

  /**
   * Appends an agent's batch (POST /v1/events/batch) all or nothing: every submission is checked (gate, window,
   * duplicates, key, signature) before the transaction, then all are placed at consecutive sequences, witnessed
   * and committed in one transaction of their own, or none is stored. Resolves with the stored events in order.
   * A refusal caused by one submission keeps its code and names it in `details.index` (and its message). Throws
   * InputError INPUT_FIELD_INVALID (not 1 to MAX_SUBMISSION_BATCH submissions, or an event_id given twice),
   * StoreError STORE_CONFLICT (an event_id already stored) and every error of `submit`.
   */
  async submitAll(submissions: readonly EventSubmission[]): Promise<StoredEvent[]> {
    const arrivedAt = performance.now();
    if (submissions.length < 1 || submissions.length > MAX_SUBMISSION_BATCH) {
      throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `events must hold 1 to ${MAX_SUBMISSION_BATCH} submissions, not ${submissions.length}`, details: { field: 'events' } });
    }
    const firstIndex = new Map<string, number>();
    for (const [index, submission] of submissions.entries()) {
      try {
        this.deps.gate?.assertWritable(submission.eventType);
        this.checkWindow(submission);
        const earlier = firstIndex.get(submission.eventId);
        // The database would refuse the pair too, but could not say which two events they are.
        if (earlier !== undefined) throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `event_id ${submission.eventId} is also events[${earlier}]'s`, details: { field: 'event_id', duplicateOf: earlier } });
        firstIndex.set(submission.eventId, index);
        await this.verifySubmission(submission);
      } catch (err) {
        throw withBatchIndex(err, index);
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commitTogether(submissions, arrivedAt, await this.deps.keys.current(), { batch: true });
      } catch (err) {
        const refusal = await this.onRefusal(err);
        // A key the cache held open was closed by another process; the cache has just been reloaded, so placing
        // the batch once more refuses that event by name and index (SIG_KEY_INACTIVE). Nothing was stored.
        if (attempt === 1 && isStaleKeyRefusal(err)) continue;
        const conflicting = err instanceof StoreError ? err.details?.eventId : undefined;
        const index = submissions.findIndex((s) => s.eventId === conflicting);
        throw index < 0 ? refusal : withBatchIndex(refusal, index);
      }
    }
  }

  /** Gate, window (for agents), key and signature, then queues the submission for the next group commit. */
  private async enqueue(submission: EventSubmission, fromAgent: boolean): Promise<StoredEvent> {
    const arrivedAt = performance.now();
    // Fail fast while halted: nothing is queued for later (CT-11). The database refuses it anyway (migration 009).
    this.deps.gate?.assertWritable(submission.eventType);
    if (fromAgent) this.checkWindow(submission);
    await this.verifySubmission(submission);
    return new Promise<StoredEvent>((resolve, reject) => {
      this.queue.push(pending(submission, arrivedAt, resolve, reject));
      this.startTransactions();
    });
  }

  /** The replay rule, when a window is configured: checkSubmissionWindow against this server's clock. */
  private checkWindow(submission: EventSubmission): void {
    if (this.window === undefined) return;
    checkSubmissionWindow(submission.localTimestamp, timestampToMillis(this.window.clock.now()), this.window.ms);
  }

  /** Checks the key belongs to the agent and the signature verifies; returns the keyring it used. */
  private async verifySubmission(submission: EventSubmission): Promise<Keyring> {
    const keyring = await this.deps.keys.including(submission.signingKeyId);
    // Whether the key is active is decided at authority time, inside the transaction (placeBatch); this process's
    // clock is not the authority and may lag the database's.
    verifyAgentSignature(submission, keyring.requireAgentKey(submission.signingKeyId, submission.agentId), this.deps.verify);
    return keyring;
  }

  /**
   * Appends one submission in a transaction of its own, together with a halt_state `effect` (the record of a halt
   * and the halt, or a ceremony and the clear, commit together). Bypasses the gate: halting and clearing must work
   * while halted. With `skipIfHalted`, stores nothing when the database is already halted (resolves undefined),
   * so instances that all saw the same operator's halt record it once.
   */
  async appendExclusive(submission: EventSubmission, effect: AppendEffect, options: { skipIfHalted?: boolean } = {}): Promise<StoredEvent | undefined> {
    const arrivedAt = performance.now();
    const keyring = await this.verifySubmission(submission);
    const stored = await this.commitTogether([submission], arrivedAt, keyring, { effect, skipIfHalted: options.skipIfHalted });
    return stored[0];
  }

  /**
   * One transaction of its own placing all of `submissions` (with `effect`), or none: the first refusal aborts it.
   * With `batch`, that refusal names the submission's index. With `skipIfHalted`, a halted database stores nothing.
   */
  private async commitTogether(
    submissions: readonly EventSubmission[],
    arrivedAt: number,
    keyring: Keyring,
    options: { effect?: AppendEffect; skipIfHalted?: boolean; batch?: boolean },
  ): Promise<StoredEvent[]> {
    let failure: unknown;
    const items = submissions.map((submission, index) =>
      pending(submission, arrivedAt, () => undefined, (err) => (failure ??= options.batch === true ? withBatchIndex(err, index) : err)),
    );
    const stored = await this.deps.store.append(async (head) => {
      if (options.skipIfHalted === true && head.halted) return [];
      const { events } = await this.placeBatch(head, items, keyring);
      // Throwing rolls the transaction back: one event placeBatch refused (halted, key closed) refuses them all.
      if (failure !== undefined) throw failure;
      return events;
    }, options.effect);
    this.reportCommitted(items, stored);
    return stored;
  }

  /** Transactions open now (waiting for the lock or writing). Zero when nothing is queued or being written. */
  get openTransactions(): number {
    return this.inFlight;
  }

  /** Resolves when every append queued so far has settled. */
  async flush(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /**
   * Opens a transaction for queued appends when none is already waiting to take them, up to maxInFlight at once.
   * The waiting one will take everything queued by the time it holds the lock, so a second would find nothing.
   */
  private startTransactions(): void {
    if (this.queue.length > 0 && this.inFlight < this.maxInFlight && this.waitingToTake === 0) {
      this.inFlight++;
      this.waitingToTake++;
      void this.runTransaction().finally(() => {
        this.inFlight--;
        this.startTransactions();
        if (this.inFlight === 0 && this.queue.length === 0) for (const wake of this.idle.splice(0)) wake();
      });
    }
  }

  /** One transaction; its batch is whatever is queued when it gets the lock. Never rejects. */
  private async runTransaction(): Promise<void> {
    let batch: Pending[] = [];
    let took = false;
    const take = () => {
      took = true;
      this.waitingToTake--;
      batch = this.queue.splice(0, this.maxBatch);
      // More may be queued than one batch holds, or more may arrive: let the next transaction queue for the lock.
      queueMicrotask(() => this.startTransactions());
      return batch;
    };
    try {
      await this.commit(take);
    } catch (err) {
      if (!took) {
        // Failed before it held the lock (database unreachable, connection lost): the store cannot take writes now,
        // so everything waiting fails now rather than being retried in a loop (CT-11: halt over degrade).
        this.waitingToTake--;
        batch = this.queue.splice(0);
      }
      const open = batch.filter((item) => !item.settled);
      const refusal = took ? await this.onRefusal(err) : err;
      if (refusal instanceof HaltError) {
        // Halted between this process's last look and the insert: the whole batch is refused, nothing is retried.
        for (const item of open) item.reject(refusal);
        return;
      }
      if (open.length > 1 && isPerEventRefusal(err)) {
        for (const item of open) await this.commit(() => [item]).catch(item.reject);
      } else {
        for (const item of open) item.reject(refusal);
      }
    }
  }

  /**
   * What every path does when a transaction that placed events under the lock fails; returns the error to answer
   * with: HaltError SYSTEM_HALTED for the database's halt refusal, otherwise `err` itself.
   */
  private async onRefusal(err: unknown): Promise<unknown> {
    if (isForkSymptom(err)) {
      // The batch was placed on the head read under the append lock, which cannot move until this transaction
      // ends; yet the database says another event holds that place (trigger 002 or the primary key). A writer
      // that skips the lock is forking the chain: halt over degrade (CT-13).
      this.deps.gate?.integrityFault(`fork: another writer stored an event at a sequence this instance had placed, without the append lock (${(err as StoreError).message})`);
    }
    if (err instanceof StoreError && err.details?.rule === 'halt') {
      this.deps.gate?.haltSeenByDatabase();
      return new HaltError({ code: 'SYSTEM_HALTED', message: err.message, cause: err });
    }
    // The database refused something our key cache allowed: the cache may be stale (a key closed by another
    // process). Reload it, so retries, and later appends, are refused early and by name.
    if (isStaleKeyRefusal(err)) await this.deps.keys.reload().catch(() => undefined);
    return err;
  }

  /**
   * Reports a committed transaction to the metrics: its events, each one's seconds since arrival, the new head.
   * Never throws: a failing metric must not turn a committed write into a refused (and retried) one.
   */
  private reportCommitted(items: readonly Pending[], stored: readonly StoredEvent[]): void {
    const last = stored.at(-1);
    if (this.deps.metrics === undefined || last === undefined) return;
    const now = performance.now();
    try {
      this.deps.metrics.observeCommitted(stored.length, items.map((item) => (now - item.arrivedAt) / 1000));
      // Transactions commit in lock order, but two of this process's may settle here in either order afterwards.
      if (last.sequence > this.reportedHead) {
        this.reportedHead = last.sequence;
        this.deps.metrics.setHead(last.sequence);
      }
    } catch {
      // Metrics are best effort; the write itself succeeded.
    }
  }

  /** One transaction for the batch `take` returns under the lock; settles every item of it. */
  private async commit(take: () => Pending[]): Promise<void> {
    const agentKeys = await this.deps.keys.current();
    let placed: Pending[] = [];
    const stored = await this.deps.store.append(async (head) => {
      const result = await this.placeBatch(head, take(), agentKeys);
      placed = result.placed;
      return result.events;
    });
    this.reportCommitted(placed, stored);
    stored.forEach((event, i) => placed[i]?.resolve(event));
  }

  private async placeBatch(head: AppendHead, batch: Pending[], agentKeys: Keyring) {
    // Witnesses come from the registry as read inside this transaction, never from a cache: the pool must be
    // exactly the one a verifier computes for these events.
    const witnesses = new Keyring(head.witnessKeys);
    // One authority time per batch, so the pool depends only on the agent (it excludes the agent itself).
    const pools = new Map<string, string[]>();
    const placedEvents: Array<{ event: PlacedEvent; witnessId: string; witnessKeyId: string }> = [];
    const placed: Pending[] = [];
    let tip = { sequence: head.sequence, contentHash: head.contentHash };
    for (const item of batch) {
      const { submission } = item;
      if (head.halted && !isHaltRecordEventType(submission.eventType)) {
        // Read under the lock: the halt committed before this transaction, so the database would refuse the event.
        item.reject(new HaltError({ code: 'SYSTEM_HALTED', message: `the system is halted: ${submission.eventType} cannot be stored until a keeper ceremony clears the halt` }));
        continue;
      }
      try {
        // Re-check against the authority time itself: the key may have closed since the submission was queued.
        agentKeys.requireSigningKey(submission.signingKeyId, submission.agentId, head.authorityTime);
        const event = placeEvent(tip, submission, head.authorityTime);
        let pool = pools.get(submission.agentId);
        if (pool === undefined) pools.set(submission.agentId, (pool = witnesses.witnessPoolAt(head.authorityTime, submission.agentId)));
        const witnessId = selectWitness(pool, event.prevHash, event.sequence);
        const witnessKeyId = witnesses.requireWitnessKey(witnessId, head.authorityTime).keyId;
        placedEvents.push({ event, witnessId, witnessKeyId });
        placed.push(item);
        tip = event;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        item.reject(err);
      }
    }
    // The witness signature is not part of content_hash, so the whole batch is placed first and attested in one
    // custody call: no await (and no other work on this thread) between events while the lock is held.
    if (head.halted) this.deps.gate?.haltSeenByDatabase();
    const signatures = await this.deps.custody.signAll(
      placedEvents.map(({ event, witnessKeyId }) => ({ keyId: witnessKeyId, message: witnessSignatureMessage(event.contentHash) })),
    );
    const events: StoredEvent[] = placedEvents.map(({ event, witnessId }, i) => ({
      ...event,
      witnessId,
      witnessSignature: toBase64(signatures[i] as Uint8Array),
    }));
    return { events, placed };
  }
}

/** The database refusing a batch placed under the lock because the head moved: only a lock-skipping writer does that. */
function isForkSymptom(err: unknown): boolean {
  if (!(err instanceof StoreError)) return false;
  if (err.code === 'STORE_CONFLICT') return err.details?.constraint === 'events_pkey';
  return err.code === 'STORE_REJECTED' && err.details?.rule === 'hash chain' && /sequence gap|prev_hash mismatch/.test(err.message);
}

/** Errors that concern one event, not the store: retrying the others one by one lets them commit. */
function isPerEventRefusal(err: unknown): boolean {
  return err instanceof StoreError && (err.code === 'STORE_REJECTED' || err.code === 'STORE_CONFLICT');
}

/** Trigger 004 refused a signing key the cache still held open: the cache is stale. */
function isStaleKeyRefusal(err: unknown): boolean {
  return err instanceof StoreError && err.details?.rule === 'signing key';
}

/** A queue item whose callbacks mark it settled, so it is never placed again once its caller has an answer. */
function pending(submission: EventSubmission, arrivedAt: number, resolve: (event: StoredEvent) => void, reject: (err: unknown) => void): Pending {
  const item: Pending = {
    submission,
    arrivedAt,
    settled: false,
    resolve: (event) => {
      item.settled = true;
      resolve(event);
    },
    reject: (err) => {
      item.settled = true;
      reject(err);
    },
  };
  return item;
}

/**
 * `err` naming the position in a batch of the submission it concerns: the same class and code (so callers and the
 * HTTP status table treat it alike), `details.index`, and `events[i]: ` before the message. Errors that are not
 * AppErrors pass unchanged.
 */
export function withBatchIndex(err: unknown, index: number): unknown {
  if (!(err instanceof AppError)) return err;
  const SameClass = err.constructor as new (options: AppErrorOptions<ErrorCode>) => AppError;
  return new SameClass({ code: err.code, message: `events[${index}]: ${err.message}`, details: { ...err.details, index }, cause: err });
}
