import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { randomUUID } from 'node:crypto';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/api/app.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { EventFeed, type EventFeedDeps } from '../../src/app/event-stream/event-feed.js';
import { nudgeOnCommit } from '../../src/app/event-stream/commit-nudge.js';
import { EventAppender } from '../../src/app/event-appender.js';
import { NO_APPEND_METRICS } from '../../src/app/service-metrics.js';
import { toEventJson } from '../../src/domain/chain/event-json.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import type { EventStreamOptions } from '../../src/api/routes/observer/event-stream-route.js';
import type { FastifyInstance } from 'fastify';
import type { StoredEvent } from '../../src/domain/chain/event.types.js';
import type { JsonObject } from '../../src/domain/chain/canonical-json.js';


/** One Server-Sent Events message as a client sees it. */
interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/**
 * A minimal EventSource for tests: one GET on a fresh connection, the text/event-stream parsed as the HTML
 * standard says (lines split on LF, messages on a blank line, comments kept apart), nothing reconnects by itself.
 */
class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  ended = false;
  /** Everything received, as text. */
  raw = '';
  private buffer = '';
  private waiters: Array<() => void> = [];

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    readonly body: IncomingMessage,
  ) {
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => this.take(chunk));
    body.on('end', () => this.finish());
    body.on('close', () => this.finish());
    body.on('error', () => this.finish());
  }

  /** Opens `url`; resolves once the response headers arrived. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => resolve(new SseClient(res.statusCode ?? 0, res.headers, res)));
      req.on('error', reject);
      req.end();
    });
  }

  /** The ids received, as numbers. */
  get ids(): number[] {
    return this.messages.map((m) => Number(m.id));
  }

  /** Resolves when `predicate` holds (checked after every chunk and at the end); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${this.messages.length} messages, ended=${this.ended}`)), timeoutMs);
      const check = () => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  /** Closes the connection (as a browser tab going away). */
  close(): void {
    this.body.destroy();
  }

  private take(chunk: string): void {
    this.raw += chunk;
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const message: SseMessage = { id: undefined, event: undefined, data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) message.id = line.slice(4);
        else if (line.startsWith('event: ')) message.event = line.slice(7);
        else if (line.startsWith('data: ')) {
          message.data += (hasData ? '\n' : '') + line.slice(6);
          hasData = true;
        }
      }
      if (hasData) this.messages.push(message);
    }
    this.wake();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    for (const check of this.waiters.splice(0)) check();
  }
}

/** The events in sequence order as the stream must deliver them: protocol JSON, in `data`. */
const asMessages = (events: readonly StoredEvent[]) => events.map((e) => ({ id: String(e.sequence), event: e.eventType, data: JSON.stringify(toEventJson(e)) }));

