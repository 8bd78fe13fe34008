import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { buildApp } from '../../src/api/app.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { loadRoster } from '../../src/adapters/conclave/roster-file.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { EventFeed } from '../../src/app/event-stream/event-feed.js';
import { createSessionLog } from '../../src/app/conclave/session-log.js';
import { ConclaveService, type ConclaveServiceDeps } from '../../src/app/conclave/conclave-service.js';
import { CONCLAVE_LLM_DEFAULTS, createConclaveLlm } from '../../src/compose.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import { createTestHalt, eventually, type TestHalt } from '../support/test-halt.js';
import { expectRejection } from '../support/expect-rejection.js';
import { AppError, LimitError } from '../../src/domain/errors.js';
import { createTestKeeper, registerKeeperByHand, signAs } from '../support/keepers.js';
import { parseSignedStatement, toSignedStatementJson, verifySignedStatement, type SignedKeeperStatement } from '../../src/domain/signing/keeper-statement.js';
import { Keyring } from '../../src/domain/signing/keyring.js';
import { toCanonicalTimestamp } from '../../src/domain/chain/timestamp.js';
import type { ConclaveDeps } from '../../src/app/conclave/run-session.js';
import type { Roster } from '../../src/domain/deliberation/roster.js';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

const TOKEN = 'a-long-random-admin-token-for-conclave-tests';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const MOTION = { title: 'Adopt a quarterly witness rotation', text: 'The Conclave adopts a quarterly rotation of the witness pool.', kind: 'policy', proposer: 'ARCHON:bael' };
/** A one-round session of 72 simulated archons, written to embedded PGlite, on a shared machine. */
const SESSION_TIMEOUT_MS = 180_000;

interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** The error body's code and details, after checking the status. */
function refusal(res: LightMyRequestResponse, status: number): { code: string; details?: Record<string, unknown> } {
  expect(res.statusCode, res.body).toBe(status);
  return res.json().error;
}

