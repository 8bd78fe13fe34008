import { describe, it, expect } from 'vitest';
import type { TestBackend, TestStack } from '../support/test-stack.js';
import { useContractStack } from '../support/contract-stack.js';
import { expectRejection } from '../support/expect-rejection.js';
import { registerKeeperByHand } from '../support/keepers.js';
import { generateAgentKey, revokeKey, rotateAgentKey } from '../../src/app/key-lifecycle.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { EVENT_WRITER_ID } from '../../src/app/provision-keys.js';
import { InputError, KeyError, SignatureError, StoreError } from '../../src/domain/errors.js';
import { keeperRegistrationStatement, registerKeeperKey } from '../../src/app/keeper-registration.js';
import { appendSystemEvent } from '../../src/app/system-events.js';
import { keeperStatementMessage, type SignedKeeperStatement } from '../../src/domain/signing/keeper-statement.js';
import { keyPairFromSeed, signEd25519 } from '../../src/adapters/crypto/sodium-ed25519.js';
import { toBase64, toHex } from '../../src/domain/encoding/bytes.js';

/**
 * The key lifecycle (issue 3) on every backend: generation, rotation mid-chain, revocation as a recorded act,
 * the witness pool floors and keeper registration, each enforced by migration 008 where the database can.
 */
export function keyLifecycleContract(name: string, backend: () => Promise<TestBackend | undefined>): void {
  describe(`key lifecycle: ${name}`, () => {
    let stack: TestStack;

    useContractStack(backend, (opened) => {
      stack = opened;
    });

    const verified = () => verifyChain({ store: stack.store, registry: stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: true });
    const append = async (agentId = EVENT_WRITER_ID, eventType = 'test.event') => stack.appender.append(await stack.submission({ eventType, payload: {} }, agentId));

    describe('generate', () => {
      it('registers a custody key, and refuses a second open key for the same actor', async () => {
        const key = await generateAgentKey(stack.services, 'SYSTEM:CONCLAVE');
        expect(await stack.custody.hasKey(key.keyId)).toBe(true);
        expect(key.activeUntil).toBeUndefined();
        const err = await expectRejection(generateAgentKey(stack.services, 'SYSTEM:CONCLAVE'), KeyError, 'KEY_ALREADY_OPEN');
        expect(err.message).toContain('keys rotate');
      });

      it('refuses keeper ids and malformed ids before custody makes a key', async () => {
        await expectRejection(generateAgentKey(stack.services, 'KEEPER:alice'), InputError, 'INPUT_FIELD_INVALID');
        await expectRejection(generateAgentKey(stack.services, 'bad id'), InputError, 'INPUT_FIELD_INVALID');
      });
    });

    describe('rotation mid-chain', () => {
      it('closes the old key at the instant the new one opens; history before and after verifies', async () => {
        const agent = 'agent-rotating';
        const before = await append(agent);
        const old = await stack.keyFor(agent);
        const { closed, opened } = await rotateAgentKey(stack.services, agent);
        expect(closed.keyId).toBe(old.keyId);
        expect(closed.activeUntil).toBe(opened.activeFrom);
        expect(closed.activeUntil! > before.authorityTimestamp).toBe(true);

        const body = { eventId: crypto.randomUUID(), eventType: 'test.after', payload: {}, agentId: agent, localTimestamp: stack.services.clock.now() };
        const { signSubmission } = await import('../../src/app/sign-submission.js');
        const after = await stack.appender.append(await signSubmission({ ...body, signingKeyId: opened.keyId }, stack.custody));
        expect(after.signingKeyId).toBe(opened.keyId);
        // The old key may no longer sign: at authority time it is closed.
        const stale = await signSubmission({ ...body, eventId: crypto.randomUUID(), signingKeyId: old.keyId }, stack.custody);
        await expect(stack.appender.append(stale)).rejects.toBeInstanceOf(Error);

        const report = await verified();
        expect(report.fault).toBeUndefined();
        expect(report.verified).toBe(after.sequence);
      });

      it('refuses to rotate an actor with no open key', async () => {
        await expectRejection(rotateAgentKey(stack.services, 'agent-nobody'), KeyError, 'KEY_NOT_OPEN');
      });
    });

    describe('keys are never deleted', () => {
      it.each(['agent_keys', 'keeper_keys'])('refuses DELETE and TRUNCATE on %s', async (table) => {
        await registerKeeperByHand(stack, { keeperId: 'KEEPER:alice', keyId: 'keeper-alice', publicKey: new Uint8Array(32).fill(9) });
        for (const sql of [`DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
          const err = await expectRejection(stack.client.query(sql), StoreError, 'STORE_REJECTED');
          expect(err.details?.rule).toBe('key history');
        }
      });
    });

    describe('revocation', () => {
      it('closes the key and records key.revoked; verifiers see it; a key is revoked once', async () => {
        const agent = 'agent-compromised';
        await append(agent);
        const key = await stack.keyFor(agent);
        const result = await revokeKey(stack.services, key.keyId, { reason: 'key material leaked', replace: false });
        expect(result.revoked.activeUntil).toBeDefined();
        expect(result.event.eventType).toBe('key.revoked');
        expect(result.event.payload).toEqual({ agent_id: agent, key_id: key.keyId, active_until: result.revoked.activeUntil, reason: 'key material leaked' });
        expect(await stack.registry.listRevocations()).toEqual([
          { keyId: key.keyId, agentId: agent, activeUntil: result.revoked.activeUntil, reason: 'key material leaked', sequence: result.event.sequence, recordedAt: result.event.authorityTimestamp },
        ]);
        await expectRejection(revokeKey(stack.services, key.keyId, { reason: 'again', replace: false }), KeyError, 'KEY_ALREADY_REVOKED');
        // The revoked key signs nothing more; history before it still verifies.
        await expect(append(agent)).rejects.toBeInstanceOf(SignatureError);
        expect((await verified()).fault).toBeUndefined();
      });

      it('finishes a revocation interrupted after the close (re-running records the event with the recorded close time)', async () => {
        const key = await stack.keyFor('agent-half-revoked');
        const closed = await stack.registry.closeKey(key.keyId);
        const result = await revokeKey(stack.services, key.keyId, { reason: 'finishing', replace: false });
        expect(result.event.payload.active_until).toBe(closed.activeUntil);
      });

      it("refuses to leave the event writer without a key, and with --replace keeps the log writing", async () => {
        await expectRejection(revokeKey(stack.services, stack.writerKey.keyId, { reason: 'x', replace: false }), KeyError, 'KEY_REVOCATION_NEEDS_REPLACEMENT');
        const result = await revokeKey(stack.services, stack.writerKey.keyId, { reason: 'rotate after incident', replace: true });
        expect(result.replacement?.agentId).toBe(EVENT_WRITER_ID);
        expect(result.event.signingKeyId).toBe(result.replacement?.keyId);
        expect((await verified()).fault).toBeUndefined();
      });

      it('refuses to shrink the witness pool below its floor without a replacement', async () => {
        const witnesses = (await stack.registry.listKeys()).filter((k) => k.agentId.startsWith('WITNESS:'));
        for (const w of witnesses.slice(0, 6)) await revokeKey(stack.services, w.keyId, { reason: 'retired', replace: false });
        const err = await expectRejection(revokeKey(stack.services, witnesses[6]!.keyId, { reason: 'retired', replace: false }), KeyError, 'KEY_REVOCATION_NEEDS_REPLACEMENT');
        expect(err.details).toMatchObject({ remaining: 5, minimum: 6 });
        await revokeKey(stack.services, witnesses[6]!.keyId, { reason: 'replaced', replace: true });
      });

      it('refuses unknown keys and empty reasons', async () => {
        await expectRejection(revokeKey(stack.services, 'dev-0000000000000000', { reason: 'x', replace: false }), KeyError, 'KEY_NOT_FOUND');
        await expectRejection(revokeKey(stack.services, stack.writerKey.keyId, { reason: '  ', replace: true }), InputError, 'INPUT_FIELD_INVALID');
      });

      it('the database refuses a key.revoked event for an open key, a wrong close time, an unknown key or no reason', async () => {
        const key = await stack.keyFor('agent-open');
        const payloads = [
          { agent_id: 'agent-open', key_id: key.keyId, active_until: '2026-01-01T00:00:00.000000Z', reason: 'open key' },
          { agent_id: 'agent-x', key_id: 'dev-ffffffffffffffff', active_until: '2026-01-01T00:00:00.000000Z', reason: 'unknown' },
        ];
        const closed = await stack.registry.closeKey(key.keyId);
        payloads.push({ agent_id: 'agent-open', key_id: key.keyId, active_until: '2020-01-01T00:00:00.000000Z', reason: 'wrong time' });
        payloads.push({ agent_id: 'agent-open', key_id: key.keyId, active_until: closed.activeUntil!, reason: '' });
        payloads.push({ agent_id: 'agent-other', key_id: key.keyId, active_until: closed.activeUntil!, reason: 'wrong owner' });
        for (const payload of payloads) {
          const err = await expectRejection(stack.appender.append(await stack.submission({ eventType: 'key.revoked', payload })), StoreError, 'STORE_REJECTED');
          expect(err.details?.rule).toBe('key registration');
        }
      });
    });

    describe('witness pool floors (migration 008)', () => {
      const closeWitnesses = async (n: number) => {
        const witnesses = (await stack.registry.listKeys()).filter((k) => k.agentId.startsWith('WITNESS:'));
        for (const w of witnesses.slice(0, n)) await stack.registry.closeKey(w.keyId);
      };

      it('refuses a high-stakes event below 12 witnesses but stores an ordinary one', async () => {
        await closeWitnesses(1);
        const err = await expectRejection(append(EVENT_WRITER_ID, 'constitution.amended'), StoreError, 'STORE_REJECTED');
        expect(err.details?.rule).toBe('witness pool floor');
        expect(err.message).toMatch(/has 11 witnesses; it needs at least 12/);
        await append();
      });

      it('refuses every event below 6 witnesses, except a halt', async () => {
        await closeWitnesses(7);
        const err = await expectRejection(append(), StoreError, 'STORE_REJECTED');
        expect(err.details?.rule).toBe('witness pool floor');
        const halt = await append(EVENT_WRITER_ID, 'halt.triggered');
        expect(halt.eventType).toBe('halt.triggered');
      });

      it('counts the pool without the event’s own agent', async () => {
        await closeWitnesses(6);
        await append(); // 6 witnesses: enough for the writer
        const err = await expectRejection(append('WITNESS:dev-12'), StoreError, 'STORE_REJECTED');
        expect(err.message).toMatch(/has 5 witnesses/);
      });

      it('lets the floors be raised, never lowered below 6 and 12, nor deleted', async () => {
        const set = (key: string, value: number) => stack.client.query('UPDATE constitutional_config SET value = $2 WHERE key = $1', [key, value]);
        for (const [key, below] of [['witness_pool_minimum', 5], ['witness_pool_high_stakes_minimum', 11], ['minimum_keeper_quorum', 1]] as const) {
          const err = await expectRejection(set(key, below), StoreError, 'STORE_REJECTED');
          expect(err.details?.rule).toBe('witness pool floor');
          await expectRejection(stack.client.query('DELETE FROM constitutional_config WHERE key = $1', [key]), StoreError, 'STORE_REJECTED');
        }
        await set('witness_pool_minimum', 13);
        const err = await expectRejection(append(), StoreError, 'STORE_REJECTED');
        expect(err.message).toMatch(/has 12 witnesses; it needs at least 13/);
      });
    });

    describe('keeper keys (migration 008)', () => {
      const keeper = (name: string, fill: number) => ({ keeperId: `KEEPER:${name}`, keyId: `keeper-${name}`, publicKey: new Uint8Array(32).fill(fill) });

      it('refuses a keeper_keys row without its keeper.key_registered event', async () => {
        const err = await expectRejection(stack.registry.registerKeeperKey({ agentId: 'KEEPER:eve', keyId: 'keeper-eve', publicKey: new Uint8Array(32) }), StoreError, 'STORE_REJECTED');
        expect(err.details?.rule).toBe('key registration');
      });

      it('allows bootstrap registrations only until a quorum exists, then needs a quorum of distinct active approvers', async () => {
        await registerKeeperByHand(stack, keeper('alice', 1));
        await registerKeeperByHand(stack, keeper('bob', 2));
        let err = await expectRejection(registerKeeperByHand(stack, keeper('carol', 3)), StoreError, 'STORE_REJECTED');
        expect(err.message).toMatch(/bootstrap keeper registration refused/);
        err = await expectRejection(registerKeeperByHand(stack, keeper('carol', 3), [keeper('alice', 1), keeper('alice', 1)]), StoreError, 'STORE_REJECTED');
        expect(err.message).toMatch(/approvals from 1 distinct active keepers; the quorum is 2/);
        err = await expectRejection(registerKeeperByHand(stack, keeper('carol', 3), [keeper('alice', 1), { keeperId: 'KEEPER:mallory', keyId: 'keeper-bob' }]), StoreError, 'STORE_REJECTED');
        await registerKeeperByHand(stack, keeper('carol', 3), [keeper('alice', 1), keeper('bob', 2)]);
        expect((await stack.registry.listKeeperKeys()).map((k) => k.agentId)).toEqual(['KEEPER:alice', 'KEEPER:bob', 'KEEPER:carol']);
      });

      it('rotates a keeper key: the old one closes as the new one opens', async () => {
        await registerKeeperByHand(stack, keeper('alice', 1));
        await registerKeeperByHand(stack, keeper('bob', 2));
        await registerKeeperByHand(stack, { ...keeper('alice', 4), keyId: 'keeper-alice-2' }, [keeper('alice', 1), keeper('bob', 2)]);
        const alice = (await stack.registry.listKeeperKeys()).filter((k) => k.agentId === 'KEEPER:alice');
        expect(alice).toHaveLength(2);
        expect(alice[0]!.activeUntil).toBe(alice[1]!.activeFrom);
      });
    });

    describe('keeper registration service (proof of possession, bootstrap, quorum)', () => {
      const keeperKey = (name: string, n: number) => {
        const pair = keyPairFromSeed(new Uint8Array(32).fill(n));
        return { keeperId: `KEEPER:${name}`, keyId: `keeper-${name}-${n}`, ...pair };
      };
      type KeeperKey = ReturnType<typeof keeperKey>;
      const sign = (signer: KeeperKey, subject: KeeperKey): SignedKeeperStatement => {
        const statement = keeperRegistrationStatement(subject.keeperId, subject.keyId, toHex(subject.publicKey));
        return { statement, keeperId: signer.keeperId, keyId: signer.keyId, signature: toBase64(signEd25519(signer.secretKey, keeperStatementMessage(statement))) };
      };
      const deps = () => ({ ...stack.services, verify: verifyEd25519Sodium });
      const alice = keeperKey('alice', 1);
      const bob = keeperKey('bob', 2);
      const carol = keeperKey('carol', 3);

      it('bootstraps the first quorum of keepers, recorded as such, then needs the quorum’s valid signatures', async () => {
        expect((await registerKeeperKey(deps(), sign(alice, alice), [])).bootstrap).toBe(true);
        expect((await registerKeeperKey(deps(), sign(bob, bob), [])).bootstrap).toBe(true);

        let err = await expectRejection(registerKeeperKey(deps(), sign(carol, carol), [sign(alice, carol)]), SignatureError, 'SIG_INVALID');
        expect(err.message).toMatch(/keeper quorum not met: 1 of 2/);
        // A forged approval (bob's name, carol's key) does not count.
        err = await expectRejection(registerKeeperKey(deps(), sign(carol, carol), [sign(alice, carol), { ...sign(carol, carol), keeperId: bob.keeperId, keyId: bob.keyId }]), SignatureError, 'SIG_INVALID');

        const result = await registerKeeperKey(deps(), sign(carol, carol), [sign(alice, carol), sign(bob, carol)]);
        expect(result).toMatchObject({ bootstrap: false, approvedBy: ['KEEPER:alice', 'KEEPER:bob'], resumed: false });
        const [event] = await stack.store.readRange(result.eventSequence, result.eventSequence, 1);
        expect(event?.payload).toMatchObject({ keeper_id: 'KEEPER:carol', bootstrap: false });
        expect((event?.payload.approvals as unknown[]).length).toBe(2);
        await expectRejection(registerKeeperKey(deps(), sign(carol, carol), []), KeyError, 'KEY_ALREADY_OPEN');
        expect((await verified()).fault).toBeUndefined();
      });

      it('refuses a request not signed by the key it registers, or naming another key', async () => {
        const err = await expectRejection(registerKeeperKey(deps(), { ...sign(alice, alice), signature: sign(bob, alice).signature }, []), SignatureError, 'SIG_INVALID');
        expect(err.message).toMatch(/not signed by the key it registers/);
        await expectRejection(registerKeeperKey(deps(), { ...sign(alice, alice), keyId: 'keeper-other' }, []), InputError, 'INPUT_FIELD_INVALID');
      });

      it('finishes a registration whose event was stored before a crash', async () => {
        const request = sign(alice, alice);
        const event = await appendSystemEvent(stack.services, 'keeper.key_registered', {
          keeper_id: alice.keeperId, key_id: alice.keyId, public_key: toHex(alice.publicKey), bootstrap: true, approvals: [],
        });
        const result = await registerKeeperKey(deps(), request, []);
        expect(result).toMatchObject({ resumed: true, eventSequence: event.sequence });
        expect((await stack.registry.listKeeperKeys()).map((k) => k.keyId)).toEqual([alice.keyId]);
      });
    });
  });
}