describe('GET /v1/observer/events/stream', () => {
  let stack: TestStack;
  let app: FastifyInstance;
  let feed: EventFeed;
  let base: string;
  const stored: StoredEvent[] = [];
  const open: SseClient[] = [];

  const append = async (eventType = 'test.event', payload: JsonObject = { n: stored.length }) => {
    const event = await stack.appender.append(await stack.submission({ eventType, payload }));
    stored.push(event);
    return event;
  };
  const connect = async (query = '', headers: Record<string, string> = {}) => {
    const client = await SseClient.open(`${base}/v1/observer/events/stream${query}`, headers);
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    stack = await createTestStack();
    const query = createPgEventQuery(stack.client);
    // A small buffer, so replays exercise both paths: the feed's buffer and the store.
    feed = new EventFeed({ query, head: async () => (await stack.store.head())?.sequence ?? 0, pollMs: 40, bufferSize: 16 });
    app = buildApp(
      { appender: stack.appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined, observer: { query, stream: { feed, keepaliveMs: 150 } } },
      { logLevel: 'silent' },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (let i = 0; i < 5; i++) await append();
  }, 60_000);
  afterEach(() => {
    for (const client of open.splice(0)) client.close();
  });
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  it('opens a text/event-stream and sends new events live: id = sequence, event = type, data = protocol JSON', async () => {
    const client = await connect();
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache, no-transform');
    expect(client.headers['x-request-id']).toBeDefined();
    await client.waitFor(() => client.comments.length > 0, 5_000, 'the opening comment');
    const before = stored.length;
    const fresh = [await append('motion.proposed'), await append('vote.cast')];
    await client.waitFor(() => client.messages.length >= 2, 5_000, 'two live events');
    expect(client.messages).toEqual(asMessages(fresh));
    // Without Last-Event-ID the stream starts at the head: nothing stored before it connected is replayed.
    expect(client.ids.every((id) => id > before)).toBe(true);
  });

  it('replays everything after Last-Event-ID first, then goes live', async () => {
    const client = await connect('', { 'last-event-id': '2' });
    await client.waitFor(() => client.messages.length >= stored.length - 2, 5_000, 'the replay');
    const event = await append();
    await client.waitFor(() => client.ids.includes(event.sequence), 5_000, 'the live event');
    expect(client.messages).toEqual(asMessages(stored.slice(2)));
  });

  it('takes last_event_id from the query when no header is sent, and the header over the query', async () => {
    const fromQuery = await connect('?last_event_id=3');
    const both = await connect('?last_event_id=1', { 'last-event-id': String(stored.length - 1) });
    await fromQuery.waitFor(() => fromQuery.messages.length === stored.length - 3, 5_000, 'replay from the query');
    await both.waitFor(() => both.messages.length === 1, 5_000, 'replay from the header');
    expect(fromQuery.ids).toEqual(stored.slice(3).map((e) => e.sequence));
    expect(both.ids).toEqual([stored.length]);
  });

  it('misses nothing and repeats nothing across reconnects with Last-Event-ID while events are appended concurrently', async () => {
    const target = stored.length + 240;
    let appending = true;
    const writer = (async () => {
      // Bursts of concurrent appends (group commits of several events) with pauses between them.
      while (stored.length < target) {
        await Promise.all(Array.from({ length: 6 }, () => append(['motion.proposed', 'vote.cast', 'debate.entry'][stored.length % 3])));
        await new Promise((r) => setTimeout(r, 5));
      }
      appending = false;
    })();
    const seen: SseMessage[] = [];
    const lastSeen = () => Number(seen.at(-1)?.id ?? 0);
    let reconnects = 0;
    while (appending || lastSeen() < stored.length) {
      const from = lastSeen();
      const client = await connect('', { 'last-event-id': String(from) });
      // Read a few messages (sometimes one), then drop the connection at an arbitrary point.
      const take = 1 + ((reconnects * 7) % 23);
      const reached = () => Number(client.messages.at(-1)?.id ?? from);
      await client.waitFor(() => client.messages.length >= take || (!appending && reached() >= stored.length), 10_000, 'messages after reconnecting');
      client.close();
      seen.push(...client.messages);
      reconnects++;
    }
    await writer;
    expect(reconnects).toBeGreaterThan(5);
    expect(seen.map((m) => Number(m.id))).toEqual(stored.map((e) => e.sequence));
    expect(seen).toEqual(asMessages(stored));
  }, 60_000);

  it('filters by event_type (a comma list) and agent_id, in replay and live', async () => {
    const client = await connect('?event_type=vote.cast,debate.entry&last_event_id=0');
    await append('vote.cast');
    await append('motion.proposed');
    const last = await append('debate.entry');
    await client.waitFor(() => client.ids.includes(last.sequence), 5_000, 'the filtered events');
    expect(client.messages).toEqual(asMessages(stored.filter((e) => e.eventType === 'vote.cast' || e.eventType === 'debate.entry')));
    const agent = `agent-${randomUUID()}`;
    const byAgent = await connect(`?agent_id=${agent}`);
    await byAgent.waitFor(() => byAgent.comments.length > 0, 5_000, 'the opening comment');
    await append();
    const mine = await stack.appender.append(await stack.submission({ payload: { mine: true } }, agent));
    stored.push(mine);
    await byAgent.waitFor(() => byAgent.messages.length > 0, 5_000, 'the agent’s event');
    expect(byAgent.ids).toEqual([mine.sequence]);
  });

  it('sends keepalive comments while nothing happens', async () => {
    const client = await connect('?event_type=no.such_type');
    await client.waitFor(() => client.comments.filter((c) => c === 'keepalive').length >= 2, 5_000, 'two keepalives');
    expect(client.messages).toEqual([]);
  });

  it('holds back a client that does not read, then catches it up in order from the store', async () => {
    const client = await connect();
    await client.waitFor(() => client.comments.length > 0, 5_000, 'the opening comment');
    client.body.pause();
    const first = stored.length + 1;
    // About 4 MB of events: far beyond what the stream and the sockets buffer, so the server must stop sending.
    const big = 'x'.repeat(40_000);
    for (let i = 0; i < 100; i++) await append('test.event', { i, big });
    client.body.resume();
    await client.waitFor(() => client.ids.at(-1) === stored.length, 20_000, 'the slow client to catch up');
    expect(client.ids).toEqual(stored.slice(first - 1).map((e) => e.sequence));
  }, 60_000);

  it('answers HEAD with the stream headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/v1/observer/events/stream' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.body).toBe('');
  });

  it.each([
    ['a Last-Event-ID that is not a sequence', '', { 'last-event-id': 'abc' }, 'last-event-id'],
    ['a negative last_event_id', '?last_event_id=-1', {}, 'last_event_id'],
    ['an unknown query member', '?after_sequence=3', {}, 'after_sequence'],
    ['a malformed event type', '?event_type=A.B', {}, 'event_type'],
  ])('answers 400 INPUT_FIELD_INVALID for %s', async (_what, query, headers: Record<string, string>, field) => {
    const res = await app.inject({ method: 'GET', url: `/v1/observer/events/stream${query}`, headers });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INPUT_FIELD_INVALID', details: { field } });
  });
});

