import { describe, it, expect } from 'vitest';
import { EventFeed } from '../../src/app/event-stream/event-feed.js';
import type { EventFilter, EventQuery } from '../../src/app/ports.js';
import type { StoredEvent } from '../../src/domain/chain/event.types.js';

/** An in-memory log behind the EventQuery port: enough for the feed, which reads only listEvents. */
function fakeLog() {
  const events: StoredEvent[] = [];
  let failing: Error | undefined;
  const query: EventQuery = {
    async listEvents(after: number, limit: number, filter: EventFilter) {
      if (failing) throw failing;
      return events.filter((e) => e.sequence > after && (filter.eventTypes === undefined || filter.eventTypes.includes(e.eventType))).slice(0, limit);
    },
    eventById: async () => undefined,
    eventBySequence: async () => undefined,
  };
  return {
    query,
    head: async () => events.length,
    add: (n: number, eventType = 'test.event') => {
      for (let i = 0; i < n; i++) events.push({ sequence: events.length + 1, eventType } as StoredEvent);
    },
    fail: (err: Error | undefined) => (failing = err),
  };
}

/** A sink that records sequences; `room` says whether it accepts more (false: the stream's buffer is full). */
function recorder(room = () => true) {
  const seen: number[] = [];
  const ended: unknown[] = [];
  return { seen, ended, sink: { send: (e: StoredEvent) => (seen.push(e.sequence), room()), end: (err?: unknown) => void ended.push(err ?? 'end') } };
}

const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));
const until = async (predicate: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !predicate(); i++) await settle(10);
  if (!predicate()) throw new Error(`timed out: ${what}`);
};

describe('EventFeed', () => {
  it('reports a failed poll and recovers at the next interval', async () => {
    const log = fakeLog();
    const errors: unknown[] = [];
    const feed = new EventFeed({ query: log.query, head: log.head, pollMs: 10, onError: (err) => errors.push(err) });
    const r = recorder();
    const sub = await feed.subscribe({ after: undefined, filter: {}, sink: r.sink });
    log.fail(new Error('database down'));
    log.add(2);
    await until(() => errors.length > 0, 'a failed poll');
    log.fail(undefined);
    await until(() => r.seen.length === 2, 'the events after recovery');
    expect(r.seen).toEqual([1, 2]);
    sub.close();
  });

  it('stops polling when the last stream leaves, and starts again from the new head', async () => {
    const log = fakeLog();
    log.add(3);
    const feed = new EventFeed({ query: log.query, head: log.head, pollMs: 10 });
    const first = recorder();
    (await feed.subscribe({ after: undefined, filter: {}, sink: first.sink })).close();
    expect(first.ended).toEqual(['end']);
    expect(feed.size).toBe(0);
    log.add(5);
    const second = recorder();
    const sub = await feed.subscribe({ after: undefined, filter: {}, sink: second.sink });
    log.add(1);
    await until(() => second.seen.length === 1, 'the new event');
    expect(second.seen).toEqual([9]);
    sub.close();
  });

  it('ends a stream whose replay fails, passing the error to the sink', async () => {
    const log = fakeLog();
    log.add(3);
    const feed = new EventFeed({ query: log.query, head: log.head, pollMs: 10, bufferSize: 1 });
    const r = recorder();
    log.fail(new Error('database down'));
    await feed.subscribe({ after: 0, filter: {}, sink: r.sink });
    await until(() => r.ended.length === 1, 'the stream to end');
    expect((r.ended[0] as Error).message).toBe('database down');
    expect(feed.size).toBe(0);
  });

  it('pauses a full sink and, once resumed, delivers the rest in order without gap or duplicate', async () => {
    const log = fakeLog();
    const feed = new EventFeed({ query: log.query, head: log.head, pollMs: 5, bufferSize: 4 });
    let room = false;
    const r = recorder(() => room);
    const sub = await feed.subscribe({ after: undefined, filter: {}, sink: r.sink });
    log.add(20);
    await until(() => r.seen.length === 1, 'the first event');
    await settle();
    expect(r.seen).toEqual([1]);
    room = true;
    sub.resume();
    await until(() => r.seen.length === 20, 'the rest');
    expect(r.seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    sub.close();
  });

  it('waits for the log to pass a Last-Event-ID beyond the head', async () => {
    const log = fakeLog();
    log.add(2);
    const feed = new EventFeed({ query: log.query, head: log.head, pollMs: 5 });
    const r = recorder();
    const sub = await feed.subscribe({ after: 4, filter: {}, sink: r.sink });
    log.add(4);
    await until(() => r.seen.length === 2, 'events after 4');
    expect(r.seen).toEqual([5, 6]);
    sub.close();
  });

  it('delivers a nudged commit before the next poll is due', async () => {
    const log = fakeLog();
    const feed = new EventFeed({ query: log.query, head: log.head, pollMs: 60_000 });
    const r = recorder();
    const sub = await feed.subscribe({ after: undefined, filter: { eventTypes: ['vote.cast'] }, sink: r.sink });
    log.add(1, 'motion.proposed');
    log.add(1, 'vote.cast');
    feed.nudge();
    feed.nudge();
    await until(() => r.seen.length === 1, 'the nudged event');
    expect(r.seen).toEqual([2]);
    sub.close();
    feed.nudge();
    feed.close();
  });
});
