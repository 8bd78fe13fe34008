import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { buildApp } from '../../src/api/app.js';
import { toSubmissionJson } from '../../src/domain/chain/event-json.js';
import { createPromMetrics } from '../../src/adapters/metrics/prom-metrics.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import { createTestHalt, type TestHalt } from '../support/test-halt.js';
import type { FastifyInstance } from 'fastify';

const TOKEN = 'a-long-random-admin-token-for-tests';

/** The halt over HTTP (runbook §9.3): admin halt with a bearer token, 503 SYSTEM_HALTED on writes, headers on reads. */
describe('halt routes', () => {
  let stack: TestStack;
  let halt: TestHalt;
  let app: FastifyInstance;

  beforeAll(async () => {
    stack = await createTestStack();
    const metrics = createPromMetrics();
    halt = await createTestHalt(stack, { forwardMetrics: metrics.halt });
    app = buildApp(
      {
        appender: halt.appender,
        hsmMode: stack.custody.mode,
        pingDatabase: async () => void (await stack.client.query('SELECT 1')),
        halt: { service: halt.service, guard: halt.guard, state: halt.state, adminTokenSha256: createHash('sha256').update(TOKEN).digest(), channel: halt.channel, requireChannel: false },
        metrics: metrics.registry,
      },
      { logLevel: 'silent' },
    );
  });
  afterAll(async () => {
    await app.close();
    await halt.stop();
    await stack.close();
  });

  const adminHalt = (headers: Record<string, string>, payload: unknown) =>
    app.inject({ method: 'POST', url: '/v1/admin/halt', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });

  it('GET /v1/halt says operational, and no halted header is sent', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/halt' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ halted: false, instance: 'operational', reason: null });
    expect(res.headers['x-archon72-halted']).toBeUndefined();
  });

  it('refuses an admin halt without a token (401), with a wrong one (401), and without a reason (400)', async () => {
    let res = await adminHalt({}, { reason: 'x' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('HALT_UNAUTHORIZED');
    res = await adminHalt({ authorization: 'Bearer wrong-token' }, { reason: 'x' });
    expect(res.statusCode).toBe(401);
    // Unauthenticated, a bad body is still 401: the caller learns nothing about the body.
    res = await adminHalt({}, { nonsense: true });
    expect(res.statusCode).toBe(401);
    res = await adminHalt({ authorization: `Bearer ${TOKEN}` }, {});
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('HALT_REASON_REQUIRED');
    expect((await halt.state.read()).halted).toBe(false);
  });

  it('halts with the token; writes then answer 503 SYSTEM_HALTED with the reason, reads carry the halted headers', async () => {
    const res = await adminHalt({ authorization: `Bearer ${TOKEN}` }, { reason: 'Emergency maintenance' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ halted: true, reason: 'Emergency maintenance', source: 'api', halted_by: 'admin', instance: 'halted' });

    const submission = await stack.submission({ payload: { after: 'halt' } });
    const write = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(toSubmissionJson(submission)),
    });
    expect(write.statusCode).toBe(503);
    expect(write.json().error).toMatchObject({ code: 'SYSTEM_HALTED', message: 'the system is halted: Emergency maintenance' });

    const health = await app.inject({ method: 'GET', url: '/v1/health' });
    expect(health.statusCode).toBe(200);
    expect(health.headers['x-archon72-halted']).toBe('true');
    expect(health.headers['x-archon72-halted-since']).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^archon72_halted 1$/m);
    expect(metrics.body).toMatch(/^archon72_halts_total\{source="api"\} 1$/m);
    expect(metrics.body).toMatch(/^archon72_halt_propagation_seconds_count 1$/m);
  });

  it('refuses a malformed ceremony submission, naming the bad signature', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/halt/ceremony',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ statement: { type: 'halt.clear' }, signatures: [{ nope: 1 }] }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^signatures\[0\]: /);
  });
});
