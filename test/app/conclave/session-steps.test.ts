import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRoster } from '../../../src/adapters/conclave/roster-file.js';
import { createPgEventQuery } from '../../../src/adapters/postgres/pg-event-query.js';
import { systemClock } from '../../../src/adapters/system-clock.js';
import { createSessionLog, type SessionLog } from '../../../src/app/conclave/session-log.js';
import { CLERK_ID, SESSION_EVENT } from '../../../src/domain/deliberation/session-events.js';
import { DeliberationError, StoreError } from '../../../src/domain/errors.js';
import { createTestStack, type TestStack } from '../../support/test-stack.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { rosterOpening } from '../../support/conclave-opening.js';

const roster = loadRoster();

/**
 * Migration 013 on the embedded database (the PostgreSQL suite, run-session-faults.int.test.ts, races two real
 * runners): one event per (session_id, step) among conclave events, whatever their content.
 */
describe('session steps in the embedded database', () => {
  let stack: TestStack;
  let log: SessionLog;
  let sessionId: string;
  beforeAll(async () => {
    stack = await createTestStack();
    log = createSessionLog({ appender: stack.appender, query: createPgEventQuery(stack.client), clock: systemClock, registry: stack.registry, custody: stack.custody, keys: stack.keys });
    await log.provision([CLERK_ID, 'ARCHON:asmoday', 'ARCHON:bael']);
    const opened = rosterOpening(roster, { title: 'Steps', text: 'One event per step.', kind: 'policy', proposer: 'ARCHON:bael' }, 'steps');
    await log.append([opened.opening]);
    sessionId = opened.sessionId;
  });
  afterAll(async () => {
    await stack.close();
  });

  const answer = (archon: string, step: unknown, session = sessionId) => ({ eventType: SESSION_EVENT.present, agentId: archon, payload: { session_id: session, text: 'Present.', step } });

  it('refuses a second event at a written step with DELIBERATION_SESSION_BUSY, writing nothing of the batch', async () => {
    await log.append([answer('ARCHON:asmoday', 2)]);
    const err = await expectRejection(log.append([answer('ARCHON:bael', 3), answer('ARCHON:bael', 2)]), DeliberationError, 'DELIBERATION_SESSION_BUSY');
    expect(err.cause).toBeInstanceOf(StoreError);
    expect(await log.read(sessionId)).toHaveLength(2);
  });

  it('constrains steps per session, and only among conclave events', async () => {
    await log.append([answer('ARCHON:bael', 2, randomUUID())]);
    const other = await stack.submission({ eventType: 'test.other', payload: { session_id: sessionId, step: 2 } });
    await expect(stack.appender.append(other)).resolves.toMatchObject({ eventType: 'test.other' });
  });
});