/** The Conclave API over a real embedded stack: PGlite, software keys, the halt guard and the simulated provider. */
describe('conclave routes', () => {
  let stack: TestStack;
  let halt: TestHalt;
  let feed: EventFeed;
  let roster: Roster;
  let conclave: ConclaveDeps;
  let service: ConclaveService;
  let app: FastifyInstance;
  const lines: LogLine[] = [];
  const log: ConclaveServiceDeps['log'] = (level, message, fields) => void lines.push({ level, message, ...(fields === undefined ? {} : { fields }) });
  /** A service over the same stack, for the tests of its limits (the app's service is shared by the suite). */
  const serviceWith = (options: Partial<ConclaveServiceDeps>) =>
    new ConclaveService({ conclave, provider: 'simulated', gate: halt.guard, log, keepers: stack.registry, clock: systemClock, verify: verifyEd25519Sodium, ...options });

  beforeAll(async () => {
    stack = await createTestStack();
    halt = await createTestHalt(stack);
    const query = createPgEventQuery(stack.client);
    feed = new EventFeed({ query, head: async () => (await stack.store.head())?.sequence ?? 0, onError: () => undefined });
    roster = loadRoster();
    // What src/compose.ts conclaveDeps builds from a server's stack, on the test stack: writes pass the halt guard.
    conclave = {
      roster,
      llm: createConclaveLlm({ provider: 'simulated', ...CONCLAVE_LLM_DEFAULTS }, {}),
      log: createSessionLog({ appender: halt.appender, query, clock: systemClock, registry: stack.registry, custody: stack.custody, keys: stack.keys }),
      halt: { writable: () => halt.guard.current().kind === 'operational' },
      haltPollMs: 50,
    };
    service = serviceWith({});
    app = buildApp(
      {
        appender: halt.appender,
        hsmMode: stack.custody.mode,
        pingDatabase: async () => void (await stack.client.query('SELECT 1')),
        halt: { service: halt.service, guard: halt.guard, state: halt.state, adminTokenSha256: createHash('sha256').update(TOKEN).digest(), channel: halt.channel, requireChannel: false },
        // A short stream lifetime: inject() waits for the response to end.
        observer: { query, stream: { feed, maxDurationMs: 300 } },
        conclave: { service, adminTokenSha256: createHash('sha256').update(TOKEN).digest() },
      },
      { logLevel: 'silent' },
    );
    await app.ready();
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await service.close();
    feed.close();
    await halt.stop();
    await stack.close();
  });

  const start = (body: unknown, headers: Record<string, string> = AUTH) =>
    app.inject({ method: 'POST', url: '/v1/conclave/sessions', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
  const conclaveEvents = async () => (await stack.client.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE event_type LIKE 'conclave.%'"))[0]?.n;

  describe('POST /v1/conclave/sessions', () => {
    it('answers 401 HALT_UNAUTHORIZED without the admin token, or with a wrong one, whatever the body', async () => {
      expect(refusal(await start(MOTION, {}), 401).code).toBe('HALT_UNAUTHORIZED');
      expect(refusal(await start(MOTION, { authorization: 'Bearer not-the-token-at-all' }), 401).code).toBe('HALT_UNAUTHORIZED');
      expect(refusal(await start({ nonsense: true }, {}), 401).code).toBe('HALT_UNAUTHORIZED');
      expect(await conclaveEvents()).toBe(0);
    });

    it('answers 400 naming the field for a bad motion, and writes nothing', async () => {
      const cases: Array<[unknown, string, string]> = [
        [{ ...MOTION, kind: 'decree' }, 'DELIBERATION_MOTION_INVALID', 'kind'],
        [{ ...MOTION, title: '   ' }, 'DELIBERATION_MOTION_INVALID', 'title'],
        [{ ...MOTION, text: 'x'.repeat(8001) }, 'DELIBERATION_MOTION_INVALID', 'text'],
        [{ ...MOTION, submitted_by: 'KEEPER:alice' }, 'DELIBERATION_MOTION_INVALID', 'proposer'],
        // A Duke cannot propose: checked against the roster when the session opens.
        [{ ...MOTION, proposer: 'ARCHON:agares' }, 'DELIBERATION_MOTION_INVALID', 'proposer'],
        [{ title: MOTION.title, kind: MOTION.kind, proposer: MOTION.proposer }, 'INPUT_FIELD_INVALID', 'text'],
        [{ ...MOTION, rounds: 11 }, 'INPUT_FIELD_INVALID', 'rounds'],
        [{ ...MOTION, rounds: '1' }, 'INPUT_FIELD_INVALID', 'rounds'],
        [{ ...MOTION, quorum: 1 }, 'INPUT_FIELD_INVALID', 'quorum'],
      ];
      for (const [body, code, field] of cases) {
        const error = refusal(await start(body), 400);
        expect(error, JSON.stringify(body).slice(0, 80)).toMatchObject({ code, details: { field } });
      }
      expect(await conclaveEvents()).toBe(0);
    });
  });

  describe('a session started over HTTP', () => {
    let sessionId: string;
    let status: Record<string, unknown>;

    beforeAll(async () => {
      const res = await start({ ...MOTION, rounds: 1, seed: 'conclave-routes-test' });
      expect(res.statusCode, res.body).toBe(202);
      const body = res.json<{ session_id: string; status_url: string }>();
      sessionId = body.session_id;
      expect(sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(body.status_url).toBe(`/v1/conclave/sessions/${sessionId}`);
      expect(res.headers.location).toBe(body.status_url);
      // Answered once session_opened is in the log: the status is readable at once.
      const first = await app.inject({ url: body.status_url });
      expect(first.statusCode, first.body).toBe(200);
      // …and served while the session runs in the background (it yields to the event loop between acts).
      expect(first.json()).toMatchObject({ session_id: sessionId, status: 'in_progress', running: true, motion: MOTION, provider: 'simulated', tally: null, result: null });
      await eventually(async () => {
        status = (await app.inject({ url: body.status_url })).json();
        return status.status === 'adjourned';
      }, SESSION_TIMEOUT_MS);
      // The run has ended once its last batch is written; `running` follows a moment later.
      await eventually(() => !service.isRunning(sessionId));
      status = (await app.inject({ url: body.status_url })).json();
    }, SESSION_TIMEOUT_MS + 10_000);

    it('GET /sessions/{id} reports it adjourned with the tally, the counts and the last sequence', () => {
      expect(status).toMatchObject({ session_id: sessionId, status: 'adjourned', running: false, motion: MOTION });
      // The seeded simulated provider: this motion is seconded, debated and voted on.
      expect(status.adjournment).toBe('completed');
      expect(status.present).toBeGreaterThan(36);
      expect(status.events).toBeGreaterThan(status.present as number);
      expect(status.last_sequence).toBeGreaterThan(status.first_sequence as number);
      expect(status.tally).toMatchObject({ aye: expect.any(Number), nay: expect.any(Number), passed: expect.any(Boolean) });
      expect(status.result).toBe((status.tally as { passed: boolean }).passed ? 'passed' : 'failed');
      // One round: each present archon speaks once.
      expect(status.speeches).toBe(status.present);
      const stances = status.stances as { FOR: number; AGAINST: number; NEUTRAL: number; missing: number };
      expect(stances.FOR + stances.AGAINST + stances.NEUTRAL + stances.missing).toBe(status.speeches);
      expect(lines.some((l) => l.level === 'info' && l.message.includes(`session ${sessionId} adjourned`))).toBe(true);
    });

    it('GET …/transcript answers text/markdown, the transcript rebuilt from the log', async () => {
      const res = await app.inject({ url: `/v1/conclave/sessions/${sessionId}/transcript` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(res.body.startsWith(`# Conclave session ${sessionId}\n`)).toBe(true);
      expect(res.body).toContain(`**Motion (policy):** ${MOTION.title}`);
      // Names from the roster, not agent ids.
      expect(res.body).toContain('- Bael: present');
      expect(res.body).toContain('*Session adjourned (');
    });

    it('GET …/results answers the results as JSON', async () => {
      const res = await app.inject({ url: `/v1/conclave/sessions/${sessionId}/results` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const results = res.json();
      expect(results).toMatchObject({ session_id: sessionId, status: 'adjourned', provider: 'simulated', seed: 'conclave-routes-test', motion: MOTION, rules: { rounds: 1 } });
      expect(results.present).toHaveLength(status.present as number);
      expect(results.last_sequence).toBe(status.last_sequence);
      expect(results.votes).toHaveLength(status.present as number);
      expect(results.tally).toEqual(status.tally);
    });

    it('GET /v1/observer/events?session_id= returns only this session’s events', async () => {
      // Events that look related but are not the session's: another session's conclave event, and a non-conclave
      // event whose payload names this session.
      const other = randomUUID();
      await halt.appender.append(await stack.submission({ eventType: 'conclave.speech', payload: { session_id: other } }));
      await halt.appender.append(await stack.submission({ eventType: 'test.event', payload: { session_id: sessionId } }));
      const res = await app.inject({ url: `/v1/observer/events?session_id=${sessionId}&limit=1000` });
      expect(res.statusCode).toBe(200);
      const events = res.json<{ events: Array<{ event_type: string; payload: { session_id?: string }; sequence: number }> }>().events;
      expect(events).toHaveLength(status.events as number);
      for (const e of events) {
        expect(e.event_type.startsWith('conclave.')).toBe(true);
        expect(e.payload.session_id).toBe(sessionId);
      }
      expect(events[0]?.event_type).toBe('conclave.session_opened');
      expect(events.at(-1)?.sequence).toBe(status.last_sequence);
      const others = (await app.inject({ url: `/v1/observer/events?session_id=${other}` })).json<{ events: unknown[] }>().events;
      expect(others).toHaveLength(1);
      const all = (await app.inject({ url: '/v1/observer/events?limit=1000' })).json<{ events: unknown[] }>().events;
      expect(all.length).toBeGreaterThan(events.length);
    });

    it('GET /v1/observer/events/stream?session_id= replays only this session’s events', async () => {
      const res = await app.inject({ url: `/v1/observer/events/stream?session_id=${sessionId}&last_event_id=0` });
      expect(res.statusCode).toBe(200);
      const data = [...res.body.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] as string) as { event_type: string; payload: { session_id?: string } });
      expect(data).toHaveLength(status.events as number);
      expect(data.every((e) => e.event_type.startsWith('conclave.') && e.payload.session_id === sessionId)).toBe(true);
    });

    it('refuses a session_id that is not a lowercase UUID (400 INPUT_FIELD_INVALID)', async () => {
      for (const url of [`/v1/observer/events?session_id=${sessionId.toUpperCase()}`, '/v1/observer/events/stream?session_id=x', `/v1/conclave/sessions/${sessionId.toUpperCase()}`]) {
        expect(refusal(await app.inject({ url }), 400)).toMatchObject({ code: 'INPUT_FIELD_INVALID', details: { field: expect.stringMatching(/session_id/) } });
      }
    });
  });

  describe('a session opened by a keeper’s signed conclave.session.open statement, without the admin token', () => {
    const carol = createTestKeeper('carol', 41);
    const mallory = createTestKeeper('mallory', 42);
    const keeperMotion = (keeperId: string) => ({ title: MOTION.title, text: MOTION.text, kind: 'policy', submitted_by: keeperId });
    /** A statement valid now for an hour, on a motion Carol submits, for a new session. */
    const statement = (overrides: Record<string, unknown> = {}) => {
      const now = Date.now();
      return {
        type: 'conclave.session.open',
        session_id: randomUUID(),
        motion: keeperMotion(carol.keeperId),
        rounds: 1,
        seed: 'keeper-opening',
        issued_at: toCanonicalTimestamp(new Date(now - 60_000)),
        expires_at: toCanonicalTimestamp(new Date(now + 30 * 60_000)),
        nonce: randomUUID().replaceAll('-', ''),
        ...overrides,
      };
    };
    const document = (signed: SignedKeeperStatement) => toSignedStatementJson(signed);
    let signed: SignedKeeperStatement;
    let sessionId: string;

    beforeAll(async () => {
      await registerKeeperByHand(stack, carol);
      signed = signAs(carol, statement());
      const res = await start(document(signed), {});
      expect(res.statusCode, res.body).toBe(202);
      sessionId = res.json<{ session_id: string }>().session_id;
      await eventually(() => !service.isRunning(sessionId), SESSION_TIMEOUT_MS);
    }, SESSION_TIMEOUT_MS + 10_000);

    it('opens the session the statement names, and session_opened records the statement, whose signature verifies', async () => {
      expect(sessionId).toBe(signed.statement.session_id);
      const [opened] = await service.events(sessionId);
      expect(opened).toMatchObject({ eventType: 'conclave.session_opened', agentId: 'SYSTEM:CONCLAVE' });
      const payload = opened?.payload as { authorization: unknown; motion: unknown; seed: string; rules: { rounds: number } };
      expect(payload.authorization).toEqual(document(signed));
      expect(payload).toMatchObject({ motion: signed.statement.motion, seed: 'keeper-opening', rules: { rounds: 1 } });
      const recorded = parseSignedStatement(payload.authorization);
      const key = verifySignedStatement(recorded, new Keyring(await stack.registry.listKeeperKeys()), systemClock.now(), verifyEd25519Sodium);
      expect(key.agentId).toBe(carol.keeperId);
      const status = (await app.inject({ url: `/v1/conclave/sessions/${sessionId}` })).json();
      expect(status).toMatchObject({ status: 'adjourned', motion: signed.statement.motion });
    });

    it('refuses the same signed statement again: 409 DELIBERATION_SESSION_EXISTS, and writes nothing', async () => {
      const before = await conclaveEvents();
      expect(refusal(await start(document(signed), {}), 409)).toMatchObject({ code: 'DELIBERATION_SESSION_EXISTS', details: { sessionId } });
      expect(await conclaveEvents()).toBe(before);
    });

    it('refuses, naming what is wrong, every statement it cannot act on, and writes nothing', async () => {
      const before = await conclaveEvents();
      const long = 'x'.repeat(300);
      const tampered = signAs(carol, statement());
      const cases: Array<[string, unknown, number, Record<string, unknown>]> = [
        ['signed by a keeper with no registered key', document(signAs(mallory, statement({ motion: keeperMotion(mallory.keeperId) }))), 422, { code: 'SIG_KEY_UNKNOWN' }],
        ['changed after signing', { ...document(tampered), statement: { ...tampered.statement, rounds: 2 } }, 422, { code: 'SIG_INVALID' }],
        ['expired', document(signAs(carol, statement({ issued_at: '2026-01-01T00:00:00.000000Z', expires_at: '2026-01-01T00:30:00.000000Z' }))), 422, { code: 'DELIBERATION_AUTHORIZATION_EXPIRED' }],
        ['of another type', document(signAs(carol, statement({ type: 'halt.trigger' }))), 400, { code: 'DELIBERATION_AUTHORIZATION_INVALID', details: { field: 'statement.type' } }],
        ['without a session id', document(signAs(carol, statement({ session_id: 'new' }))), 400, { code: 'DELIBERATION_AUTHORIZATION_INVALID', details: { field: 'statement.session_id' } }],
        ['submitting a motion in another keeper’s name', document(signAs(carol, statement({ motion: keeperMotion('KEEPER:alice') }))), 400, { code: 'DELIBERATION_AUTHORIZATION_INVALID', details: { field: 'statement.motion.submitted_by' } }],
        ['with a bad motion', document(signAs(carol, statement({ motion: { ...MOTION, kind: 'decree' } }))), 400, { code: 'DELIBERATION_MOTION_INVALID', details: { field: 'kind' } }],
        ['with a seed too long', document(signAs(carol, statement({ seed: long }))), 400, { code: 'DELIBERATION_AUTHORIZATION_INVALID', details: { field: 'statement.seed' } }],
        ['with more rounds than the ceiling', document(signAs(carol, statement({ rounds: 11 }))), 400, { code: 'DELIBERATION_MOTION_INVALID' }],
        ['missing its signature', { statement: statement(), keeper_id: carol.keeperId, key_id: carol.keyId }, 400, { code: 'INPUT_FIELD_INVALID', details: { field: 'signature' } }],
      ];
      for (const [what, body, status, error] of cases) expect(refusal(await start(body, {}), status), what).toMatchObject(error);
      expect(await conclaveEvents()).toBe(before);
    });
  });

  it('answers 404 DELIBERATION_SESSION_NOT_FOUND for a session the log does not hold', async () => {
    const id = randomUUID();
    for (const url of [`/v1/conclave/sessions/${id}`, `/v1/conclave/sessions/${id}/transcript`, `/v1/conclave/sessions/${id}/results`]) {
      expect(refusal(await app.inject({ url }), 404).code).toBe('DELIBERATION_SESSION_NOT_FOUND');
    }
  });

  it('GET /v1/conclave/roster lists the 72 archons in speaking order, with their personas', async () => {
    const res = await app.inject({ url: '/v1/conclave/roster' });
    expect(res.statusCode).toBe(200);
    const archons = res.json<{ archons: Array<Record<string, unknown>> }>().archons;
    expect(archons.map((a) => a.id)).toEqual(roster.archons.map((a) => a.id));
    expect(archons).toHaveLength(72);
    // Kings first (by name), the Knight last.
    expect(archons[0]).toMatchObject({ id: 'ARCHON:asmoday', name: 'Asmoday', rank: 'King', branch: expect.any(String), role: expect.any(String) });
    expect(archons.at(-1)?.rank).toBe('Knight');
    expect(Object.keys(archons[0]?.persona as object).sort()).toEqual(['epistemic_method', 'goal', 'persuaded_by', 'red_lines', 'voice']);
  });

  it('is documented in the OpenAPI document: parameters, body and the transcript’s media type', async () => {
    const spec = (await app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, Record<string, unknown>>> }>();
    expect(Object.keys(spec.paths).filter((p) => p.startsWith('/v1/conclave/')).sort()).toEqual([
      '/v1/conclave/roster',
      '/v1/conclave/sessions',
      '/v1/conclave/sessions/{session_id}',
      '/v1/conclave/sessions/{session_id}/results',
      '/v1/conclave/sessions/{session_id}/transcript',
    ]);
    const post = spec.paths['/v1/conclave/sessions']?.post as { requestBody: { content: Record<string, { schema: { properties: object } }> }; responses: Record<string, unknown> };
    // Both forms: the administrator's motion and options, and a keeper's signed statement document.
    expect(Object.keys(post.requestBody.content['application/json']?.schema.properties ?? {})).toEqual([
      'title', 'text', 'kind', 'proposer', 'submitted_by', 'rounds', 'seed', 'validate_votes', 'statement', 'keeper_id', 'key_id', 'signature',
    ]);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '409', '422', '429', '500', '503']));
    const transcript = spec.paths['/v1/conclave/sessions/{session_id}/transcript']?.get as { responses: Record<string, { content: object }> };
    expect(Object.keys(transcript.responses['200']?.content ?? {})).toEqual(['text/markdown']);
    const events = spec.paths['/v1/observer/events/stream']?.get as { parameters: Array<{ name: string }> };
    expect(events.parameters.map((p) => p.name)).toContain('session_id');
  });

  describe('the service’s limits', () => {
    it('refuses more sessions than it may run (RATE_LIMITED), and close() abandons a running session without writing after it', async () => {
      const limited = serviceWith({ maxRunning: 1 });
      const sessionId = await limited.start({ motion: { ...MOTION, kind: 'policy' }, rounds: 10, seed: 'abandoned' });
      expect(limited.isRunning(sessionId)).toBe(true);
      await expectRejection(limited.start({ motion: { ...MOTION, kind: 'policy' }, rounds: 1 }), LimitError, 'RATE_LIMITED');
      await limited.close();
      expect(limited.isRunning(sessionId)).toBe(false);
      const written = (await conclave.log.read(sessionId)).length;
      expect(written).toBeGreaterThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await conclave.log.read(sessionId)).length).toBe(written);
      const res = await app.inject({ url: `/v1/conclave/sessions/${sessionId}` });
      expect(res.json()).toMatchObject({ status: 'in_progress', running: false });
      expect(lines.some((l) => l.level === 'warn' && l.message.includes(`session ${sessionId} abandoned`))).toBe(true);
      await expectRejection(limited.start({ motion: { ...MOTION, kind: 'policy' } }), AppError, 'INTERNAL');
    }, 60_000);
  });

  it('answers 429 RATE_LIMITED with Retry-After when the instance runs as many sessions as it may', async () => {
    const full = serviceWith({ maxRunning: 0 });
    const limitedApp = buildApp(
      { appender: halt.appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined, conclave: { service: full, adminTokenSha256: createHash('sha256').update(TOKEN).digest() } },
      { logLevel: 'silent' },
    );
    try {
      const res = await limitedApp.inject({ method: 'POST', url: '/v1/conclave/sessions', headers: { 'content-type': 'application/json', ...AUTH }, payload: JSON.stringify(MOTION) });
      expect(refusal(res, 429)).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'running sessions', max: 0 } });
      expect(res.headers['retry-after']).toBe('60');
    } finally {
      await limitedApp.close();
      await full.close();
    }
  });

  // Last: the system stays halted.
  it('answers 503 SYSTEM_HALTED while the system is halted', async () => {
    await halt.service.halt({ reason: 'conclave test halt', source: 'api', actor: 'admin' });
    await eventually(() => halt.guard.current().kind === 'halted');
    const error = refusal(await start({ ...MOTION, rounds: 1 }), 503);
    expect(error.code).toBe('SYSTEM_HALTED');
    // Reads go on.
    expect((await app.inject({ url: '/v1/conclave/roster' })).statusCode).toBe(200);
  });

  // Authorised bodies reach the motion checks (fuzz-routes.test.ts sends no valid token); halted, none can start a session.
  it('answers any authorised body with 400 or 503, never another 5xx', async () => {
    const member = fc.constantFrom('title', 'text', 'kind', 'proposer', 'submitted_by', 'rounds', 'seed', 'validate_votes', '__proto__', 'x');
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('policy', 'ARCHON:bael', 'ARCHON:nobody', 'KEEPER:k', '', ' ', 1, 10, 11));
    const body = fc.oneof(fc.dictionary(member, value), fc.record({ title: value, text: value, kind: value, proposer: value }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 }));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await start(b);
        expect([400, 503], res.body).toContain(res.statusCode);
        expect(res.json().error.code).toMatch(/^(INPUT_|DELIBERATION_MOTION_INVALID$|SYSTEM_HALTED$)/);
      }),
      { numRuns: 150 },
    );
  });
});
