import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import fc from 'fast-check';
import { buildApp } from '../../src/api/app.js';
import { httpStatus } from '../../src/api/errors.js';
import { createPromMetrics } from '../../src/adapters/metrics/prom-metrics.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { EventFeed } from '../../src/app/event-stream/event-feed.js';
import { MerkleProofs } from '../../src/app/merkle/merkle-proofs.js';
import { createPgMerkleStore } from '../../src/adapters/postgres/pg-merkle-store.js';
import { ensureAgentKey, LOG_SIGNER_ID } from '../../src/app/provision-keys.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { createPgConstitutionStore } from '../../src/adapters/postgres/pg-constitution.js';
import { createPgClockDriftLog } from '../../src/adapters/postgres/pg-clock-drift.js';
import { createPgCheckpointStore } from '../../src/adapters/postgres/pg-checkpoint-store.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { constitutionalHealth } from '../../src/app/constitutional-health.js';
import { loadRoster } from '../../src/adapters/conclave/roster-file.js';
import { createSessionLog } from '../../src/app/conclave/session-log.js';
import { ConclaveService } from '../../src/app/conclave/conclave-service.js';
import { CONCLAVE_LLM_DEFAULTS, createConclaveLlm } from '../../src/compose.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import { createTestHalt, type TestHalt } from '../support/test-halt.js';
import type { FastifyInstance, HTTPMethods, InjectOptions, RouteOptions } from 'fastify';

/** Requests thrown at each registered route (and at unknown paths). The total is printed once at the end. */
const RUNS_PER_ROUTE = 40;
/** Raw HTTP requests written to a real socket: what an inject() client normalises away (`..`, NUL, bad request lines). */
const RAW_RUNS = 60;
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

interface Target {
  method: string;
  url: string;
  /** Member names of the route's body and querystring schemas, so generated requests reach the validators. */
  bodyMembers: string[];
  queryMembers: string[];
}

/** Percent-encodes the UTF-8 bytes of `text` (lone surrogates become U+FFFD, as any client would send them). */
function encode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

// Strings that have broken parsers, routers and file servers before, already in URL form.
const NASTY_SEGMENTS = [
  '..', '%2e%2e', '..%2F..%2Fpackage.json', '%2F', 'a%2Fb', '%5C..%5C', '%00', '%ED%A0%80', '%C0%AF', '%E2%80%AE', '%EF%BF%BF',
  '%', '%zz', '%%32%65', '0', '-1', '1e3', '0x10', '9007199254740993', '1.5', ' ', '%20', '~', 'null', 'undefined', '__proto__',
  '00000000-0000-0000-0000-000000000000', 'ABCDEF01-2345-6789-ABCD-EF0123456789', 'x'.repeat(101), 'x'.repeat(5000),
];
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u202E\u202D', '\u0000', '\uD800', '\uDFFF', '\uFEFF', '\uFFFF', '\u{10FFFF}', 'é\u0301', '🜂Ω', '\r\n', '"\'<>`', '\\'),
);
const segment = fc.oneof(fc.constantFrom(...NASTY_SEGMENTS), oddText.map(encode), fc.uuid().map(String), fc.nat().map(String));
const queryValue = fc.oneof(segment, fc.integer().map(String), fc.constant(''));

function pathFor(url: string): fc.Arbitrary<string> {
  const parts = url.split('/').map((part) => (part.includes(':') || part.includes('*') ? fc.array(segment, { minLength: 1, maxLength: part.includes('*') ? 3 : 1 }).map((s) => s.join('/')) : fc.constant(part)));
  return fc.tuple(...parts).map((p) => p.join('/'));
}

function queryFor(target: Target): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom(...target.queryMembers, 'limit', 'after_sequence', '__proto__', 'constructor[prototype][x]', 'a[]', ''), oddText.map(encode));
  const pairs = fc.array(fc.tuple(key, queryValue), { maxLength: 6 }).map((kv) => kv.map(([k, v]) => `${k}=${v}`).join('&'));
  return fc.oneof(fc.constant(''), pairs.map((q) => `?${q}`), fc.constantFrom('?', '?&&&', '?=', '?a', `?q=${'y'.repeat(10_000)}`, '?%ZZ=1', '?limit=1;limit=2'));
}

const json = (value: unknown) => JSON.stringify(value) ?? 'null';
function bodyFor(target: Target): fc.Arbitrary<string | Buffer | undefined> {
  const member = fc.constantFrom(...target.bodyMembers, 'unknown_member', '__proto__');
  const wrongTypes = fc.dictionary(member, fc.jsonValue({ maxDepth: 3 })).map(json);
  const oddStrings = fc.dictionary(member, oddText).map(json);
  return fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('', '{', '{"a":', '[', 'nul', '{"a":1,}', "{'a':1}", '{"a":"\\ud800"}', '{"a":"\\u0000"}', '\uFEFF{}', '{"a":1}{"b":2}', '1e999999', '"\uD800"'),
    fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '['.repeat(20_000) + ']'.repeat(20_000)),
    fc.jsonValue({ maxDepth: 4 }).map(json),
    wrongTypes,
    oddStrings,
    fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    fc.constant(json({ payload: { big: 'x'.repeat(300_000) } })),
  );
}

