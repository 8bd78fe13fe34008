import { computeContentHash, GENESIS_PREV_HASH } from './content-hash.js';
import { ChainError } from '../errors.js';
import type { ChainLink, PlacedEvent } from './event.types.js';

/**
 * Checks that `event` continues the chain after `prev` (undefined for the first event): its sequence is the
 * next one, its prev_hash is prev's content_hash (64 zeros at genesis), and authority time does not run
 * backwards. Throws ChainError CHAIN_SEQUENCE_GAP, CHAIN_PREV_HASH_MISMATCH or CHAIN_TIMESTAMP_REGRESSION,
 * with the rule (FR82) and the sequence in the message.
 */
export function verifyLink(prev: ChainLink | undefined, event: PlacedEvent): void {
  const expectedSequence = prev === undefined ? 1 : prev.sequence + 1;
  if (event.sequence !== expectedSequence) {
    // The fault is at the sequence that should have come next: that is where the chain breaks.
    throw new ChainError({
      code: 'CHAIN_SEQUENCE_GAP',
      message: `FR82: sequence ${expectedSequence} is missing (the next stored event has sequence ${event.sequence})`,
      details: { sequence: expectedSequence, found: event.sequence },
    });
  }
  const expectedPrev = prev === undefined ? GENESIS_PREV_HASH : prev.contentHash;
  if (event.prevHash !== expectedPrev) {
    throw new ChainError({
      code: 'CHAIN_PREV_HASH_MISMATCH',
      message: `FR82: prev_hash mismatch at sequence ${event.sequence}`,
      details: { sequence: event.sequence, expected: expectedPrev, found: event.prevHash },
    });
  }
  if (prev !== undefined && event.authorityTimestamp < prev.authorityTimestamp) {
    throw new ChainError({
      code: 'CHAIN_TIMESTAMP_REGRESSION',
      message: `authority_timestamp runs backwards at sequence ${event.sequence}`,
      details: { sequence: event.sequence },
    });
  }
}

/** Recomputes content_hash. Throws ChainError CHAIN_CONTENT_HASH_MISMATCH naming the sequence. */
export function verifyContentHash(event: PlacedEvent): void {
  const recomputed = computeContentHash(event);
  if (recomputed !== event.contentHash) {
    throw new ChainError({
      code: 'CHAIN_CONTENT_HASH_MISMATCH',
      message: `content_hash mismatch at sequence ${event.sequence}: stored ${event.contentHash}, recomputed ${recomputed}`,
      details: { sequence: event.sequence, stored: event.contentHash, recomputed },
    });
  }
}
