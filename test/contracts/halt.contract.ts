import { describe, it, expect, afterEach } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { TestBackend, TestStack } from '../support/test-stack.js';
import { useContractStack } from '../support/contract-stack.js';
import { createTestHalt, eventually, type TestHalt } from '../support/test-halt.js';
import { expectRejection } from '../support/expect-rejection.js';
import { createTestKeeper, signAs, type TestKeeper } from '../support/keepers.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { registerKeeperKey, keeperRegistrationStatement } from '../../src/app/keeper-registration.js';
import { newClearStatement } from '../../src/app/halt-service.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { toBase64, toHex } from '../../src/domain/encoding/bytes.js';
import { toCanonicalTimestamp } from '../../src/domain/chain/timestamp.js';
import { HaltError, SignatureError, StoreError } from '../../src/domain/errors.js';
import { EVENT_WRITER_ID } from '../../src/app/provision-keys.js';
import { HALT_RECORD_EVENT_TYPES, isHaltRecordEventType } from '../../src/domain/halt/halt-statements.js';
import { Keyring } from '../../src/domain/signing/keyring.js';
import { placeEvent } from '../../src/domain/chain/place-event.js';
import { selectWitness } from '../../src/domain/witness/select-witness.js';
import { witnessSignatureMessage } from '../../src/domain/signing/messages.js';

const minutes = (n: number) => toCanonicalTimestamp(new Date(Date.now() + n * 60_000));

/**
 * The halt of issue 4 on every backend: the service records it with its event in one transaction, the database
 * refuses every other event while halted (migration 009), the guard fails writes fast and follows the channel,
 * and only a keeper ceremony clears it, after which writes resume once the chain verified again.
 */
