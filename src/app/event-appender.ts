import { performance } from 'node:perf_hooks';
import { checkSubmissionWindow } from '../domain/chain/submission-window.js';
import { timestampToMillis } from '../domain/chain/timestamp.js';
import { verifyAgentSignature } from '../domain/signing/verify-signatures.js';
import { ConfigError, InputError } from '../domain/errors.js';
import type { EventSubmission, StoredEvent } from '../domain/chain/event.types.js';
import type { Ed25519Verify } from '../domain/signing/ed25519.js';
import type { Keyring } from '../domain/signing/keyring.js';
import type { AppendEffect, Clock, EventStore, KeyCustody } from './ports.js';
import type { KeyCache } from './key-cache.js';
import type { AppendMetrics } from './service-metrics.js';
import type { WriteGate } from './write-gate.js';
import { commitBatch, commitTogether, MAX_SUBMISSION_BATCH, withBatchIndex, type CommitDeps } from './commit-together.js';
import { CommitReporter } from './commit-reporter.js';
import { GroupCommit } from './group-commit.js';

export { MAX_SUBMISSION_BATCH, withBatchIndex } from './commit-together.js';
export type { WriteGate } from './write-gate.js';

/** Largest batch one transaction carries. Bigger batches amortise commits; smaller ones bound latency. */
export const DEFAULT_MAX_BATCH = 1024;

/**
 * Transactions this process keeps open at once. While one holds the append lock and PostgreSQL inserts and
 * flushes its batch, the next is already waiting for the lock, so the database and this process work at the same
 * time instead of taking turns. Only one holds the lock at a time; the others wait inside PostgreSQL.
 */
export const DEFAULT_MAX_IN_FLIGHT = 2;

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
  private readonly window: { ms: number; clock: Clock } | undefined;
  /** What every transaction uses, with the one metrics reporter they share. */
  private readonly commitDeps: CommitDeps;
  private readonly groupCommit: GroupCommit;

  /** Throws ConfigError CONFIG_INVALID for a submission window that is negative, not finite, or has no clock. */
  constructor(
    private readonly deps: EventAppenderDeps,
    options: EventAppenderOptions = {},
  ) {
    this.commitDeps = { store: deps.store, keys: deps.keys, custody: deps.custody, gate: deps.gate, reporter: new CommitReporter(deps.metrics) };
    this.groupCommit = new GroupCommit(this.commitDeps, { maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH, maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT });
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
    return commitBatch(this.commitDeps, submissions, arrivedAt);
  }

  /** Gate, window (for agents), key and signature, then queues the submission for the next group commit. */
  private async enqueue(submission: EventSubmission, fromAgent: boolean): Promise<StoredEvent> {
    const arrivedAt = performance.now();
    // Fail fast while halted: nothing is queued for later (CT-11). The database refuses it anyway (migration 009).
    this.deps.gate?.assertWritable(submission.eventType);
    if (fromAgent) this.checkWindow(submission);
    await this.verifySubmission(submission);
    return this.groupCommit.add(submission, arrivedAt);
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
    const stored = await commitTogether(this.commitDeps, [submission], arrivedAt, keyring, { effect, skipIfHalted: options.skipIfHalted });
    return stored[0];
  }

  /** Transactions open now (waiting for the lock or writing). Zero when nothing is queued or being written. */
  get openTransactions(): number {
    return this.groupCommit.openTransactions;
  }

  /** Resolves when every append queued so far has settled. */
  flush(): Promise<void> {
    return this.groupCommit.flush();
  }
}
