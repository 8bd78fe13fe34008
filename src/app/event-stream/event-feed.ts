import { FeedSubscription, type FeedSink } from './feed-subscription.js';
import type { StoredEvent } from '../../domain/chain/event.types.js';
import type { EventFilter, EventQuery } from '../ports.js';

/** How often the feed looks for new events while anyone follows it. Other instances' commits appear this late at worst. */
export const DEFAULT_FEED_POLL_MS = 500;
/** Recent events the feed keeps, so a stream that fell a little behind catches up without reading the database. */
export const DEFAULT_FEED_BUFFER = 1024;
/** Events read per query, while polling and while a stream replays. */
export const FEED_PAGE_SIZE = 500;

export interface EventFeedDeps {
  query: EventQuery;
  /** The chain head's sequence (0 for an empty log): where a feed that starts polling begins. */
  head: () => Promise<number>;
  pollMs?: number;
  bufferSize?: number;
  /** A failed poll (the database unreachable): the feed retries at the next interval. */
  onError?: (err: unknown) => void;
}

/**
 * New events of the log for live streams (GET /v1/observer/events/stream), in one process. While anyone follows
 * it, the feed polls the store every `pollMs` for events after the last it saw (so events other instances append
 * appear too), and at once when `nudge()` says this process committed. It keeps the last `bufferSize` events and
 * hands every batch to its subscriptions, each of which delivers in sequence order without gap or duplicate
 * (FeedSubscription). With nobody following, it stops polling and forgets, and starts from the head again later.
 */
export class EventFeed {
  /** Every event with sequence ≤ position is in the store; undefined while the feed is stopped. */
  private position: number | undefined;
  /** The newest events, consecutive, ending at `position`. */
  private recent: StoredEvent[] = [];
  private readonly subscriptions = new Set<FeedSubscription>();
  private starting: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private pollAgain = false;
  readonly pollMs: number;
  private readonly bufferSize: number;

  constructor(private readonly deps: EventFeedDeps) {
    this.pollMs = deps.pollMs ?? DEFAULT_FEED_POLL_MS;
    this.bufferSize = deps.bufferSize ?? DEFAULT_FEED_BUFFER;
  }

  /** Streams following the feed now. */
  get size(): number {
    return this.subscriptions.size;
  }

  /**
   * Follows the log from `after` (a Last-Event-ID: every later event matching `filter` is delivered, replayed from
   * the store first), or from the head when `after` is undefined. Throws StoreError when the head cannot be read.
   */
  async subscribe(options: { after: number | undefined; filter: EventFilter; sink: FeedSink }): Promise<FeedSubscription> {
    const head = await this.start();
    const subscription = new FeedSubscription(this, options.after ?? head, options.filter, options.sink, (s) => this.subscriptions.delete(s) && this.stopIfIdle());
    this.subscriptions.add(subscription);
    subscription.catchUp();
    return subscription;
  }

  /** This process committed events: look now instead of at the next interval. */
  nudge(): void {
    if (this.position === undefined) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    clearTimeout(this.timer);
    void this.poll();
  }

  /** Ends every subscription (their sinks' end()) and stops polling. */
  close(): void {
    for (const subscription of [...this.subscriptions]) subscription.close();
  }

  /** The feed's view for a subscription catching up: its position and the buffered events. */
  snapshot(): { position: number; recent: readonly StoredEvent[] } {
    return { position: this.position ?? 0, recent: this.recent };
  }

  /**
   * Reads matching events after `after` from the store (a subscription replaying), one page; `more` says the page
   * is full, so more may follow.
   */
  async read(after: number, filter: EventFilter): Promise<{ events: StoredEvent[]; more: boolean }> {
    const events = await this.deps.query.listEvents(after, FEED_PAGE_SIZE, filter);
    return { events, more: events.length === FEED_PAGE_SIZE };
  }

  private async start(): Promise<number> {
    if (this.position !== undefined) return this.position;
    this.starting ??= this.deps.head().then(
      (head) => {
        this.starting = undefined;
        this.position = head;
        this.recent = [];
        this.schedule();
        return head;
      },
      (err: unknown) => {
        this.starting = undefined;
        throw err;
      },
    );
    return this.starting;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), this.pollMs);
  }

  private stopIfIdle(): void {
    if (this.subscriptions.size > 0) return;
    clearTimeout(this.timer);
    this.position = undefined;
    this.recent = [];
  }

  /** Reads every event after `position`, a page at a time, handing each page to the subscriptions. */
  private async poll(): Promise<void> {
    this.polling = true;
    try {
      do {
        this.pollAgain = false;
        for (;;) {
          const from = this.position;
          if (from === undefined) return;
          const page = await this.deps.query.listEvents(from, FEED_PAGE_SIZE, {});
          // Stopped (or restarted from a new head) while the query ran: this page belongs to nobody.
          if (this.position !== from) return;
          const last = page.at(-1);
          if (last === undefined) break;
          this.append(page, last.sequence);
          for (const subscription of [...this.subscriptions]) subscription.offer(page, from);
          if (page.length < FEED_PAGE_SIZE) break;
        }
      } while (this.pollAgain);
    } catch (err) {
      this.deps.onError?.(err);
    } finally {
      this.polling = false;
      if (this.position !== undefined) this.schedule();
    }
  }

  private append(page: readonly StoredEvent[], last: number): void {
    this.recent.push(...page);
    if (this.recent.length > this.bufferSize) this.recent.splice(0, this.recent.length - this.bufferSize);
    this.position = last;
  }
}
