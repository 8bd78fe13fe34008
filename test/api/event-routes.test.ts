import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { toSubmissionJson } from '../../src/domain/chain/event-json.js';
import { buildApp } from '../../src/api/app.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import type { FastifyInstance } from 'fastify';

describe('POST /v1/events', () => {
  let stack: TestStack;
  let app: FastifyInstance;

  beforeAll(async () => {
    stack = await createTestStack();
    app = buildApp({ appender: stack.appender, hsmMode: stack.custody.mode, pingDatabase: async () => void (await stack.client.query('SELECT 1')) }, { logLevel: 'silent' });
  });
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  const post = (body: unknown, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': contentType }, payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) });

  describe('with an event its agent signed', () => {
    it('answers 201 with the stored, witnessed event', async () => {
      const submission = await stack.submission({ payload: { motion: 'ratify', unicode: 'Ωmega 🜂' } });
      const res = await post(toSubmissionJson(submission));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ sequence: 1, event_id: submission.eventId, payload: { motion: 'ratify', unicode: 'Ωmega 🜂' } });
    });

    it('answers 409 STORE_CONFLICT when the same event is submitted again', async () => {
      const submission = await stack.submission();
      expect((await post(toSubmissionJson(submission))).statusCode).toBe(201);
      const res = await post(toSubmissionJson(submission));
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('STORE_CONFLICT');
    });
  });

  describe('with a bad submission', () => {
    it('answers 422 SIG_INVALID for a payload changed after signing', async () => {
      const wire = toSubmissionJson(await stack.submission());
      const res = await post({ ...wire, payload: { n: 999 } });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'SIG_INVALID' });
    });

    it('answers 422 SIG_KEY_UNKNOWN for a key nobody registered', async () => {
      const res = await post({ ...toSubmissionJson(await stack.submission()), signing_key_id: 'dev-ffffffffffffffff' });
      expect(res.json().error.code).toBe('SIG_KEY_UNKNOWN');
    });

    it('answers 400 INPUT_INVALID_JSON for bytes that are not UTF-8, instead of replacing them', async () => {
      const wire = JSON.stringify(toSubmissionJson(await stack.submission({ payload: { name: 'PLACEHOLDER' } })));
      const [before, after] = wire.split('PLACEHOLDER') as [string, string];
      const res = await post(Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28]), Buffer.from(after)]));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('INPUT_INVALID_JSON');
    });

    it('answers 400 naming the field for a missing or malformed field', async () => {
      const wire = toSubmissionJson(await stack.submission());
      const missing = await post({ ...wire, signature: undefined });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.message).toMatch(/signature/);
      const badTime = await post({ ...wire, local_timestamp: '2026-01-09T12:00:00Z' });
      expect(badTime.json().error).toMatchObject({ code: 'INPUT_FIELD_INVALID', message: expect.stringMatching(/^local_timestamp must be/) });
    });

    it('answers 400 for a member the protocol does not define, instead of dropping it', async () => {
      const res = await post({ ...toSubmissionJson(await stack.submission()), sequence: 1 });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('INPUT_FIELD_INVALID');
    });

    it('answers 400 for a member of the wrong type, instead of converting it', async () => {
      const res = await post({ ...toSubmissionJson(await stack.submission()), agent_id: 12345 });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('INPUT_FIELD_INVALID');
    });

    it('answers 413 for a body over the limit', async () => {
      const res = await post({ ...toSubmissionJson(await stack.submission()), payload: { x: 'y'.repeat(300_000) } });
      expect(res.statusCode).toBe(413);
    });

    it('stored none of them', async () => {
      expect((await stack.store.head())?.sequence).toBe(2);
    });
  });
});

describe('health endpoints', () => {
  it('GET /v1/health answers 200 with uptime and HSM mode; /v1/ready answers 503 naming the database when it is down', async () => {
    let up = true;
    const app = buildApp(
      {
        appender: undefined as never,
        hsmMode: 'DEVELOPMENT',
        pingDatabase: async () => {
          if (!up) throw new Error('connection refused');
        },
      },
      { logLevel: 'silent', now: () => 1_000_000 },
    );
    const health = await app.inject({ url: '/v1/health' });
    expect(health.json()).toEqual({ status: 'ok', uptime_seconds: 0, hsm_mode: 'DEVELOPMENT' });
    expect((await app.inject({ url: '/v1/ready' })).json()).toEqual({ status: 'ready', database: 'connected' });
    up = false;
    const ready = await app.inject({ url: '/v1/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'not_ready', database: 'unreachable' });
    await app.close();
  });
});
