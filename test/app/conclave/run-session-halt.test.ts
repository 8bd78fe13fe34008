import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../support/test-stack.js';
import { createTestHalt, eventually, type TestHalt } from '../../support/test-halt.js';
import { createTestKeeper, signAs, type TestKeeper } from '../../support/keepers.js';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { loadRoster } from '../../../src/adapters/conclave/roster-file.js';
import { createSimulatedLlm } from '../../../src/adapters/llm/simulated-llm.js';
import { createPgEventQuery } from '../../../src/adapters/postgres/pg-event-query.js';
import { systemClock } from '../../../src/adapters/system-clock.js';
import { createSessionLog } from '../../../src/app/conclave/session-log.js';
import { startSession, type ConclaveDeps, type SessionProgress } from '../../../src/app/conclave/run-session.js';
import { keeperRegistrationStatement, registerKeeperKey } from '../../../src/app/keeper-registration.js';
import { newClearStatement } from '../../../src/app/halt-service.js';
import { replaySession } from '../../../src/domain/deliberation/session-procedure.js';
import { SESSION_EVENT } from '../../../src/domain/deliberation/session-events.js';
import { toCanonicalTimestamp } from '../../../src/domain/chain/timestamp.js';
import { toHex } from '../../../src/domain/encoding/bytes.js';

const minutes = (n: number) => toCanonicalTimestamp(new Date(Date.now() + n * 60_000));
const roster = loadRoster();
const motion = { title: 'Publish the witness rotation', text: 'The pool rotates quarterly.', kind: 'policy' as const, proposer: 'ARCHON:bael' };

describe('a Conclave session and a halt', () => {
  let stack: TestStack;
  let halt: TestHalt;
  const alice = createTestKeeper('alice', 1);
  const bob = createTestKeeper('bob', 2);

  beforeEach(async () => {
    stack = await createTestStack();
    const deps = { ...stack.services, verify: verifyEd25519Sodium };
    for (const k of [alice, bob]) await registerKeeperKey(deps, signAs(k, keeperRegistrationStatement(k.keeperId, k.keyId, toHex(k.publicKey))), []);
    halt = await createTestHalt(stack, { pollMs: 20 });
  }, 60_000);
  afterEach(async () => {
    await halt?.stop();
    await stack?.close();
  }, 60_000);

  const conclaveDeps = (onProgress: (p: SessionProgress) => void): ConclaveDeps => ({
    roster,
    llm: createSimulatedLlm(),
    log: createSessionLog({ appender: halt.appender, query: createPgEventQuery(stack.client), clock: systemClock, registry: stack.registry, custody: stack.custody, keys: stack.keys }),
    halt: { writable: () => halt.guard.current().kind === 'operational' },
    haltPollMs: 10,
    flushEvery: 16,
    onProgress,
  });

  describe('when the system halts in the middle of the debate and the keepers clear it', () => {
    it('writes nothing while halted, then continues from the log to adjournment with every act once', async () => {
      const progress: SessionProgress[] = [];
      let halted = false;
      const run = startSession(
        conclaveDeps((p) => {
          progress.push(p);
          if (!halted && p.written >= 120) {
            halted = true;
            void halt.service.halt({ reason: 'test: keepers investigate', source: 'api', actor: 'test' });
          }
        }),
        { motion, rules: { rounds: 1 }, seed: 'halt-test', provider: 'simulated' },
      );
      await eventually(() => progress.some((p) => p.paused === true), 10_000);
      const sessionId = (progress[0] as SessionProgress).sessionId;
      const query = createPgEventQuery(stack.client);
      const whileHalted = (await query.listEvents(0, 10_000, { sessionId })).length;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await query.listEvents(0, 10_000, { sessionId })).length).toBe(whileHalted);

      const statement = newClearStatement(await halt.state.read(), 'cause found', minutes(0), minutes(30));
      await halt.service.clear(statement, [signAs(alice, statement), signAs(bob, statement)]);
      const outcome = await run;

      const events = await query.listEvents(0, 10_000, { sessionId });
      expect(outcome.events).toBe(events.length);
      expect(outcome.reason).toBe('completed');
      const session = replaySession(events);
      expect(session.finished).toBe(true);
      const numbers = events.filter((e) => e.eventType === SESSION_EVENT.speech).map((e) => e.payload.number);
      expect(numbers).toEqual(Array.from({ length: session.present.length }, (_, i) => i + 1));
      const voters = events.filter((e) => e.eventType === SESSION_EVENT.vote).map((e) => e.agentId);
      expect(new Set(voters).size).toBe(voters.length);
    }, 60_000);
  });
});
