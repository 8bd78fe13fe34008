import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { toSubmissionJson } from '../../src/domain/chain/event-json.js';
import { toCanonicalTimestamp } from '../../src/domain/chain/timestamp.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { EventAppender, MAX_SUBMISSION_BATCH } from '../../src/app/event-appender.js';
import { buildApp } from '../../src/api/app.js';
import type { Clock } from '../../src/app/ports.js';
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

describe('POST /v1/events with a submission window', () => {
  let stack: TestStack;
  let app: FastifyInstance;
  /** The server's clock: real time plus whatever a test sets. */
  let skewMs = 0;
  const clock: Clock = { now: () => toCanonicalTimestamp(new Date(Date.now() + skewMs)) };

  beforeAll(async () => {
    stack = await createTestStack();
    const appender = new EventAppender({ store: stack.store, keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium, clock }, { submissionWindowMs: 300_000 });
    app = buildApp({ appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined }, { logLevel: 'silent' });
  });
  afterEach(() => {
    skewMs = 0;
  });
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  const post = (body: unknown) => app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  it.each([
    ['signed 301 s ago (a replayed capture)', -301_000],
    ['dated 301 s ahead', 301_000],
  ])('answers 422 INPUT_TIMESTAMP_OUTSIDE_WINDOW for a submission %s, naming both times', async (_name, offsetMs) => {
    const local = toCanonicalTimestamp(new Date(Date.now() + offsetMs));
    const res = await post(toSubmissionJson(await stack.submission({ localTimestamp: local })));
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'INPUT_TIMESTAMP_OUTSIDE_WINDOW', details: { localTimestamp: local, windowSeconds: 300, serverTime: expect.any(String) } });
    expect(res.json().error.message).toContain(local);
  });

  it('answers 409 STORE_CONFLICT to an identical body replayed within the window, and 422 once the window has passed', async () => {
    const body = toSubmissionJson(await stack.submission());
    expect((await post(body)).statusCode).toBe(201);
    const again = await post(body);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('STORE_CONFLICT');
    skewMs = 301_000;
    const late = await post(body);
    expect(late.statusCode).toBe(422);
    expect(late.json().error.code).toBe('INPUT_TIMESTAMP_OUTSIDE_WINDOW');
  });
});

describe('POST /v1/events/batch', () => {
  let stack: TestStack;
  let app: FastifyInstance;

  beforeAll(async () => {
    stack = await createTestStack();
    app = buildApp({ appender: stack.appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined }, { logLevel: 'silent' });
  });
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  const postBatch = (body: unknown) => app.inject({ method: 'POST', url: '/v1/events/batch', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const wire = async (n: number) => (await Promise.all(Array.from({ length: n }, (_, i) => stack.submission({ payload: { i } })))).map(toSubmissionJson);
  const head = async () => (await stack.store.head())?.sequence ?? 0;

  it('answers 201 with every stored event, in order, at consecutive sequences', async () => {
    const events = await wire(3);
    const res = await postBatch({ events });
    expect(res.statusCode).toBe(201);
    const stored = res.json().events as Array<{ sequence: number; event_id: string; witness_signature: string }>;
    expect(stored.map((e) => e.event_id)).toEqual(events.map((e) => e.event_id));
    expect(stored.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(stored.every((e) => e.witness_signature.length === 88)).toBe(true);
  });

  it('answers 422 SIG_INVALID naming the index of the event changed after signing, and stores none', async () => {
    const before = await head();
    const events = await wire(3);
    const res = await postBatch({ events: events.map((e, i) => (i === 1 ? { ...e, payload: { i: 42 } } : e)) });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'SIG_INVALID', details: { index: 1 }, message: expect.stringMatching(/^events\[1\]: /) });
    expect(await head()).toBe(before);
  });

  it('answers 409 STORE_CONFLICT naming the index of an event already stored, and stores none', async () => {
    const [stored] = await wire(1);
    expect((await postBatch({ events: [stored] })).statusCode).toBe(201);
    const before = await head();
    const res = await postBatch({ events: [...(await wire(2)), stored] });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'STORE_CONFLICT', details: { index: 2 } });
    expect(await head()).toBe(before);
  });

  it('answers 400 naming the index and field of a submission whose field breaks its rule', async () => {
    const events = await wire(3);
    const res = await postBatch({ events: events.map((e, i) => (i === 2 ? { ...e, local_timestamp: '2026-01-09T12:00:00Z' } : e)) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INPUT_FIELD_INVALID', details: { index: 2, field: 'local_timestamp' } });
  });

  describe('against its schema', () => {
    it.each([
      ['an empty batch', () => ({ events: [] }), { field: 'events' }, /^events must NOT have fewer than 1 items/],
      ['a batch over the limit', async () => ({ events: Array.from({ length: MAX_SUBMISSION_BATCH + 1 }, () => ({})) }), { field: 'events' }, /^events must NOT have more than 100 items/],
      ['no events member', () => ({}), { field: 'events' }, /^body must have required property 'events'/],
      ['a member beside events', async () => ({ events: await wire(1), sequence: 1 }), { field: 'sequence' }, /^body must NOT have additional properties/],
      ['a submission without its signature', async () => ({ events: (await wire(2)).map((e, i) => (i === 1 ? { ...e, signature: undefined } : e)) }), { field: 'signature', index: 1 }, /^events\[1\] must have required property 'signature'/],
      ['a submission with an unknown member', async () => ({ events: (await wire(2)).map((e) => ({ ...e, sequence: 7 })) }), { field: 'sequence', index: 0 }, /^events\[0\] must NOT have additional properties/],
      ['a member of the wrong type', async () => ({ events: (await wire(2)).map((e, i) => (i === 1 ? { ...e, agent_id: 12345 } : e)) }), { field: 'agent_id', index: 1 }, /^events\[1\]\.agent_id must be string/],
    ])('answers 400 INPUT_FIELD_INVALID for %s, naming where', async (_name, body, details, message) => {
      const before = await head();
      const res = await postBatch(await body());
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INPUT_FIELD_INVALID', details, message: expect.stringMatching(message) });
      expect(await head()).toBe(before);
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
    // Only the members this test is about: the health routes' own tests pin the whole bodies.
    expect(health.json()).toMatchObject({ status: 'ok', uptime_seconds: 0, hsm_mode: 'DEVELOPMENT' });
    expect((await app.inject({ url: '/v1/ready' })).json()).toMatchObject({ database: 'connected' });
    up = false;
    const ready = await app.inject({ url: '/v1/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not_ready', database: 'unreachable' });
    await app.close();
  });
});
