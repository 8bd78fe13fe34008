import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRoster } from '../../../src/adapters/conclave/roster-file.js';
import { createSoftwareKeyCustody } from '../../../src/adapters/hsm/software-key-custody.js';
import { createSimulatedLlm } from '../../../src/adapters/llm/simulated-llm.js';
import { createPgEventQuery } from '../../../src/adapters/postgres/pg-event-query.js';
import { systemClock } from '../../../src/adapters/system-clock.js';
import { createSessionLog, type SessionLog } from '../../../src/app/conclave/session-log.js';
import { runSession, startSession, type ConclaveDeps, type SessionProgress } from '../../../src/app/conclave/run-session.js';
import { DeliberationError, StoreError } from '../../../src/domain/errors.js';
import { CLERK_ID, SESSION_EVENT } from '../../../src/domain/deliberation/session-events.js';
import { DEFAULT_SESSION_RULES } from '../../../src/domain/deliberation/session-rules.js';
import { replaySession, SessionProcedure } from '../../../src/domain/deliberation/session-procedure.js';
import { adminQuery, createTestDatabase, shouldRunPostgres, type TestDatabase } from '../../support/services.js';
import { createTestStack, type TestStack } from '../../support/test-stack.js';
import { expectRejection } from '../../support/expect-rejection.js';
import type { KeyCustody } from '../../../src/app/ports.js';

const run = await shouldRunPostgres('Conclave session faults');
const roster = loadRoster();
const motion = { title: 'Publish the witness rotation', text: 'The pool rotates quarterly.', kind: 'policy' as const, proposer: 'ARCHON:bael' };

describe.runIf(run)('a Conclave session on PostgreSQL, when things fail', () => {
  let db: TestDatabase;
  let stack: TestStack;
  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await createTestStack({ kind: 'postgresql', url: db.url });
  });
  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  const logWith = (custody: KeyCustody): SessionLog =>
    createSessionLog({ appender: stack.appender, query: createPgEventQuery(stack.client), clock: systemClock, registry: stack.registry, custody, keys: stack.keys });
  const deps = (log: SessionLog, onProgress?: (p: SessionProgress) => void): ConclaveDeps => ({
    roster,
    llm: createSimulatedLlm(),
    log,
    halt: { writable: () => true },
    flushEvery: 16,
    ...(onProgress === undefined ? {} : { onProgress }),
  });
  const sessionEvents = (sessionId: string) => createPgEventQuery(stack.client).listEvents(0, 10_000, { sessionId });

  describe('when every database connection is killed in the middle of the debate', () => {
    it('stops with a StoreError, leaves only whole acts in the log, and resume finishes with every act once', async () => {
      let sessionId = '';
      let killed = false;
      const first = startSession(
        deps(logWith(stack.custody), (p) => {
          sessionId = p.sessionId;
          if (!killed && p.written >= 100) {
            killed = true;
            void adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`);
          }
        }),
        { motion, rules: { rounds: 1 }, seed: 'db-fault', provider: 'simulated' },
      );
      const stopped = await first.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(stopped).toBeInstanceOf(StoreError);
      expect((stopped as StoreError).code).toBe('STORE_UNAVAILABLE');
      const partial = await sessionEvents(sessionId);
      expect(replaySession(partial).finished).toBe(false);
      await runSession(deps(logWith(stack.custody)), sessionId);
      const events = await sessionEvents(sessionId);
      const session = replaySession(events);
      expect(session.finished).toBe(true);
      const numbers = events.filter((e) => e.eventType === SESSION_EVENT.speech).map((e) => e.payload.number);
      expect(numbers).toEqual(Array.from({ length: session.present.length }, (_, i) => i + 1));
    }, 120_000);
  });

  describe("when an archon's key is not held by this process's key custody", () => {
    it('refuses with DELIBERATION_ARCHON_KEY_MISSING before writing the act, and the session resumes where the keys are', async () => {
      const log = logWith(stack.custody);
      await log.provision([CLERK_ID, ...roster.archons.map((a) => a.id)]);
      const opening = SessionProcedure.openingEvent({
        sessionId: randomUUID(),
        motion,
        rules: { ...DEFAULT_SESSION_RULES, rounds: 1 },
        seats: roster.archons.map((a) => ({ id: a.id, rank: a.rank })),
        secretaries: [roster.secretaries[0].id, roster.secretaries[1].id],
        witness: 'ARCHON:furcas',
        seed: 'keys',
        provider: 'simulated',
      });
      await log.append([opening]);
      const sessionId = opening.payload.session_id as string;

      const otherDir = mkdtempSync(join(tmpdir(), 'archon72-other-custody-'));
      try {
        const err = await expectRejection(runSession(deps(logWith(createSoftwareKeyCustody(otherDir))), sessionId), DeliberationError, 'DELIBERATION_ARCHON_KEY_MISSING');
        expect(err.message).toMatch(/^ARCHON:asmoday has no open key held by this key custody/);
      } finally {
        rmSync(otherDir, { recursive: true, force: true });
      }
      expect(await sessionEvents(sessionId)).toHaveLength(1);

      const outcome = await runSession(deps(log), sessionId);
      expect(outcome.reason).toBe('completed');
      expect(replaySession(await sessionEvents(sessionId)).finished).toBe(true);
    }, 120_000);
  });
});
