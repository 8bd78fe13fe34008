import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { buildApp } from '../../src/api/app.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { toEventJson, type EventJson } from '../../src/domain/chain/event-json.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import type { FastifyInstance } from 'fastify';
import type { StoredEvent } from '../../src/domain/chain/event.types.js';

interface Page {
  events: EventJson[];
  next: { after_sequence: number } | null;
}

/** GET /v1/observer/…: real appends on embedded PGlite, read back through the routes. */
describe('observer routes', () => {
  let stack: TestStack;
  let app: FastifyInstance;
  const stored: StoredEvent[] = [];
  const alice = `agent-${randomUUID()}`;
  const bob = `agent-${randomUUID()}`;

  const append = async (eventType: string, agentId: string, n: number) => {
    const event = await stack.appender.append(await stack.submission({ eventType, payload: { n } }, agentId));
    stored.push(event);
    return event;
  };
  const get = (url: string) => app.inject({ method: 'GET', url });
  const page = async (query: string): Promise<Page> => {
    const res = await get(`/v1/observer/events?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Page>();
  };
  /** Follows `next` from after_sequence=0 to the end; returns every event seen, in order. */
  const readAll = async (query: string, between?: () => Promise<void>): Promise<EventJson[]> => {
    const seen: EventJson[] = [];
    let after = 0;
    for (let pages = 0; pages < 1000; pages++) {
      const { events, next } = await page(`${query}&after_sequence=${after}`);
      seen.push(...events);
      if (next === null) return seen;
      expect(next.after_sequence).toBe(events.at(-1)?.sequence);
      after = next.after_sequence;
      await between?.();
    }
    throw new Error('paging did not end');
  };
  const expected = (keep: (e: StoredEvent) => boolean) => stored.filter(keep).map(toEventJson);

  beforeAll(async () => {
    stack = await createTestStack();
    app = buildApp(
      { appender: stack.appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined, observer: { query: createPgEventQuery(stack.client) } },
      { logLevel: 'silent' },
    );
    for (let n = 0; n < 24; n++) {
      await append(n % 3 === 0 ? 'motion.proposed' : n % 3 === 1 ? 'vote.cast' : 'debate.entry', n % 2 === 0 ? alice : bob, n);
    }
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  describe('GET /v1/observer/events', () => {
    it('pages through the whole log in sequence order, each event once, as protocol JSON', async () => {
      const seen = await readAll('limit=5');
      expect(seen).toEqual(stored.map(toEventJson));
      expect(seen.map((e) => e.sequence)).toEqual(stored.map((_, i) => i + 1));
    });

    it('defaults to after_sequence=0 and limit=100, and says next: null at the end', async () => {
      const { events, next } = await page('');
      expect(events).toHaveLength(stored.length);
      expect(next).toBeNull();
    });

    it('gives a next cursor only when another page exists', async () => {
      const full = await page(`limit=${stored.length}`);
      expect(full.next).toBeNull();
      const short = await page(`limit=${stored.length - 1}`);
      expect(short.next).toEqual({ after_sequence: stored.length - 1 });
    });

    it('never skips or repeats an event that commits while an observer is paging', async () => {
      let n = 100;
      const seen = await readAll('limit=4', async () => {
        await append('vote.cast', alice, n++);
        await append('motion.proposed', bob, n++);
      });
      expect(seen.map((e) => e.sequence)).toEqual(stored.map((e) => e.sequence));
      expect(new Set(seen.map((e) => e.event_id)).size).toBe(seen.length);
    });

    it('filters by one event type and by a comma-separated list', async () => {
      expect(await readAll('event_type=vote.cast&limit=3')).toEqual(expected((e) => e.eventType === 'vote.cast'));
      const both = await readAll('event_type=vote.cast,debate.entry&limit=7');
      expect(both).toEqual(expected((e) => e.eventType === 'vote.cast' || e.eventType === 'debate.entry'));
      expect(await readAll('event_type=no.such_type')).toEqual([]);
    });

    it('filters by agent, and by agent and type together', async () => {
      expect(await readAll(`agent_id=${bob}&limit=4`)).toEqual(expected((e) => e.agentId === bob));
      const both = await readAll(`agent_id=${alice}&event_type=motion.proposed&limit=2`);
      expect(both.length).toBeGreaterThan(0);
      expect(both).toEqual(expected((e) => e.agentId === alice && e.eventType === 'motion.proposed'));
    });

    it('filters by authority time, from inclusive and to exclusive, in any RFC 3339 offset', async () => {
      const from = stored[5]!.authorityTimestamp;
      const to = stored[15]!.authorityTimestamp;
      const inWindow = (e: StoredEvent) => e.authorityTimestamp >= from && e.authorityTimestamp < to;
      expect(expected(inWindow).length).toBeGreaterThan(0);
      expect(expected(inWindow).length).toBeLessThan(stored.length - 5);
      expect(await readAll(`from=${from}&to=${to}&limit=3`)).toEqual(expected(inWindow));
      // The same instants written with a +05:30 offset select the same events.
      const offset = (canonical: string) => {
        const shifted = new Date(Date.parse(canonical) + 5.5 * 3600_000).toISOString().slice(0, 19);
        return encodeURIComponent(`${shifted}.${canonical.slice(20, 26)}+05:30`);
      };
      expect(await readAll(`from=${offset(from)}&to=${offset(to)}`)).toEqual(expected(inWindow));
      expect(await readAll(`from=${to}&to=${from}`)).toEqual([]);
    });
  });

  describe('GET /v1/observer/events/:event_id and /sequence/:sequence', () => {
    it('answer 200 with the stored event', async () => {
      const event = stored[7]!;
      expect((await get(`/v1/observer/events/${event.eventId}`)).json()).toEqual(toEventJson(event));
      expect((await get(`/v1/observer/events/sequence/${event.sequence}`)).json()).toEqual(toEventJson(event));
    });

    it('answer 404 EVENT_NOT_FOUND for an event that is not stored', async () => {
      for (const url of [`/v1/observer/events/${randomUUID()}`, `/v1/observer/events/sequence/${stored.length + 1}`, '/v1/observer/events/sequence/999999999999999']) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error).toMatchObject({ code: 'EVENT_NOT_FOUND', requestId: res.headers['x-request-id'] });
      }
    });
  });

  describe('with bad parameters', () => {
    const cases: Array<[url: string, field: string]> = [
      ['/v1/observer/events?limit=0', 'limit'],
      ['/v1/observer/events?limit=1001', 'limit'],
      ['/v1/observer/events?limit=1e2', 'limit'],
      ['/v1/observer/events?limit=%2010', 'limit'],
      ['/v1/observer/events?limit=0x10', 'limit'],
      ['/v1/observer/events?limit=5&limit=6', 'limit'],
      ['/v1/observer/events?after_sequence=-1', 'after_sequence'],
      ['/v1/observer/events?after_sequence=01', 'after_sequence'],
      ['/v1/observer/events?after_sequence=1.5', 'after_sequence'],
      ['/v1/observer/events?after_sequence=9007199254740993', 'after_sequence'],
      ['/v1/observer/events?event_type=Motion.Proposed', 'event_type'],
      ['/v1/observer/events?event_type=a..b', 'event_type'],
      ['/v1/observer/events?event_type=a,,b', 'event_type'],
      [`/v1/observer/events?event_type=${'a'.repeat(129)}`, 'event_type'],
      [`/v1/observer/events?event_type=${Array.from({ length: 33 }, (_, i) => `t${i}`).join(',')}`, 'event_type'],
      ['/v1/observer/events?agent_id=has%20space', 'agent_id'],
      ['/v1/observer/events?from=2026-02-30T00:00:00Z', 'from'],
      ['/v1/observer/events?from=0000-01-01T00:00:00Z', 'from'],
      ['/v1/observer/events?from=2026-01-01T00:00:00', 'from'],
      ['/v1/observer/events?to=2026-01-01T00:00:00%2B16:00', 'to'],
      ['/v1/observer/events?to=2026-01-01T00:00:00.1234567Z', 'to'],
      ['/v1/observer/events?cursor=5', 'cursor'],
      ['/v1/observer/events/ABCDEF01-2345-6789-ABCD-EF0123456789', 'event_id'],
      ['/v1/observer/events/not-a-uuid', 'event_id'],
      ['/v1/observer/events/sequence/0', 'sequence'],
      ['/v1/observer/events/sequence/-1', 'sequence'],
      ['/v1/observer/events/sequence/1.0', 'sequence'],
      ['/v1/observer/events/sequence/1234567890123456', 'sequence'],
    ];
    it.each(cases)('%s answers 400 INPUT_FIELD_INVALID naming %s', async (url, field) => {
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INPUT_FIELD_INVALID', details: { field } });
    });
  });
});
