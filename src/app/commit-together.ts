import { AppError, StoreError, type AppErrorOptions, type ErrorCode } from '../domain/errors.js';
import type { EventSubmission, StoredEvent } from '../domain/chain/event.types.js';
import type { Keyring } from '../domain/signing/keyring.js';
import { answerRefusal, isStaleKeyRefusal, type RefusalDeps } from './append-refusal.js';
import { createPendingAppend } from './pending-append.js';
import { placeBatch, type PlaceBatchDeps } from './place-batch.js';
import type { CommitReporter } from './commit-reporter.js';
import type { AppendEffect, EventStore } from './ports.js';

/**
 * Most submissions one agent batch (submitAll) may hold. A batch is verified in full before its transaction, then
 * holds the append lock, witnessing included, while every other writer waits: 100 keeps that to milliseconds
 * (100 signature checks, one custody call, one insert), a tenth of a group commit (DEFAULT_MAX_BATCH), so one
 * client cannot stall everyone else's appends, and a refused batch stays cheap to correct and send again.
 */
export const MAX_SUBMISSION_BATCH = 100;

/** What the appender's transactions use: the store, placing (custody, gate), refusals (key cache, gate), the metrics. */
export interface CommitDeps extends PlaceBatchDeps, RefusalDeps {
  store: EventStore;
  reporter: CommitReporter;
}

/** How commitTogether commits. */
export interface CommitTogetherOptions {
  /** A halt_state change committed with the events. */
  effect?: AppendEffect;
  /** Store nothing (resolve with no events) when the database is already halted. */
  skipIfHalted?: boolean;
  /** An agent batch: a refusal names the index of the submission it concerns. */
  batch?: boolean;
}

/**
 * Commits an agent batch whose every submission was already checked (submitAll) in one transaction of its own, all
 * or nothing, under the key cache's keyring; resolves with the stored events in order. Throws the refusal, as
 * answerRefusal gives it (HaltError SYSTEM_HALTED for the database's halt), naming the submission it concerns in
 * `details.index` when known: a StoreError (STORE_CONFLICT for an event_id already stored), SignatureError or
 * WitnessError, CustodyError.
 */
export async function commitBatch(deps: CommitDeps, submissions: readonly EventSubmission[], arrivedAt: number): Promise<StoredEvent[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await commitTogether(deps, submissions, arrivedAt, await deps.keys.current(), { batch: true });
    } catch (err) {
      const refusal = await answerRefusal(err, deps);
      // A key the cache held open was closed by another process; the cache has just been reloaded, so placing
      // the batch once more refuses that event by name and index (SIG_KEY_INACTIVE). Nothing was stored.
      if (attempt === 1 && isStaleKeyRefusal(err)) continue;
      const conflicting = err instanceof StoreError ? err.details?.eventId : undefined;
      const index = submissions.findIndex((s) => s.eventId === conflicting);
      throw index < 0 ? refusal : withBatchIndex(refusal, index);
    }
  }
}

/**
 * One transaction of its own placing all of `submissions` (with `effect`), or none: the first refusal aborts it.
 * With `batch`, that refusal names the submission's index. With `skipIfHalted`, a halted database stores nothing.
 */
export async function commitTogether(
  deps: CommitDeps,
  submissions: readonly EventSubmission[],
  arrivedAt: number,
  keyring: Keyring,
  options: CommitTogetherOptions,
): Promise<StoredEvent[]> {
  let failure: unknown;
  const items = submissions.map((submission, index) =>
    createPendingAppend(submission, arrivedAt, () => undefined, (err) => (failure ??= options.batch === true ? withBatchIndex(err, index) : err)),
  );
  const stored = await deps.store.append(async (head) => {
    if (options.skipIfHalted === true && head.halted) return [];
    const { events } = await placeBatch(head, items, keyring, deps);
    // Throwing rolls the transaction back: one event placeBatch refused (halted, key closed) refuses them all.
    if (failure !== undefined) throw failure;
    return events;
  }, options.effect);
  deps.reporter.report(items, stored);
  return stored;
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