describe('GET /v1/observer/events/stream limits and shutdown', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack();
    await stack.appender.append(await stack.submission());
  }, 60_000);
  afterAll(() => stack.close());

  const start = async (stream: Omit<EventStreamOptions, 'feed'>, feedOptions: Partial<EventFeedDeps> = {}) => {
    const query = createPgEventQuery(stack.client);
    const feed = new EventFeed({ query, head: async () => (await stack.store.head())?.sequence ?? 0, pollMs: 50, ...feedOptions });
    const app = buildApp({ appender: stack.appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined, observer: { query, stream: { feed, ...stream } } }, { logLevel: 'silent' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { app, feed, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/observer/events/stream` };
  };

  it('answers 503 STREAM_CAPACITY_REACHED with Retry-After beyond the instance limit, and 429 RATE_LIMITED beyond the per-client one', async () => {
    const { app, url } = await start({ maxStreams: 3, maxStreamsPerClient: 2 });
    try {
      const a = await SseClient.open(url);
      const b = await SseClient.open(url);
      const third = await SseClient.open(url);
      const body = await text(third);
      expect(third.status).toBe(429);
      expect(third.headers['retry-after']).toBe('5');
      expect(JSON.parse(body).error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'streams per client' } });
      // Another client address (the stream counts request.ip; inject lets the test choose it).
      const other = app.inject({ method: 'GET', url: '/v1/observer/events/stream', remoteAddress: '198.51.100.7' });
      await new Promise((r) => setTimeout(r, 100));
      const full = await SseClient.open(url);
      expect(full.status).toBe(503);
      expect(full.headers['retry-after']).toBe('5');
      expect(JSON.parse(await text(full)).error).toMatchObject({ code: 'STREAM_CAPACITY_REACHED' });
      a.close();
      b.close();
      await app.close();
      expect((await other).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('ends every open stream when the server closes, so shutdown does not wait for them', async () => {
    const { app, feed, url } = await start({ keepaliveMs: 60_000 });
    const clients = await Promise.all([SseClient.open(url), SseClient.open(url), SseClient.open(`${url}?last_event_id=0`)]);
    await Promise.all(clients.map((c) => c.waitFor(() => c.comments.length > 0, 5_000, 'the opening comment')));
    expect(feed.size).toBe(3);
    const started = performance.now();
    await app.close();
    const ms = performance.now() - started;
    await Promise.all(clients.map((c) => c.waitFor(() => c.ended, 2_000, 'the stream to end')));
    expect(ms).toBeLessThan(2_000);
    expect(feed.size).toBe(0);
  });

  it('ends a stream after maxDurationMs (the client reconnects with Last-Event-ID)', async () => {
    const { app, url } = await start({ maxDurationMs: 200 });
    try {
      const client = await SseClient.open(url);
      await client.waitFor(() => client.ended, 3_000, 'the stream to end');
    } finally {
      await app.close();
    }
  });

  it('delivers at once when the appender in this process nudges the feed (no wait for the poll)', async () => {
    const { app, feed, url } = await start({}, { pollMs: 60_000 });
    try {
      const appender = new EventAppender({ store: stack.store, keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium, metrics: nudgeOnCommit(NO_APPEND_METRICS, () => feed.nudge()) });
      const client = await SseClient.open(url);
      await client.waitFor(() => client.comments.length > 0, 5_000, 'the opening comment');
      const event = await appender.append(await stack.submission());
      await client.waitFor(() => client.ids.includes(event.sequence), 2_000, 'the nudged event');
      client.close();
    } finally {
      await app.close();
    }
  });
});

/** The whole body of a response that ends (an error answer). */
async function text(client: SseClient): Promise<string> {
  await client.waitFor(() => client.ended, 5_000, 'the answer to end');
  return client.raw;
}
