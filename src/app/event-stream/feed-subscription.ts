import type { StoredEvent } from '../../domain/chain/event.types.js';
import type { EventFilter } from '../ports.js';
import type { EventFeed } from './event-feed.js';

/** Where a subscription delivers: a live stream's writer. */
export interface FeedSink {
  /** Delivers one event. False: the consumer is full; send nothing more until the subscription is resumed. */
  send(event: StoredEvent): boolean;
  /** The subscription ended: closed, or its replay failed (`err`). */
  end(err?: unknown): void;
}

type Mode = 'catching-up' | 'live' | 'paused' | 'closed';

/** Whether `event` passes the stream's filter (the same members EventQuery.listEvents applies in SQL). */
export function matchesFilter(event: StoredEvent, filter: EventFilter): boolean {
  if (filter.eventTypes !== undefined && !filter.eventTypes.includes(event.eventType)) return false;
  if (filter.agentId !== undefined && event.agentId !== filter.agentId) return false;
  if (filter.sessionId !== undefined && !(event.eventType.startsWith('conclave.') && event.payload.session_id === filter.sessionId)) return false;
  return true;
}

/**
 * One stream's place in the log. Invariant: every event with sequence ≤ `position` has been delivered or filtered
 * out, and `position` only grows, so nothing is delivered twice and nothing is skipped:
 * - catching up: reads matching events after `position` from the feed's buffer when it reaches back that far,
 *   else from the store, a page at a time; the switch to live happens synchronously after the buffer, so no
 *   batch can pass in between;
 * - live: takes every batch the feed polls, delivering events after `position`; a batch that starts beyond
 *   `position` (a gap) sends it back to catching up;
 * - paused: the sink is full; batches are ignored until resume(), which catches up from `position`.
 */
export class FeedSubscription {
  private mode: Mode = 'catching-up';

  constructor(
    private readonly feed: EventFeed,
    private position: number,
    private readonly filter: EventFilter,
    private readonly sink: FeedSink,
    private readonly onClose: (subscription: FeedSubscription) => void,
  ) {}

  /** The sink has room again. */
  resume(): void {
    if (this.mode !== 'paused') return;
    this.catchUp();
  }

  /** Stops delivering and ends the sink. Idempotent. */
  close(err?: unknown): void {
    if (this.mode === 'closed') return;
    this.mode = 'closed';
    this.onClose(this);
    this.sink.end(err);
  }

  /** A batch the feed polled: consecutive events after `from`. */
  offer(batch: readonly StoredEvent[], from: number): void {
    if (this.mode !== 'live') return;
    if (from > this.position) {
      this.catchUp();
      return;
    }
    if (!this.deliver(batch)) return;
    this.position = Math.max(this.position, batch.at(-1)?.sequence ?? from);
  }

  /** Replays from `position` until level with the feed, then goes live. Runs in the background; never rejects. */
  catchUp(): void {
    this.mode = 'catching-up';
    void this.replay().catch((err: unknown) => this.close(err));
  }

  private async replay(): Promise<void> {
    for (;;) {
      if (this.mode !== 'catching-up') return;
      const { position: fed, recent } = this.feed.snapshot();
      const floor = (recent[0]?.sequence ?? fed + 1) - 1;
      if (this.position >= floor) {
        // Everything after `position` that the feed has seen is in its buffer: deliver it and go live, with no await.
        if (!this.deliver(recent)) return;
        this.position = Math.max(this.position, fed);
        this.mode = 'live';
        return;
      }
      // Every event ≤ fed is committed (appends commit in sequence order), so a page shorter than asked for covers
      // the store up to at least `fed`, whatever committed while the query ran.
      const page = await this.feed.read(this.position, this.filter);
      if (this.mode !== 'catching-up') return;
      if (!this.deliver(page.events)) return;
      if (!page.more) this.position = Math.max(this.position, fed);
    }
  }

  /**
   * Sends the events of `events` after `position` that match; `position` follows each one. False when the sink
   * filled up (the subscription is then paused) or the subscription closed.
   */
  private deliver(events: readonly StoredEvent[]): boolean {
    for (const event of events) {
      if (event.sequence <= this.position) continue;
      const room = !matchesFilter(event, this.filter) || this.sink.send(event);
      this.position = event.sequence;
      if (this.mode === 'closed') return false;
      if (!room) {
        this.mode = 'paused';
        return false;
      }
    }
    return true;
  }
}
