import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/api/logger.js';
import { buildWitnessApp } from '../../src/api/witness-app.js';
import { TestLog } from '../support/tlog-fixture.js';
import { MemoryCosignerState, testCosigner } from '../app/cosigner/cosigner-fixture.js';
import type { FastifyInstance } from 'fastify';

const ORIGIN = 'log.test/archon72';
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function witnessApp(logs: TestLog[], state = new MemoryCosignerState()) {
  const { cosigner } = testCosigner(logs, { state });
  const app = buildWitnessApp(cosigner, createLogger({ level: 'silent', pretty: false }));
  apps.push(app);
  const post = (payload: string | Buffer, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/add-checkpoint', payload, headers });
  return { app, post, state };
}

describe('archon72 witness serve: POST /add-checkpoint (C2SP tlog-witness)', () => {
  it('answers 200 text/plain with one cosignature line', async () => {
    const log = new TestLog(ORIGIN, 1);
    const { post } = witnessApp([log]);
    const res = await post(log.request(0, 5));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^\u2014 witness-a\.test\/w1 \S+\n$/);
  });

  it('accepts any media type, or none', async () => {
    const log = new TestLog(ORIGIN, 1);
    const { post } = witnessApp([log]);
    expect((await post(log.request(0, 5), { 'content-type': 'application/octet-stream' })).statusCode).toBe(200);
    expect((await post(log.request(5, 6), { 'content-type': 'application/json' })).statusCode).toBe(200);
  });

  it('answers 409 text/x.tlog.size with the cosigned size for a stale old size', async () => {
    const log = new TestLog(ORIGIN, 1);
    const { post } = witnessApp([log]);
    await post(log.request(0, 5));
    const res = await post(log.request(0, 9));
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toBe('text/x.tlog.size');
    expect(res.body).toBe('5\n');
  });

  it.each([
    ['404 COSIGNER_LOG_UNKNOWN for an unknown origin', () => new TestLog('other.test/log', 1).request(0, 5), 404, 'COSIGNER_LOG_UNKNOWN'],
    ['403 COSIGNER_LOG_SIGNATURE_INVALID for another key', () => new TestLog(ORIGIN, 2).request(0, 5), 403, 'COSIGNER_LOG_SIGNATURE_INVALID'],
    ['400 INPUT_ADD_CHECKPOINT_MALFORMED for an old size above the size', () => new TestLog(ORIGIN, 1).request(9, 5, []), 400, 'INPUT_ADD_CHECKPOINT_MALFORMED'],
    ['400 INPUT_ADD_CHECKPOINT_MALFORMED for an empty body', () => '', 400, 'INPUT_ADD_CHECKPOINT_MALFORMED'],
    ['400 INPUT_NOTE_MALFORMED for an unsigned checkpoint', () => 'old 0\n\na\n1\nAA==\n', 400, 'INPUT_NOTE_MALFORMED'],
  ])('answers %s', async (_, body, status, code) => {
    const { post } = witnessApp([new TestLog(ORIGIN, 1)]);
    const res = await post(body());
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error: { code } });
  });

  it('answers 422 COSIGNER_CONSISTENCY_PROOF_INVALID for a bad proof', async () => {
    const log = new TestLog(ORIGIN, 1);
    const { post } = witnessApp([log]);
    await post(log.request(0, 5));
    const res = await post(log.request(5, 9, log.proof(4, 9)));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: 'COSIGNER_CONSISTENCY_PROOF_INVALID' } });
  });

  it('answers 409 COSIGNER_ROOT_MISMATCH (not a size) for another root at the cosigned size', async () => {
    const log = new TestLog(ORIGIN, 1);
    const { post } = witnessApp([log]);
    await post(log.request(0, 5));
    const res = await post(log.fork('f', 2).request(5, 5));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'COSIGNER_ROOT_MISMATCH' } });
  });

  it('answers 400 for a body that is not UTF-8', async () => {
    const { post } = witnessApp([new TestLog(ORIGIN, 1)]);
    const res = await post(Buffer.from([0x6f, 0x6c, 0x64, 0x20, 0xff, 0x0a]));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'INPUT_ADD_CHECKPOINT_MALFORMED' } });
  });

  it('answers 413 for a body over 64 KiB', async () => {
    const { post } = witnessApp([new TestLog(ORIGIN, 1)]);
    const res = await post('x'.repeat(70_000));
    expect(res.statusCode).toBe(413);
  });

  it('answers 503 COSIGNER_STATE_WRITE_FAILED, with no cosignature, when the state cannot be written', async () => {
    const log = new TestLog(ORIGIN, 1);
    const state = new MemoryCosignerState();
    state.failCommits = true;
    const { post } = witnessApp([log], state);
    const res = await post(log.request(0, 5));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'COSIGNER_STATE_WRITE_FAILED' } });
  });

  it('answers 404 ROUTE_NOT_FOUND elsewhere', async () => {
    const { app } = witnessApp([new TestLog(ORIGIN, 1)]);
    const res = await app.inject({ method: 'GET', url: '/add-checkpoint' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });
});
