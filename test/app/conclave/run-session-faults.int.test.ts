import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRoster } from '../../../src/adapters/conclave/roster-file.js';
import { createSoftwareKeyCustody } from '../../../src/adapters/hsm/software-key-custody.js';
import { createSimulatedLlm } from '../../../src/adapters/llm/simulated-llm.js';
import { createPgEventQuery } from '../../../src/adapters/postgres/pg-event-query.js';
import { systemClock } from '../../../src/adapters/system-clock.js';
import { createSessionLog, type SessionLog } from '../../../src/app/conclave/session-log.js';
import { runSession, startSession, type ConclaveDeps, type SessionProgress } from '../../../src/app/conclave/run-session.js';
import { DeliberationError, StoreError } from '../../../src/domain/errors.js';
import { CLERK_ID, SESSION_EVENT } from '../../../src/domain/deliberation/session-events.js';
import { replaySession } from '../../../src/domain/deliberation/session-procedure.js';
import { adminQuery, shouldRunPostgres } from '../../support/services.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { usePostgresStack } from '../../support/postgres-stack.js';
import { rosterOpening } from '../../support/conclave-opening.js';
import type { KeyCustody, LlmClient } from '../../../src/app/ports.js';

const run = await shouldRunPostgres('Conclave session faults');
const roster = loadRoster();
const motion = { title: 'Publish the witness rotation', text: 'The pool rotates quarterly.', kind: 'policy' as const, proposer: 'ARCHON:bael' };

describe.runIf(run)('a Conclave session on PostgreSQL, when things fail', () => {
  const pg = usePostgresStack();

  const logWith = (custody: KeyCustody): SessionLog =>
    createSessionLog({ appender: pg.stack.appender, query: createPgEventQuery(pg.stack.client), clock: systemClock, registry: pg.stack.registry, custody, keys: pg.stack.keys });
  const deps = (log: SessionLog, onProgress?: (p: SessionProgress) => void, llm: LlmClient = createSimulatedLlm()): ConclaveDeps => ({
    roster,
    llm,
    log,
    halt: { writable: () => true },
    flushEvery: 16,
    ...(onProgress === undefined ? {} : { onProgress }),
  });
  /** A session opened in the log with every archon's key provisioned in this process's custody. */
  const openSession = async (seed: string): Promise<{ log: SessionLog; sessionId: string }> => {
    const log = logWith(pg.stack.custody);
    await log.provision([CLERK_ID, ...roster.archons.map((a) => a.id)]);
    const { opening, sessionId } = rosterOpening(roster, motion, seed);
    await log.append([opening]);
    return { log, sessionId };
  };
  const sessionEvents = (sessionId: string) => createPgEventQuery(pg.stack.client).listEvents(0, 10_000, { sessionId });

  describe('when the database refuses connections and kills every one in the middle of the debate', () => {
    it('stops with a StoreError, leaves only whole acts in the log, and resume finishes with every act once', async () => {
      let sessionId = '';
      // Once 100 events are written the database stops accepting connections and kills those it has, and no
      // archon answers until it has: the next write is sure to find no database, however fast the session runs
      // (killing idle connections alone is not enough: the pool replaces them without an error).
      let killed: Promise<unknown> | undefined;
      const simulated = createSimulatedLlm();
      const llm: LlmClient = { complete: async (request) => (await killed, simulated.complete(request)) };
      const first = startSession(
        deps(
          logWith(pg.stack.custody),
          (p) => {
            sessionId = p.sessionId;
            if (killed === undefined && p.written >= 100) {
              killed = adminQuery(`ALTER DATABASE ${pg.db.name} ALLOW_CONNECTIONS false`).then(() =>
                adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${pg.db.name}' AND pid <> pg_backend_pid()`),
              );
            }
          },
          llm,
        ),
        { motion, rules: { rounds: 1 }, seed: 'db-fault', provider: 'simulated' },
      );
      const stopped = await first.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(stopped).toBeInstanceOf(StoreError);
      expect((stopped as StoreError).code).toBe('STORE_UNAVAILABLE');
      await adminQuery(`ALTER DATABASE ${pg.db.name} ALLOW_CONNECTIONS true`);
      const partial = await sessionEvents(sessionId);
      expect(replaySession(partial).finished).toBe(false);
      await runSession(deps(logWith(pg.stack.custody)), sessionId);
      const events = await sessionEvents(sessionId);
      const session = replaySession(events);
      expect(session.finished).toBe(true);
      const numbers = events.filter((e) => e.eventType === SESSION_EVENT.speech).map((e) => e.payload.number);
      expect(numbers).toEqual(Array.from({ length: session.present.length }, (_, i) => i + 1));
    }, 120_000);
  });

  describe('when two runners resume one session at once', () => {
    it('lets one write each step: the other stops with DELIBERATION_SESSION_BUSY and the log replays with steps 1..n', async () => {
      const { log, sessionId } = await openSession('two-runners');

      // Both replay the same log and write the same next steps: the database takes one batch per step.
      const outcomes = await Promise.allSettled([runSession(deps(log), sessionId), runSession(deps(logWith(pg.stack.custody)), sessionId)]);
      const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as DeliberationError);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toBeInstanceOf(DeliberationError);
      expect(refused[0]?.code).toBe('DELIBERATION_SESSION_BUSY');
      expect(refused[0]?.message).toContain(`of session ${sessionId} first`);
      const events = await sessionEvents(sessionId);
      expect(events.map((e) => e.payload.step)).toEqual(events.map((_, i) => i + 1));
      expect(replaySession(events).finished).toBe(true);
    }, 120_000);

    it('refuses a second event at a step already written, whatever its content (migration 013)', async () => {
      const { log, sessionId } = await openSession('same-step');
      const answer = (archon: string, text: string) => ({ eventType: SESSION_EVENT.present, agentId: archon, payload: { session_id: sessionId, text, step: 2 } });
      await log.append([answer('ARCHON:asmoday', 'Present.')]);
      await expectRejection(log.append([answer('ARCHON:bael', 'Present, too.')]), DeliberationError, 'DELIBERATION_SESSION_BUSY');
      expect(await sessionEvents(sessionId)).toHaveLength(2);
    }, 60_000);
  });

  describe("when an archon's key is not held by this process's key custody", () => {
    it('refuses with DELIBERATION_ARCHON_KEY_MISSING before writing the act, and the session resumes where the keys are', async () => {
      const { log, sessionId } = await openSession('keys');

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
