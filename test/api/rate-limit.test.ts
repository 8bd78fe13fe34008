import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { AddressInfo } from 'node:net';
import { buildApp, type AppOptions } from '../../src/api/app.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { createPromMetrics } from '../../src/adapters/metrics/prom-metrics.js';
import { EXPENSIVE_ROUTE_DIVISOR } from '../../src/api/plugins/rate-limit.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import type { FastifyInstance, InjectOptions } from 'fastify';

const LIMIT = 5;

/** Rate limiting of /v1/observer/* (runbook FR48): one budget per client address, identical for every client. */
describe('rate limiting', () => {
  let stack: TestStack;
  const apps: FastifyInstance[] = [];

  const build = async (options: Partial<AppOptions> = {}) => {
    const query = createPgEventQuery(stack.client);
    const app = buildApp(
      {
        appender: stack.appender,
        hsmMode: stack.custody.mode,
        pingDatabase: async () => undefined,
        metrics: createPromMetrics().registry,
        observer: { query, chain: { ...stack, verify: (await import('../../src/adapters/crypto/sodium-ed25519.js')).verifyEd25519Sodium, allowDevelopmentKeys: true } },
      },
      { logLevel: 'silent', rateLimit: { max: LIMIT }, ...options },
    );
    apps.push(app);
    await app.ready();
    return app;
  };
  /** Sends `n` requests; returns their statuses. */
  const burst = async (app: FastifyInstance, n: number, request: InjectOptions) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await app.inject(request)).statusCode);
    return statuses;
  };
  const ok = (n: number) => Array.from({ length: n }, () => 200);

  beforeAll(async () => {
    stack = await createTestStack();
    await stack.appender.append(await stack.submission());
  }, 60_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
    await stack.close();
  });

  it(`allows ${LIMIT} requests a minute from one address, then answers 429 RATE_LIMITED with Retry-After in the error shape`, async () => {
    const app = await build();
    const request = { url: '/v1/observer/events', remoteAddress: '203.0.113.1' };
    expect(await burst(app, LIMIT, request)).toEqual(ok(LIMIT));
    const res = await app.inject(request);
    expect(res.statusCode).toBe(429);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers['x-ratelimit-limit']).toBe(String(LIMIT));
    expect(res.headers['x-request-id']).toBeDefined();
    expect(res.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String), details: expect.objectContaining({ max: LIMIT }), requestId: res.headers['x-request-id'] } });
  });

  it('counts one budget per client across every observer route, and another address has its own', async () => {
    const app = await build();
    const from = (remoteAddress: string, url: string) => ({ url, remoteAddress });
    const urls = ['/v1/observer/events', '/v1/observer/events/sequence/1', '/v1/observer/verification-spec', '/v1/observer/events?limit=1', '/v1/observer/events/sequence/1'];
    for (const url of urls) expect((await app.inject(from('203.0.113.2', url))).statusCode).toBe(200);
    expect((await app.inject(from('203.0.113.2', '/v1/observer/verification-spec'))).statusCode).toBe(429);
    expect(await burst(app, LIMIT, from('203.0.113.3', '/v1/observer/events'))).toEqual(ok(LIMIT));
  });

  it('never limits health, readiness, metrics or the API documents (probes and scrapes must not be refused)', async () => {
    const app = await build();
    for (const url of ['/v1/health', '/metrics', '/openapi.json']) {
      expect(await burst(app, LIMIT * 3, { url, remoteAddress: '203.0.113.4' }), url).toEqual(ok(LIMIT * 3));
    }
    const ready = await burst(app, LIMIT * 3, { url: '/v1/ready', remoteAddress: '203.0.113.4' });
    expect(ready.includes(429)).toBe(false);
  });

  it('gives expensive routes (verify-chain) their own, smaller budget', async () => {
    const app = await build({ rateLimit: { max: EXPENSIVE_ROUTE_DIVISOR * 2 } });
    const request = { url: '/v1/observer/verify-chain?start=1&end=1', remoteAddress: '203.0.113.5' };
    expect(await burst(app, 2, request)).toEqual(ok(2));
    expect((await app.inject(request)).statusCode).toBe(429);
    expect((await app.inject({ url: '/v1/observer/events', remoteAddress: '203.0.113.5' })).statusCode).toBe(200);
  });

  describe('without trusted proxies (the default)', () => {
    it('ignores X-Forwarded-For: a client varying it on every request is still one client', async () => {
      const app = await build();
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 3; i++) {
        statuses.push((await app.inject({ url: '/v1/observer/events', remoteAddress: '203.0.113.6', headers: { 'x-forwarded-for': `198.51.100.${i}` } })).statusCode);
      }
      expect(statuses).toEqual([...ok(LIMIT), 429, 429, 429]);
    });
  });

  describe('with TRUSTED_PROXIES', () => {
    const proxy = '10.0.0.7';

    it('keys a trusted proxy’s requests by the client it names in X-Forwarded-For', async () => {
      const app = await build({ trustProxy: ['10.0.0.0/24'] });
      const via = (client: string) => ({ url: '/v1/observer/events', remoteAddress: proxy, headers: { 'x-forwarded-for': client } });
      expect(await burst(app, LIMIT, via('198.51.100.10'))).toEqual(ok(LIMIT));
      expect((await app.inject(via('198.51.100.10'))).statusCode).toBe(429);
      // Another client behind the same proxy is not held back by the first one.
      expect(await burst(app, LIMIT, via('198.51.100.11'))).toEqual(ok(LIMIT));
    });

    it('takes the nearest untrusted address: a client cannot prepend addresses to the header to escape its budget', async () => {
      const app = await build({ trustProxy: ['10.0.0.0/24'] });
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 2; i++) {
        // The client sends "X-Forwarded-For: <spoof>"; the proxy appends the address it saw.
        statuses.push((await app.inject({ url: '/v1/observer/events', remoteAddress: proxy, headers: { 'x-forwarded-for': `192.0.2.${i}, 198.51.100.20` } })).statusCode);
      }
      expect(statuses).toEqual([...ok(LIMIT), 429, 429]);
    });

    it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      const app = await build({ trustProxy: ['10.0.0.0/24'] });
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 2; i++) {
        statuses.push((await app.inject({ url: '/v1/observer/events', remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': `198.51.100.${100 + i}` } })).statusCode);
      }
      expect(statuses).toEqual([...ok(LIMIT), 429, 429]);
    });

    it('does the same over a real socket (the peer is 127.0.0.1: spoofing fails untrusted, forwarding works trusted)', async () => {
      const untrusted = await build({ trustProxy: ['10.0.0.0/24'] });
      const trusted = await build({ trustProxy: ['127.0.0.1'] });
      for (const app of [untrusted, trusted]) await app.listen({ host: '127.0.0.1', port: 0 });
      const get = (app: FastifyInstance, client: string) =>
        fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/observer/events?limit=1`, { headers: { 'x-forwarded-for': client } }).then((r) => r.status);
      const spoofed: number[] = [];
      for (let i = 0; i < LIMIT + 1; i++) spoofed.push(await get(untrusted, `198.51.100.${i}`));
      expect(spoofed).toEqual([...ok(LIMIT), 429]);
      const forwarded: number[] = [];
      for (let i = 0; i < LIMIT + 1; i++) forwarded.push(await get(trusted, `198.51.100.${i}`));
      expect(forwarded).toEqual(ok(LIMIT + 1));
    });
  });
});
