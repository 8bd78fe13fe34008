import { placeEvent } from '../domain/chain/place-event.js';
import { verifyAgentSignature } from '../domain/signing/verify-signatures.js';
import { witnessSignatureMessage } from '../domain/signing/messages.js';
import { selectWitness } from '../domain/witness/select-witness.js';
import { toBase64 } from '../domain/encoding/bytes.js';
import { AppError, HaltError, StoreError } from '../domain/errors.js';
import { isHaltRecordEventType } from '../domain/halt/halt-statements.js';
import type { EventSubmission, PlacedEvent, StoredEvent } from '../domain/chain/event.types.js';
import type { Ed25519Verify } from '../domain/signing/ed25519.js';
import { Keyring } from '../domain/signing/keyring.js';
import type { AppendEffect, AppendHead, EventStore, KeyCustody } from './ports.js';
import type { KeyCache } from './key-cache.js';

/** Largest batch one transaction carries. Bigger batches amortise commits; smaller ones bound latency. */
export const DEFAULT_MAX_BATCH = 1024;

/**
 * Transactions this process keeps open at once. While one holds the append lock and PostgreSQL inserts and
 * flushes its batch, the next is already waiting for the lock, so the database and this process work at the same
 * time instead of taking turns. Only one holds the lock at a time; the others wait inside PostgreSQL.
 */
export const DEFAULT_MAX_IN_FLIGHT = 2;

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
}

export interface EventAppenderOptions {
  maxBatch?: number;
  maxInFlight?: number;
}

interface Pending {
  submission: EventSubmission;
  resolve: (event: StoredEvent) => void;
  reject: (err: unknown) => void;
  /** Set once the caller has its answer: a settled item is never placed again, so "failed" stays true. */
  settled: boolean;
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
 */
export class EventAppender {
  private readonly queue: Pending[] = [];
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  /** Transactions started that have not yet taken their batch: at most one, so none ever takes an empty queue. */
  private waitingToTake = 0;
  private idle: Array<() => void> = [];

  constructor(
    private readonly deps: EventAppenderDeps,
    options: EventAppenderOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  }

  /**
   * Verifies and appends one submission; resolves with the stored event once committed.
   * Throws SignatureError (SIG_KEY_UNKNOWN, SIG_KEY_AGENT_MISMATCH, SIG_KEY_INACTIVE, SIG_MALFORMED,
   * SIG_INVALID), WitnessError WITNESS_POOL_EMPTY, CustodyError, or StoreError from the database.
   */
  async append(submission: EventSubmission): Promise<StoredEvent> {
    // Fail fast while halted: nothing is queued for later (CT-11). The database refuses it anyway (migration 009).
    this.deps.gate?.assertWritable(submission.eventType);
    const keyring = await this.deps.keys.including(submission.signingKeyId);
    // Whether the key is active is decided at authority time, inside the transaction (placeBatch); this process's
    // clock is not the authority and may lag the database's.
    const key = keyring.requireAgentKey(submission.signingKeyId, submission.agentId);
    verifyAgentSignature(submission, key, this.deps.verify);
    return new Promise<StoredEvent>((resolve, reject) => {
      const item: Pending = {
        submission,
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
      this.queue.push(item);
      this.startTransactions();
    });
  }

  /**
   * Appends one submission in a transaction of its own, together with a halt_state `effect` (the record of a halt
   * and the halt, or a ceremony and the clear, commit together). Bypasses the gate: halting and clearing must work
   * while halted. With `skipIfHalted`, stores nothing when the database is already halted (resolves undefined),
   * so instances that all saw the same operator's halt record it once.
   */
  async appendExclusive(submission: EventSubmission, effect: AppendEffect, options: { skipIfHalted?: boolean } = {}): Promise<StoredEvent | undefined> {
    const keyring = await this.deps.keys.including(submission.signingKeyId);
    verifyAgentSignature(submission, keyring.requireAgentKey(submission.signingKeyId, submission.agentId), this.deps.verify);
    let failure: unknown;
    const item: Pending = { submission, settled: false, resolve: () => undefined, reject: (err) => (failure = err) };
    const stored = await this.deps.store.append(async (head) => {
      if (options.skipIfHalted === true && head.halted) return [];
      const { events } = await this.placeBatch(head, [item], keyring);
      if (failure !== undefined) throw failure;
      return events;
    }, effect);
    return stored[0];
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
      if (took && isForkSymptom(err)) {
        // The batch was placed on the head read under the append lock, which cannot move until this transaction
        // ends; yet the database says another event holds that place (trigger 002 or the primary key). A writer
        // that skips the lock is forking the chain: halt over degrade (CT-13).
        this.deps.gate?.integrityFault(`fork: another writer stored an event at a sequence this instance had placed, without the append lock (${(err as StoreError).message})`);
      }
      if (err instanceof StoreError && err.details?.rule === 'halt') {
        // Halted between this process's last look and the insert: the whole batch is refused, nothing is retried.
        this.deps.gate?.haltSeenByDatabase();
        const halted = new HaltError({ code: 'SYSTEM_HALTED', message: err.message, cause: err });
        for (const item of open) item.reject(halted);
        return;
      }
      // The database refused something our key cache allowed: the cache may be stale (a key closed by another
      // process). Reload it, so the retries below, and later appends, are refused early and by name.
      if (err instanceof StoreError && err.details?.rule === 'signing key') await this.deps.keys.reload().catch(() => undefined);
      if (open.length > 1 && isPerEventRefusal(err)) {
        for (const item of open) await this.commit(() => [item]).catch(item.reject);
      } else {
        for (const item of open) item.reject(err);
      }
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
