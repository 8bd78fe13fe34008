import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { Registry, type Histogram } from 'prom-client';
import { buildApp } from '../../src/api/app.js';
import { httpStatus } from '../../src/api/errors.js';
import { createLogger } from '../../src/api/logger.js';
import { HTTP_DURATION_METRIC, UNMATCHED_ROUTE } from '../../src/api/plugins/http-metrics.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { EventQuery } from '../../src/app/ports.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A stream that keeps what is written to it, line by line. */
function collectLines(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line !== ''));
      done();
    },
  });
  return { stream, lines };
}

/** The error body every failure answers with; returns its `error` member. */
function expectErrorShape(res: LightMyRequestResponse, code: string) {
  expect(res.statusCode, res.body).toBe(httpStatus[code as keyof typeof httpStatus]);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code, message: expect.any(String), requestId: res.headers['x-request-id'] });
  return body.error as { code: string; message: string; details?: Record<string, unknown>; requestId: string };
}

/** Request ids, the error shape, OpenAPI and HTTP metrics: what every route gets from buildApp. */
describe('the HTTP surface', () => {
  let stack: TestStack;
  let app: FastifyInstance;
  let registry: Registry;
  const log = collectLines();
  const routes: Array<{ method: string; url: string; hidden: boolean }> = [];
  /** An EventQuery whose reads fail with a plain Error: a fault the service did not foresee. */
  let failing = false;

  beforeAll(async () => {
    stack = await createTestStack();
    registry = new Registry();
    const query = createPgEventQuery(stack.client);
    const observed: EventQuery = {
      ...query,
      eventBySequence: async (sequence) => {
        if (failing) throw new Error('connection pool exploded (test)');
        return query.eventBySequence(sequence);
      },
    };
    app = buildApp(
      { appender: stack.appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined, metrics: registry, observer: { query: observed } },
      { logger: createLogger({ level: 'info', pretty: false, destination: log.stream }) },
    );
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url, hidden: route.schema?.hide === true });
    });
    await app.ready();
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  const inject = (options: InjectOptions) => app.inject(options);

  describe('X-Request-ID', () => {
    it('echoes a caller’s sane request id on success and in error bodies', async () => {
      const ok = await inject({ url: '/v1/health', headers: { 'x-request-id': 'trace-42.a:b_c' } });
      expect(ok.headers['x-request-id']).toBe('trace-42.a:b_c');
      const missing = await inject({ url: '/no/such/route', headers: { 'x-request-id': 'trace-43' } });
      expect(expectErrorShape(missing, 'ROUTE_NOT_FOUND').requestId).toBe('trace-43');
    });

    it.each([['has space'], ['x'.repeat(129)], ['quote"d'], ['ünï'], ['a,b'], ['']])('replaces %j with a fresh UUID', async (given) => {
      const res = await inject({ url: '/v1/health', headers: { 'x-request-id': given } });
      expect(res.headers['x-request-id']).toMatch(UUID);
    });

    it('gives each request without one its own UUID, also on errors answered before routing', async () => {
      const a = await inject({ url: '/v1/health' });
      const b = await inject({ url: '/v1/observer/events/%E0%A4%A' });
      expect(a.headers['x-request-id']).toMatch(UUID);
      expect(expectErrorShape(b, 'INPUT_URL_INVALID').requestId).toMatch(UUID);
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });

    it('is the reqId of every log line of the request', async () => {
      await inject({ url: '/v1/observer/events?limit=2', headers: { 'x-request-id': 'log-line-check' } });
      const mine = log.lines.map((line) => JSON.parse(line) as { reqId?: string; msg: string }).filter((entry) => entry.reqId === 'log-line-check');
      expect(mine.map((entry) => entry.msg)).toEqual(['incoming request', 'request completed']);
    });
  });

  describe('the error shape', () => {
    const post = (url: string, payload: string | Buffer, contentType = 'application/json') => inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

    it('404 ROUTE_NOT_FOUND for a path no route answers', async () => {
      expectErrorShape(await inject({ url: `/v1/${randomUUID()}` }), 'ROUTE_NOT_FOUND');
    });

    it('405 ROUTE_METHOD_NOT_ALLOWED with Allow for a method the path does not answer', async () => {
      const res = await inject({ method: 'DELETE', url: '/v1/observer/events/sequence/1' });
      expect(expectErrorShape(res, 'ROUTE_METHOD_NOT_ALLOWED').details).toEqual({ allow: ['GET', 'HEAD'] });
      expect(res.headers.allow).toBe('GET, HEAD');
      expect((await inject({ method: 'GET', url: '/v1/events' })).headers.allow).toBe('POST');
    });

    it('415 INPUT_UNSUPPORTED_MEDIA_TYPE for a body that is not JSON', async () => {
      expectErrorShape(await post('/v1/events', 'event_id=1', 'application/x-www-form-urlencoded'), 'INPUT_UNSUPPORTED_MEDIA_TYPE');
      expectErrorShape(await post('/v1/events', '{}', 'text/plain'), 'INPUT_UNSUPPORTED_MEDIA_TYPE');
    });

    it('413 INPUT_PAYLOAD_TOO_LARGE for a body over the limit', async () => {
      expectErrorShape(await post('/v1/events', JSON.stringify({ x: 'y'.repeat(300_000) })), 'INPUT_PAYLOAD_TOO_LARGE');
    });

    it('400 INPUT_INVALID_JSON for malformed or empty JSON', async () => {
      expectErrorShape(await post('/v1/events', '{"event_id": '), 'INPUT_INVALID_JSON');
      expectErrorShape(await post('/v1/events', ''), 'INPUT_INVALID_JSON');
    });

    it('400 INPUT_FIELD_INVALID naming the member and where it is', async () => {
      const missing = expectErrorShape(await post('/v1/events', '{}'), 'INPUT_FIELD_INVALID');
      expect(missing.details).toEqual({ location: 'body', field: 'event_id', rule: 'required' });
      const unknown = expectErrorShape(await inject({ url: '/v1/observer/events?colour=blue' }), 'INPUT_FIELD_INVALID');
      expect(unknown.details).toEqual({ location: 'querystring', field: 'colour', rule: 'additionalProperties' });
      expect(unknown.message).toContain("'colour'");
      const param = expectErrorShape(await inject({ url: '/v1/observer/events/sequence/zero' }), 'INPUT_FIELD_INVALID');
      expect(param.details).toEqual({ location: 'params', field: 'sequence', rule: 'pattern' });
    });

    it('400 INPUT_URL_INVALID for a path that does not decode or an over-long parameter', async () => {
      expectErrorShape(await inject({ url: '/v1/observer/events/%ED%A0%80' }), 'INPUT_URL_INVALID');
      expectErrorShape(await inject({ url: `/v1/observer/events/${'a'.repeat(500)}` }), 'INPUT_URL_INVALID');
    });

    it('400 INPUT_REQUEST_MALFORMED for a body shorter than its Content-Length', async () => {
      const res = await inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', 'content-length': '10' }, payload: '{}' });
      expectErrorShape(res, 'INPUT_REQUEST_MALFORMED');
    });

    it('400 INPUT_REQUEST_MALFORMED, with a request id, for a request Node’s HTTP parser refuses', async () => {
      const server = buildApp({ appender: undefined as never, hsmMode: 'DEVELOPMENT', pingDatabase: async () => undefined }, { logLevel: 'silent' });
      await server.listen({ host: '127.0.0.1', port: 0 });
      try {
        const port = (server.server.address() as { port: number }).port;
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => socket.write('GET /v1/he\u0000alth HTTP/1.1\r\nHost: x\r\n\r\n'));
          let text = '';
          socket.on('data', (chunk) => (text += chunk.toString()));
          socket.on('close', () => resolve(text));
          socket.on('error', reject);
        });
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        expect(head).toMatch(/^HTTP\/1\.1 400 /);
        const requestId = /x-request-id: (\S+)/i.exec(head)?.[1];
        expect(requestId).toMatch(UUID);
        expect(JSON.parse(body)).toEqual({ error: { code: 'INPUT_REQUEST_MALFORMED', message: 'the HTTP request could not be parsed', requestId } });
      } finally {
        await server.close();
      }
    });

    it('500 INTERNAL with "Internal error" and no details for an unforeseen fault, logged in full under the request id', async () => {
      failing = true;
      try {
        const error = expectErrorShape(await inject({ url: '/v1/observer/events/sequence/1', headers: { 'x-request-id': 'fault-1' } }), 'INTERNAL');
        expect(error).toEqual({ code: 'INTERNAL', message: 'Internal error', requestId: 'fault-1' });
      } finally {
        failing = false;
      }
      const logged = log.lines.map((line) => JSON.parse(line) as { reqId?: string; level: number; err?: { message: string } }).find((e) => e.reqId === 'fault-1' && e.level === 50);
      expect(logged?.err?.message).toBe('connection pool exploded (test)');
    });
  });

  describe('OpenAPI', () => {
    it('GET /openapi.json documents every route that is not hidden, with parameters from the schemas', async () => {
      const res = await inject({ url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      const spec = res.json<{ openapi: string; paths: Record<string, Record<string, { tags?: string[]; parameters?: Array<{ name: string; in: string }> }>> }>();
      expect(spec.openapi).toBe('3.1.0');
      const documented = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      const expected = routes.filter((r) => !r.hidden && r.method !== 'HEAD').map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
      expect(new Set(documented)).toEqual(new Set(expected));
      const list = spec.paths['/v1/observer/events']?.get;
      expect(list?.tags).toEqual(['observer']);
      expect(list?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['query:after_sequence', 'query:limit', 'query:event_type', 'query:agent_id', 'query:from', 'query:to', 'query:session_id']);
    });

    it('serves the interactive docs at /docs from local assets only', async () => {
      const page = await inject({ url: '/docs' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
      expect(assets.length).toBeGreaterThan(3);
      for (const asset of assets) {
        expect(asset, 'no CDN').toMatch(/^\/docs\//);
        expect((await inject({ url: asset })).statusCode, asset).toBe(200);
      }
    });
  });

  describe('archon72_http_request_duration_seconds', () => {
    const routeLabels = async () => {
      const metric = registry.getSingleMetric(HTTP_DURATION_METRIC) as Histogram | undefined;
      const values = (await metric?.get())?.values ?? [];
      return new Set(values.map((v) => v.labels.route));
    };

    it('labels requests with the route template, never the raw URL', async () => {
      await inject({ url: `/v1/observer/events/${randomUUID()}` });
      const labels = await routeLabels();
      expect(labels).toContain('/v1/observer/events/:event_id');
      const exposition = await registry.metrics();
      expect(exposition).toMatch(/archon72_http_request_duration_seconds_count\{method="GET",route="\/v1\/observer\/events\/:event_id",status_code="404"\} \d+/);
    });

    it('adds no label value for requests to random unknown paths', async () => {
      await inject({ url: '/warm/up' });
      const before = await routeLabels();
      expect(before).toContain(UNMATCHED_ROUTE);
      const paths = Array.from({ length: 25 }, () => `/${randomUUID()}/${randomUUID()}?q=${randomUUID()}`);
      for (const url of paths) await inject({ method: 'GET', url });
      for (const url of paths) await inject({ method: 'PATCH', url: `/v1/events${url}` });
      expect(await routeLabels()).toEqual(before);
      const exposition = await registry.metrics();
      for (const url of paths) expect(exposition).not.toContain(url.slice(1, 37));
    });
  });
});

describe('createLogger', () => {
  it('writes one JSON object per line by default', () => {
    const out = collectLines();
    createLogger({ level: 'info', pretty: false, destination: out.stream }).info({ sequence: 7 }, 'event stored');
    expect(JSON.parse(out.lines[0] as string)).toMatchObject({ level: 30, msg: 'event stored', sequence: 7 });
  });

  it('writes human-readable lines when pretty', () => {
    const out = collectLines();
    const logger = createLogger({ level: 'info', pretty: true, destination: out.stream });
    logger.info({ sequence: 7 }, 'event stored');
    logger.debug('below the level');
    const text = out.lines.join('\n');
    expect(text).toMatch(/INFO.*event stored/);
    expect(text).toContain('sequence: 7');
    expect(text).not.toContain('below the level');
    expect(() => JSON.parse(out.lines[0] as string)).toThrow();
  });

  it('redacts an authorization header if one is ever logged', () => {
    const out = collectLines();
    createLogger({ level: 'info', pretty: false, destination: out.stream }).info({ req: { headers: { authorization: 'Bearer secret-token' } } }, 'request');
    expect(out.lines[0]).not.toContain('secret-token');
  });
});
