import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { toEventJson } from '../../../domain/chain/event-json.js';
import { LimitError } from '../../../domain/errors.js';
import { errorBodySchema } from '../../schemas/error-body.js';
import { MAX_EVENT_TYPES } from '../../schemas/observer.js';
import { eventStreamHeadersSchema, eventStreamQuerySchema, type EventStreamQuery } from '../../schemas/observer-stream.js';
import { parseEventTypes } from './event-page-query.js';
import type { EventFeed } from '../../../app/event-stream/event-feed.js';
import type { EventFilter } from '../../../app/ports.js';
import type { StoredEvent } from '../../../domain/chain/event.types.js';

/** Defaults of the live stream (each overridable in EventStreamOptions). */
export const STREAM_DEFAULTS = {
  /** A comment line this often keeps proxies and load balancers from closing an idle stream. */
  keepaliveMs: 15_000,
  /** Streams one instance serves at once. */
  maxStreams: 1000,
  /** Streams one client address may hold at once (the same for every client). */
  maxStreamsPerClient: 16,
  /** A stream ends after this long; the client reconnects with Last-Event-ID and misses nothing (spreads load). */
  maxDurationMs: 30 * 60_000,
  /** What the stream tells the client to wait before reconnecting (the SSE `retry:` field). */
  retryMs: 2_000,
} as const;

export interface EventStreamOptions {
  feed: EventFeed;
  keepaliveMs?: number;
  maxStreams?: number;
  maxStreamsPerClient?: number;
  maxDurationMs?: number;
}

/** Bytes the stream buffers for a slow client before it stops sending and replays from the store later. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;
/** Response headers of a stream: no caching, and no buffering in nginx-style proxies (X-Accel-Buffering). */
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };
/** Seconds a client refused for capacity is asked to wait. */
const RETRY_AFTER_SECONDS = 5;

/**
 * One event as a Server-Sent Events message: `id` is the sequence (what a reconnecting client sends back as
 * Last-Event-ID), `event` the event type, `data` the protocol JSON on one line (JSON escapes every line break).
 */
export function toSseMessage(event: StoredEvent): string {
  return `id: ${event.sequence}\nevent: ${event.eventType}\ndata: ${JSON.stringify(toEventJson(event))}\n\n`;
}

/**
 * GET /v1/observer/events/stream. Streams are counted per instance and per client address; every open one is ended
 * when the server closes (preClose), so a shutdown never waits for a stream.
 */
export function registerEventStreamRoute(app: FastifyInstance, opts: EventStreamOptions): void {
  const settings = { ...STREAM_DEFAULTS, ...withoutUndefined(opts), feed: opts.feed };
  const open = new Set<PassThrough>();
  const perClient = new Map<string, number>();
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  app.get('/v1/observer/events/stream', {
    schema: {
      tags: ['observer'],
      summary: 'Live stream of new events (Server-Sent Events)',
      description:
        'text/event-stream: each event as `id: <sequence>`, `event: <event_type>`, `data: <protocol JSON>`; a `: keepalive` comment every ' +
        `${STREAM_DEFAULTS.keepaliveMs / 1000} s. With Last-Event-ID (header, or last_event_id) every later event is replayed from the log first, ` +
        'then the stream goes live without a gap or a duplicate. With session_id, one Conclave session’s events only. Streams end after a while and on shutdown: reconnect with Last-Event-ID.',
      querystring: eventStreamQuerySchema,
      headers: eventStreamHeadersSchema,
      response: { 200: { description: 'text/event-stream', type: 'string' }, 400: errorBodySchema, 429: errorBodySchema, 500: errorBodySchema, 503: errorBodySchema },
    },
    handler: async (request, reply) => {
      const query = request.query as EventStreamQuery;
      const filter: EventFilter = {};
      if (query.event_type !== undefined) filter.eventTypes = parseEventTypes(query.event_type, MAX_EVENT_TYPES);
      if (query.agent_id !== undefined) filter.agentId = query.agent_id;
      if (query.session_id !== undefined) filter.sessionId = query.session_id;
      const lastEventId = (request.headers['last-event-id'] as string | undefined) ?? query.last_event_id;
      // A HEAD request gets the headers only: Fastify would otherwise drain the endless body for it.
      if (request.method === 'HEAD') return reply.headers(SSE_HEADERS).send();

      const client = request.ip;
      if (open.size >= settings.maxStreams) {
        reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        throw new LimitError({ code: 'STREAM_CAPACITY_REACHED', message: `this instance serves at most ${settings.maxStreams} streams; reconnect later with Last-Event-ID`, details: { limit: settings.maxStreams } });
      }
      if ((perClient.get(client) ?? 0) >= settings.maxStreamsPerClient) {
        reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        throw new LimitError({ code: 'RATE_LIMITED', message: `a client may hold at most ${settings.maxStreamsPerClient} streams at once`, details: { limit: 'streams per client', max: settings.maxStreamsPerClient } });
      }
      const stream = new PassThrough({ highWaterMark: STREAM_HIGH_WATER_MARK });
      open.add(stream);
      perClient.set(client, (perClient.get(client) ?? 0) + 1);
      const timers: NodeJS.Timeout[] = [];
      let subscription: { close(): void; resume(): void } | undefined;
      stream.once('close', () => {
        for (const timer of timers) clearTimeout(timer);
        subscription?.close();
        open.delete(stream);
        const left = (perClient.get(client) ?? 1) - 1;
        if (left > 0) perClient.set(client, left);
        else perClient.delete(client);
      });
      // The first bytes go out at once, so the client sees the stream open before any event.
      stream.write(`retry: ${STREAM_DEFAULTS.retryMs}\n: archon72 event stream\n\n`);
      try {
        subscription = await settings.feed.subscribe({
          after: lastEventId === undefined ? undefined : Number(lastEventId),
          filter,
          sink: {
            send: (event) => stream.write(toSseMessage(event)),
            end: (err) => {
              if (err !== undefined) request.log.warn({ err }, 'event stream: replay failed; closing the stream');
              stream.end();
            },
          },
        });
      } catch (err) {
        // Nothing was sent yet: the error answers in the usual shape (STORE_UNAVAILABLE when the head cannot be read).
        stream.destroy();
        throw err;
      }
      // The server began closing while this stream subscribed: it ends with the others.
      if (stream.writableEnded) subscription.close();
      stream.on('drain', () => subscription?.resume());
      timers.push(setInterval(() => stream.write(': keepalive\n\n'), settings.keepaliveMs));
      timers.push(setTimeout(() => stream.end(), settings.maxDurationMs));
      reply.headers(SSE_HEADERS);
      return reply.send(stream);
    },
  });
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