export function haltContract(name: string, backend: () => Promise<TestBackend | undefined>): void {
  describe(`halt: ${name}`, () => {
    let stack: TestStack;
    let halt: TestHalt;
    const alice = createTestKeeper('alice', 1);
    const bob = createTestKeeper('bob', 2);
    const carol = createTestKeeper('carol', 3);

    useContractStack(backend, async (opened) => {
      stack = opened;
      const deps = { ...stack.services, verify: verifyEd25519Sodium };
      const request = (k: TestKeeper) => signAs(k, keeperRegistrationStatement(k.keeperId, k.keyId, toHex(k.publicKey)));
      await registerKeeperKey(deps, request(alice), []);
      await registerKeeperKey(deps, request(bob), []);
      await registerKeeperKey(deps, request(carol), [signAs(alice, request(carol).statement), signAs(bob, request(carol).statement)]);
      halt = await createTestHalt(stack);
    });
    // Runs before the stack closes (after-hooks run in reverse order of registration).
    afterEach(async () => {
      await halt?.stop();
    });

    const write = async (i = 0) => halt.appender.append(await stack.submission({ payload: { i } }));
    const clearStatement = async (reason = 'cause found and fixed') => newClearStatement(await halt.state.read(), reason, minutes(0), minutes(30));

    it('records the halt and its halt.triggered event in one transaction, and refuses writes at once', async () => {
      await write(1);
      const record = await halt.service.halt({ reason: 'disk corruption suspected', source: 'api', actor: 'admin' });
      expect(record).toMatchObject({ halted: true, reason: 'disk corruption suspected', source: 'api', haltedBy: 'admin' });
      const [event] = await stack.store.readLatest(1);
      expect(event).toMatchObject({ eventType: 'halt.triggered', payload: { reason: 'disk corruption suspected', source: 'api', halted_by: 'admin' } });
      expect(record.haltEventSequence).toBe(event?.sequence);
      expect(record.haltedAfterSequence).toBe(event?.sequence);
      const err = await expectRejection(write(2), HaltError, 'SYSTEM_HALTED');
      expect(err.message).toContain('disk corruption suspected');
      expect(halt.metrics.halted).toBe(true);
      expect(halt.metrics.halts).toEqual(['api']);
    });

    it('refuses early exactly the event types the database refuses while halted (one rule, two places)', async () => {
      for (const type of [...HALT_RECORD_EVENT_TYPES, 'halt.other', 'motion.proposed', 'key.registered']) {
        const [row] = await stack.client.query<{ allowed: boolean }>('SELECT is_halt_record_event_type($1) AS allowed', [type]);
        expect(row?.allowed, type).toBe(isHaltRecordEventType(type));
      }
    });

    it('refuses a halt without a reason', async () => {
      await expectRejection(halt.service.halt({ reason: '  ', source: 'api', actor: 'admin' }), HaltError, 'HALT_REASON_REQUIRED');
    });

    it('has the database refuse every event but the halt records while halted, whatever the writer believes', async () => {
      await halt.service.halt({ reason: 'test', source: 'api', actor: 'admin' });
      const head = await stack.store.head();
      // The test stack's own appender has no guard: only the database stands in the way.
      const err = await expectRejection(stack.appender.append(await stack.submission({ payload: { late: true } })), HaltError, 'SYSTEM_HALTED');
      expect(err.message).toMatch(/the system is halted/);
      expect(await stack.store.head()).toEqual(head);
      // Placed, signed and witnessed correctly, and inserted straight through the store, past every check of the
      // service: refused by migration 009 (A7210) alone.
      const submission = await stack.submission({ payload: { raw: true } });
      const direct = stack.store.append(async (h) => {
        const witnesses = new Keyring(h.witnessKeys);
        const placed = placeEvent(h, submission, h.authorityTime);
        const witnessId = selectWitness(witnesses.witnessPoolAt(h.authorityTime, submission.agentId), placed.prevHash, placed.sequence);
        const witnessKey = witnesses.requireWitnessKey(witnessId, h.authorityTime);
        const signature = await stack.custody.sign(witnessKey.keyId, witnessSignatureMessage(placed.contentHash));
        return [{ ...placed, witnessId, witnessSignature: toBase64(signature) }];
      });
      const byHand = await expectRejection(direct, StoreError, 'STORE_REJECTED');
      expect(byHand.details).toMatchObject({ rule: 'halt', sqlstate: 'A7210' });
      expect(byHand.message).toMatch(/CT-11: the system is halted \(test\)/);
      expect(await stack.store.head()).toEqual(head);
      // A second halt is recorded (who else saw a reason to stop); the halt in force does not change.
      const again = await halt.service.halt({ reason: 'second opinion', source: 'keeper', actor: 'KEEPER:bob' });
      expect(again.reason).toBe('test');
      expect((await stack.store.readLatest(1))[0]?.eventType).toBe('halt.triggered');
    });

    it('halts on a single keeper’s signed command, and refuses an expired or forged one', async () => {
      const command = { type: 'halt.trigger', reason: 'observer reported a fork', issued_at: minutes(0), expires_at: minutes(10), nonce: randomBytes(16).toString('hex') };
      await expectRejection(halt.service.haltByKeeper({ ...signAs(alice, command), signature: signAs(bob, command).signature }), SignatureError, 'SIG_INVALID');
      const expired = { ...command, issued_at: minutes(-30), expires_at: minutes(-20) };
      await expectRejection(halt.service.haltByKeeper(signAs(alice, expired)), HaltError, 'HALT_CEREMONY_EXPIRED');
      const record = await halt.service.haltByKeeper(signAs(alice, command));
      expect(record).toMatchObject({ halted: true, source: 'keeper', haltedBy: 'KEEPER:alice', reason: 'observer reported a fork' });
    });

    it('clears only by a ceremony of two distinct keepers; the chain is verified again before writes resume', async () => {
      await halt.service.halt({ reason: 'investigating', source: 'api', actor: 'admin' });
      const statement = await clearStatement();
      // One keeper, or the same keeper twice: not a quorum.
      await expectRejection(halt.service.clear(statement, [signAs(alice, statement)]), SignatureError, 'SIG_INVALID');
      await expectRejection(halt.service.clear(statement, [signAs(alice, statement), signAs(alice, statement)]), SignatureError, 'SIG_INVALID');
      // A forged signature, and a signature made with another keeper's key, do not count.
      const forged = { ...signAs(bob, statement), signature: toBase64(new Uint8Array(64).fill(7)) };
      await expectRejection(halt.service.clear(statement, [signAs(alice, statement), forged]), SignatureError, 'SIG_INVALID');
      const wrongKey = { ...signAs(carol, statement), keeperId: bob.keeperId, keyId: bob.keyId };
      await expectRejection(halt.service.clear(statement, [signAs(alice, statement), wrongKey]), SignatureError, 'SIG_INVALID');
      // A statement for another halt.
      const other = { ...statement, halt_sequence: (statement.halt_sequence as number) + 1 };
      await expectRejection(halt.service.clear(other, [signAs(alice, other), signAs(bob, other)]), HaltError, 'HALT_CEREMONY_INVALID');
      expect((await halt.state.read()).halted).toBe(true);

      const { record, event } = await halt.service.clear(statement, [signAs(alice, statement), signAs(bob, statement)]);
      expect(record).toMatchObject({ halted: false, ceremonyId: statement.ceremony_id });
      expect(event.eventType).toBe('halt.cleared');
      expect((event.payload.keepers as unknown[]).length).toBe(2);
      await eventually(() => halt.guard.current().kind === 'operational');
      await write(3);
      // Replayed: refused, the ceremony id was used.
      await expectRejection(halt.service.clear(statement, [signAs(alice, statement), signAs(bob, statement)]), HaltError, 'HALT_CEREMONY_REPLAYED');
      expect((await verifyChain({ store: stack.store, registry: stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: true })).fault).toBeUndefined();
    }, 30_000);

    it('refuses an expired clear statement', async () => {
      await halt.service.halt({ reason: 'investigating', source: 'api', actor: 'admin' });
      const statement = newClearStatement(await halt.state.read(), 'fixed', minutes(-60), minutes(-1));
      await expectRejection(halt.service.clear(statement, [signAs(alice, statement), signAs(bob, statement)]), HaltError, 'HALT_CEREMONY_EXPIRED');
    });

    it('refuses a clear when not halted', async () => {
      const statement = newClearStatement({ haltEventSequence: undefined, haltedAfterSequence: undefined }, 'nothing to clear', minutes(0), minutes(10));
      await expectRejection(halt.service.clear(statement, [signAs(alice, statement), signAs(bob, statement)]), HaltError, 'HALT_NOT_HALTED');
    });

    it('records a halt raised on the channel alone (an operator’s redis-cli SET) once, prefixed with its source', async () => {
      await write(1);
      halt.channelStore.write({ active: true, signal: { reason: 'Emergency maintenance', source: undefined, at: undefined } });
      await eventually(async () => (await halt.state.read()).halted);
      const record = await halt.state.read();
      expect(record).toMatchObject({ reason: 'redis: Emergency maintenance', source: 'redis' });
      await expectRejection(write(2), HaltError, 'SYSTEM_HALTED');
      // A second instance on the same channel sees it too, and records nothing more.
      const second = await createTestHalt(stack, { channelStore: halt.channelStore });
      try {
        await eventually(() => second.guard.current().kind === 'halted');
        const triggered = (await stack.store.readLatest(5)).filter((e) => e.eventType === 'halt.triggered');
        expect(triggered).toHaveLength(1);
      } finally {
        await second.stop();
      }
    });

    it('waits a moment for the reason when the operator sets the flag first and the reason second (runbook §9.3)', async () => {
      halt.channelStore.write({ active: true, signal: { reason: undefined, source: undefined, at: undefined } });
      await new Promise((r) => setTimeout(r, 60));
      expect(halt.guard.current().kind).toBe('halted'); // writes stop at once, before the reason arrives
      halt.channelStore.write({ active: true, signal: { reason: 'Emergency maintenance', source: undefined, at: undefined } });
      await eventually(async () => (await halt.state.read()).halted);
      expect((await halt.state.read()).reason).toBe('redis: Emergency maintenance');
    });

    it('puts the channel flag back when the channel lost it (Redis restarted empty): still halted', async () => {
      await halt.service.halt({ reason: 'still halted after Redis loss', source: 'api', actor: 'admin' });
      halt.channelStore.write({ active: false, signal: { reason: undefined, source: undefined, at: undefined } });
      await eventually(() => halt.channelStore.read().active);
      expect(halt.guard.current().kind).toBe('halted');
      await expectRejection(write(), HaltError, 'SYSTEM_HALTED');
    });

    it('stays halted across a restart of the instance', async () => {
      await halt.service.halt({ reason: 'restart test', source: 'api', actor: 'admin' });
      await halt.stop();
      halt = await createTestHalt(stack);
      expect(halt.guard.current()).toMatchObject({ kind: 'halted', reason: 'restart test' });
      await expectRejection(write(), HaltError, 'SYSTEM_HALTED');
    });

    it('fails closed while the channel is required and unreachable (recovery: the Redis suites)', async () => {
      await halt.stop();
      halt = await createTestHalt(stack, { requireChannel: true });
      await write(1);
      await halt.channel.close(); // the in-process channel reports itself unavailable once closed
      await halt.guard.refresh();
      await expectRejection(write(2), HaltError, 'HALT_CHANNEL_UNAVAILABLE');
    });

    it('lets the event writer record a revocation while halted', async () => {
      const key = await stack.keyFor('agent-compromised');
      await halt.service.halt({ reason: 'key compromise', source: 'api', actor: 'admin' });
      await stack.registry.closeKey(key.keyId);
      const submission = await stack.submission({ eventType: 'key.revoked', payload: {} }, EVENT_WRITER_ID);
      // Past the guard (a halt record type); the database checks the payload (migration 008) and refuses this one.
      const err = await expectRejection(halt.appender.append({ ...submission }), StoreError, 'STORE_REJECTED');
      expect(err.details?.rule).toBe('key registration');
    });
  });
}
