import type { EventSubmission, StoredEvent } from '../domain/chain/event.types.js';
import { HaltError } from '../domain/errors.js';
import { answerRefusal, isPerEventRefusal } from './append-refusal.js';
import type { CommitDeps } from './commit-together.js';
import { createPendingAppend, type PendingAppend } from './pending-append.js';
import { placeBatch } from './place-batch.js';

/** How much group commit may batch: items per transaction, and transactions open at once. */
export interface GroupCommitLimits {
  maxBatch: number;
  maxInFlight: number;
}

/**
 * The appender's queue of verified submissions and the transactions that commit them together: concurrent appends
 * share one transaction (one lock, one insert, one WAL flush), and each resolves only once the transaction holding
 * its event committed, or rejects with that event's refusal.
 */
export class GroupCommit {
  private readonly queue: PendingAppend[] = [];
  private inFlight = 0;
  /** Transactions started that have not yet taken their batch: at most one, so none ever takes an empty queue. */
  private waitingToTake = 0;
  private idle: Array<() => void> = [];

  constructor(
    private readonly deps: CommitDeps,
    private readonly limits: GroupCommitLimits,
  ) {}

  /** Queues a submission already checked (gate, key, signature) for the next transaction; resolves with it stored. */
  add(submission: EventSubmission, arrivedAt: number): Promise<StoredEvent> {
    return new Promise<StoredEvent>((resolve, reject) => {
      this.queue.push(createPendingAppend(submission, arrivedAt, resolve, reject));
      this.startTransactions();
    });
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
    if (this.queue.length > 0 && this.inFlight < this.limits.maxInFlight && this.waitingToTake === 0) {
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
    let batch: PendingAppend[] = [];
    let took = false;
    const take = () => {
      took = true;
      this.waitingToTake--;
      batch = this.queue.splice(0, this.limits.maxBatch);
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
      const refusal = took ? await answerRefusal(err, this.deps) : err;
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

  /** One transaction for the batch `take` returns under the lock; settles every item of it. */
  private async commit(take: () => PendingAppend[]): Promise<void> {
    const agentKeys = await this.deps.keys.current();
    let placed: PendingAppend[] = [];
    const stored = await this.deps.store.append(async (head) => {
      const result = await placeBatch(head, take(), agentKeys, this.deps);
      placed = result.placed;
      return result.events;
    });
    this.deps.reporter.report(placed, stored);
    stored.forEach((event, i) => placed[i]?.resolve(event));
  }
}
