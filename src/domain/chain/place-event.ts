import { computeContentHash } from './content-hash.js';
import type { ChainHead, EventSubmission, PlacedEvent } from './event.types.js';

/**
 * Gives a verified submission its place after `head`: sequence head + 1, prev_hash = head's content_hash,
 * the batch's authority time, and the content_hash over all of it (docs/PROTOCOL.md §4).
 */
export function placeEvent(head: Pick<ChainHead, 'sequence' | 'contentHash'>, submission: EventSubmission, authorityTimestamp: string): PlacedEvent {
  const unhashed = {
    ...submission,
    sequence: head.sequence + 1,
    prevHash: head.contentHash,
    authorityTimestamp,
  };
  return { ...unhashed, contentHash: computeContentHash(unhashed) };
}
