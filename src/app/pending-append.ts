import type { EventSubmission, StoredEvent } from '../domain/chain/event.types.js';

/** A verified submission waiting for a transaction, with the callbacks that answer its caller. */
export interface PendingAppend {
  submission: EventSubmission;
  resolve: (event: StoredEvent) => void;
  reject: (err: unknown) => void;
  /** Set once the caller has its answer: a settled item is never placed again, so "failed" stays true. */
  settled: boolean;
  /** performance.now() when the submission reached the appender: the metrics measure from here to commit. */
  arrivedAt: number;
}

/** A queue item whose callbacks mark it settled, so it is never placed again once its caller has an answer. */
export function createPendingAppend(
  submission: EventSubmission,
  arrivedAt: number,
  resolve: (event: StoredEvent) => void,
  reject: (err: unknown) => void,
): PendingAppend {
  const item: PendingAppend = {
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
