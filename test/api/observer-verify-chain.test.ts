import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { MAX_VERIFY_RANGE } from '../../src/api/schemas/observer-integrity.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import type { FastifyInstance } from 'fastify';

interface Report {
  start: number;
  end: number;
  from: number;
  to: number;
  verified: number;
  valid: boolean;
  fault: { sequence: number; code: string; message: string } | null;
}

/** GET /v1/observer/verify-chain: server-side recomputation over a bounded range (PROTOCOL.md §7.2). */
describe('GET /v1/observer/verify-chain', () => {
  let stack: TestStack;
  let app: FastifyInstance;
  const COUNT = 30;
  const get = (url: string) => app.inject({ method: 'GET', url });
  const report = async (query: string): Promise<Report> => {
    const res = await get(`/v1/observer/verify-chain${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Report>();
  };

  beforeAll(async () => {
    stack = await createTestStack();
    app = buildApp(
      {
        appender: stack.appender,
        hsmMode: stack.custody.mode,
        pingDatabase: async () => undefined,
        observer: { query: createPgEventQuery(stack.client), chain: { store: stack.store, registry: stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: true } },
      },
      { logLevel: 'silent' },
    );
    for (let n = 0; n < COUNT; n++) await stack.appender.append(await stack.submission({ payload: { n } }));
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  it('verifies the log from 1 by default and reports the count', async () => {
    expect(await report('')).toEqual({ start: 1, end: MAX_VERIFY_RANGE, from: 1, to: COUNT, verified: COUNT, valid: true, fault: null });
  });

  it('verifies a partial range against the event before it', async () => {
    expect(await report('?start=10&end=20')).toMatchObject({ from: 10, to: 20, verified: 11, valid: true });
  });

  it('reports nothing verified for a range beyond the head', async () => {
    expect(await report(`?start=${COUNT + 1}&end=${COUNT + 5}`)).toMatchObject({ from: 0, to: 0, verified: 0, valid: true });
  });

  it.each([
    ['?start=5&end=4', 'end'],
    [`?start=1&end=${MAX_VERIFY_RANGE + 1}`, 'end'],
    ['?start=0', 'start'],
    ['?start=abc', 'start'],
    ['?from=1', 'from'],
  ])('%s answers 400 INPUT_FIELD_INVALID naming %s', async (query, field) => {
    const res = await get(`/v1/observer/verify-chain${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INPUT_FIELD_INVALID', details: { field } });
  });

  it(`accepts exactly ${MAX_VERIFY_RANGE} events`, async () => {
    expect(await report(`?start=5&end=${4 + MAX_VERIFY_RANGE}`)).toMatchObject({ verified: COUNT - 4, valid: true });
  });

  describe('when a stored row was changed with the triggers off', () => {
    beforeAll(async () => {
      // The table owner can switch the append-only triggers off (PROTOCOL.md §8.3): only recomputation sees it.
      await stack.client.query('ALTER TABLE events DISABLE TRIGGER USER');
      await stack.client.query(`UPDATE events SET payload = '{"n": 999}'::jsonb WHERE sequence = 17`);
      await stack.client.query('ALTER TABLE events ENABLE TRIGGER USER');
    });

    it('reports the first fault: its sequence and code, and how many verified before it', async () => {
      const result = await report('');
      expect(result).toMatchObject({ valid: false, verified: 16, fault: { sequence: 17, code: 'CHAIN_CONTENT_HASH_MISMATCH' } });
    });

    it('still verifies a range that ends before the tampered row', async () => {
      expect(await report('?start=1&end=16')).toMatchObject({ valid: true, verified: 16 });
    });
  });
});