const contentType = fc.constantFrom(
  undefined, 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;;',
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/vnd.api+json', '*/*', '',
);
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 140 });

function requestFor(target: Target): fc.Arbitrary<InjectOptions & { headers: Record<string, string> }> {
  return fc
    .record({
      method: fc.oneof({ weight: 4, arbitrary: fc.constant(target.method as HTTPMethods) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      path: pathFor(target.url),
      query: queryFor(target),
      body: bodyFor(target),
      contentType,
      requestId: fc.option(fc.oneof(fc.stringMatching(SANE_ID), printable), { nil: undefined }),
      authorization: fc.option(printable.map((t) => `Bearer ${t}`), { nil: undefined }),
    })
    .map((r) => {
      const headers: Record<string, string> = {};
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
      if (r.authorization !== undefined) headers.authorization = r.authorization;
      return { method: r.method, url: `${r.path}${r.query}`, headers, ...(r.body === undefined ? {} : { payload: r.body }) };
    });
}

/** What every answer must satisfy, whatever was sent. Throws (an expect) otherwise. */
function checkAnswer(status: number, headers: Record<string, unknown>, body: string, sent: { method: string; requestId: string | undefined; route?: string }) {
  const requestId = headers['x-request-id'];
  expect(typeof requestId === 'string' && requestId.length > 0, 'X-Request-ID present').toBe(true);
  if (sent.requestId !== undefined && SANE_ID.test(sent.requestId)) expect(requestId).toBe(sent.requestId);
  // /v1/ready answers 503 with its own body by design; every other 5xx must be a deliberate 503 in the error shape.
  if (sent.route === '/v1/ready' && status === 503) return;
  expect(status < 500 || status === 503, `status ${status}: ${body.slice(0, 300)}`).toBe(true);
  if (status < 400 || sent.method === 'HEAD') return;
  const parsed = JSON.parse(body) as { error?: Record<string, unknown> };
  expect(Object.keys(parsed)).toEqual(['error']);
  const error = parsed.error ?? {};
  expect(typeof error.code).toBe('string');
  expect(error.code as string, 'a code of our vocabulary').toBeOneOf(Object.keys(httpStatus));
  expect(httpStatus[error.code as keyof typeof httpStatus]).toBe(status);
  expect(typeof error.message).toBe('string');
  expect(error.requestId).toBe(requestId);
}

/** Sends `request` as raw bytes on a new connection; resolves with the parsed answer. */
function sendRaw(port: number, request: Buffer): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

describe('every route, fuzzed', () => {
  let stack: TestStack;
  let halt: TestHalt;
  let app: FastifyInstance;
  let feed: EventFeed;
  let conclave: ConclaveService;
  const targets: Target[] = [];
  let cases = 0;
  /** Answers by status, printed with the total: shows the fuzzing reached handlers (2xx) and not only the validators. */
  const statuses = new Map<number | string, number>();
  const tally = (status: number) => statuses.set(Number.isNaN(status) ? 'closed' : status, (statuses.get(Number.isNaN(status) ? 'closed' : status) ?? 0) + 1);

  beforeAll(async () => {
    stack = await createTestStack();
    await ensureAgentKey(LOG_SIGNER_ID, stack, systemClock.now());
    feed = new EventFeed({ query: createPgEventQuery(stack.client), head: async () => (await stack.store.head())?.sequence ?? 0, onError: () => undefined });
    const metrics = createPromMetrics();
    halt = await createTestHalt(stack, { forwardMetrics: metrics.halt });
    const adminTokenSha256 = createHash('sha256').update(randomUUID()).digest();
    conclave = new ConclaveService({
      conclave: {
        roster: loadRoster(),
        llm: createConclaveLlm({ provider: 'simulated', ...CONCLAVE_LLM_DEFAULTS }, {}),
        log: createSessionLog({ appender: halt.appender, query: createPgEventQuery(stack.client), clock: systemClock, registry: stack.registry, custody: stack.custody, keys: stack.keys }),
        halt: { writable: () => halt.guard.current().kind === 'operational' },
      },
      provider: 'simulated',
      gate: halt.guard,
      log: () => undefined,
    });
    // The services src/main.ts gives buildApp, on the test stack.
    app = buildApp(
      {
        appender: halt.appender,
        hsmMode: stack.custody.mode,
        pingDatabase: async () => void (await stack.client.query('SELECT 1')),
        halt: { service: halt.service, guard: halt.guard, state: halt.state, adminTokenSha256, channel: halt.channel, requireChannel: false },
        metrics: metrics.registry,
        version: '0.0.0-fuzz',
        conclave: { service: conclave, adminTokenSha256 },
        governance: {
          verification: 'passed',
          constitutional: () =>
            constitutionalHealth({
              ...stack,
              haltState: halt.state,
              constitution: createPgConstitutionStore(stack.client),
              clockDrift: createPgClockDriftLog(stack.client),
              checkpoints: createPgCheckpointStore(stack.client),
              clock: systemClock,
              operational: { haltPollMs: 500, checkpointIntervalSeconds: 60 },
              verification: { outcome: 'passed', completedAt: systemClock.now(), checks: [] },
            }),
        },
        observer: {
          query: createPgEventQuery(stack.client),
          // A short stream lifetime: inject() waits for a response to end.
          stream: { feed, maxDurationMs: 30, maxStreamsPerClient: 1000 },
          chain: { store: stack.store, registry: stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: true },
          keys: { registry: stack.registry, clock: systemClock },
          export: { store: stack.store, keys: stack.keys, custody: stack.custody, checkpoints: createPgCheckpointStore(stack.client), clock: systemClock },
        },
        proofs: { checkpoints: createPgCheckpointStore(stack.client), proofs: new MerkleProofs({ merkle: createPgMerkleStore(stack.client), checkpoints: createPgCheckpointStore(stack.client) }) },
      },
      { logLevel: 'silent' },
    );
    // Every route, including those added after this test was written.
    app.addHook('onRoute', (route: RouteOptions) => {
      const members = (part: unknown) => Object.keys((part as { properties?: object } | undefined)?.properties ?? {});
      for (const method of [route.method].flat()) targets.push({ method, url: route.url, bodyMembers: members(route.schema?.body), queryMembers: members(route.schema?.querystring) });
    });
    await app.ready();
    targets.push({ method: 'GET', url: '/*', bodyMembers: [], queryMembers: [] });
    // Stored events with odd unicode, so reads answer 200 with real bodies too.
    for (const text of ['\u202Eevil\u202C', 'Ωmega 🜂', 'e\u0301', '\u{10FFFF}']) await halt.appender.append(await stack.submission({ payload: { text } }));
  }, 60_000);
  afterAll(async () => {
    const byStatus = [...statuses].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([status, n]) => `${status}: ${n}`);
    console.info(`fuzz-routes: ${cases} requests in all (${RUNS_PER_ROUTE} per route × ${targets.length} routes, ${RAW_RUNS} raw); answers ${byStatus.join(', ')}`);
    await app.close();
    await conclave.close();
    feed.close();
    await halt.stop();
    await stack.close();
  });

  it('finds the routes', () => {
    expect(targets.map((t) => `${t.method} ${t.url}`)).toEqual(
      expect.arrayContaining(['POST /v1/events', 'GET /v1/observer/events/:event_id', 'GET /docs/static/*', 'POST /v1/conclave/sessions', 'GET /v1/conclave/sessions/:session_id/transcript']),
    );
  });

  it('answers every request to every route without a 5xx other than 503, in the error shape, with X-Request-ID', async () => {
    for (const target of targets) {
      await fc.assert(
        fc.asyncProperty(requestFor(target), async (request) => {
          cases++;
          const res = await app.inject(request);
          tally(res.statusCode);
          checkAnswer(res.statusCode, res.headers, res.body, { method: String(request.method), requestId: request.headers['x-request-id'], route: target.url });
        }),
        { numRuns: RUNS_PER_ROUTE, interruptAfterTimeLimit: 60_000 },
      );
    }
    // Still serving afterwards.
    expect((await app.inject({ url: '/v1/health' })).statusCode).toBe(200);
  }, 300_000);

  it('answers raw requests on a real socket the same way (traversal, NUL, broken request lines)', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const fixed = ['/docs/static/../../package.json', '/docs/static/..%2f..%2fpackage.json', '/docs/static/%2e%2e/%2e%2e/package.json', '/v1/observer/events/../../../etc/passwd', '/v1/health\0', '*', 'http://evil.example/v1/health'];
    const line = fc.oneof(
      fc.constantFrom(...fixed).map((path) => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)),
      fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.concat([Buffer.from('GET /'), Buffer.from(bytes), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')])),
      fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.concat([Buffer.from(bytes), Buffer.from('\r\n\r\n')])),
    );
    await fc.assert(
      fc.asyncProperty(line, async (request) => {
        cases++;
        const res = await sendRaw(port, request);
        tally(res.status);
        if (Number.isNaN(res.status)) return; // the server closed without answering: allowed for bytes that are not HTTP at all
        checkAnswer(res.status, res.headers, res.body, { method: request.toString('latin1').split(' ')[0] ?? '', requestId: undefined });
        if (res.status === 200) expect(res.body).not.toContain('"name": "archon72"');
      }),
      { numRuns: RAW_RUNS },
    );
  }, 120_000);
});
