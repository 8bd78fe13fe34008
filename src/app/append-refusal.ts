import { HaltError, StoreError } from '../domain/errors.js';
import type { KeyCache } from './key-cache.js';
import type { WriteGate } from './write-gate.js';

/** What answering a refusal touches: the gate (told of a fork or of the database's halt) and the key cache. */
export interface RefusalDeps {
  keys: KeyCache;
  gate?: WriteGate;
}

/**
 * What every path does when a transaction that placed events under the lock fails; returns the error to answer
 * with: HaltError SYSTEM_HALTED for the database's halt refusal, otherwise `err` itself.
 */
export async function answerRefusal(err: unknown, deps: RefusalDeps): Promise<unknown> {
  if (isForkSymptom(err)) {
    // The batch was placed on the head read under the append lock, which cannot move until this transaction
    // ends; yet the database says another event holds that place (trigger 002 or the primary key). A writer
    // that skips the lock is forking the chain: halt over degrade (CT-13).
    deps.gate?.integrityFault(`fork: another writer stored an event at a sequence this instance had placed, without the append lock (${(err as StoreError).message})`);
  }
  if (err instanceof StoreError && err.details?.rule === 'halt') {
    deps.gate?.haltSeenByDatabase();
    return new HaltError({ code: 'SYSTEM_HALTED', message: err.message, cause: err });
  }
  // The database refused something our key cache allowed: the cache may be stale (a key closed by another
  // process). Reload it, so retries, and later appends, are refused early and by name.
  if (isStaleKeyRefusal(err)) await deps.keys.reload().catch(() => undefined);
  return err;
}

/** Errors that concern one event, not the store: retrying the others one by one lets them commit. */
export function isPerEventRefusal(err: unknown): boolean {
  return err instanceof StoreError && (err.code === 'STORE_REJECTED' || err.code === 'STORE_CONFLICT');
}

/** Trigger 004 refused a signing key the cache still held open: the cache is stale. */
export function isStaleKeyRefusal(err: unknown): boolean {
  return err instanceof StoreError && err.details?.rule === 'signing key';
}

/** The database refusing a batch placed under the lock because the head moved: only a lock-skipping writer does that. */
function isForkSymptom(err: unknown): boolean {
  if (!(err instanceof StoreError)) return false;
  if (err.code === 'STORE_CONFLICT') return err.details?.constraint === 'events_pkey';
  return err.code === 'STORE_REJECTED' && err.details?.rule === 'hash chain' && /sequence gap|prev_hash mismatch/.test(err.message);
}
