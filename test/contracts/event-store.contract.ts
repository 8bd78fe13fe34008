import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { TestBackend, TestStack } from '../support/test-stack.js';
import { useContractStack } from '../support/contract-stack.js';
import { expectRejection } from '../support/expect-rejection.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { EventAppender } from '../../src/app/event-appender.js';
import { KeyCache } from '../../src/app/key-cache.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { GENESIS_PREV_HASH } from '../../src/domain/chain/content-hash.js';
import { SignatureError, StoreError } from '../../src/domain/errors.js';

/**
 * The EventStore contract: every adapter (PGlite, PostgreSQL) must pass these same cases, through the real
 * appender, keys and database triggers.
 */
export function eventStoreContract(name: string, backend: () => Promise<TestBackend | undefined>): void {
  describe(`EventStore contract: ${name}`, () => {
    let stack: TestStack;

    useContractStack(backend, (opened) => {
      stack = opened;
    });

    const verified = () => verifyChain({ store: stack.store, registry: stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: true });

    describe('on an empty log', () => {
      it('has no head', async () => {
        expect(await stack.store.head()).toBeUndefined();
      });

      it('stores the first event at sequence 1 with the genesis prev_hash', async () => {
        const stored = await stack.appender.append(await stack.submission());
        expect(stored.sequence).toBe(1);
        expect(stored.prevHash).toBe(GENESIS_PREV_HASH);
        expect(stored.witnessId).toMatch(/^WITNESS:dev-(0[1-9]|1[0-2])$/);
      });
    });

    describe('when events are appended one after another', () => {
      it('chains them 1..N and reads back exactly what was stored', async () => {
        const stored = [];
        for (let i = 0; i < 5; i++) stored.push(await stack.appender.append(await stack.submission({ payload: { i, text: 'héllo 🌍' } })));
        expect(stored.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
        for (let i = 1; i < 5; i++) expect(stored[i]?.prevHash).toBe(stored[i - 1]?.contentHash);
        expect(await stack.store.readRange(1, 5, 100)).toEqual(stored);
        expect(await stack.store.readLatest(2)).toEqual(stored.slice(3));
        expect(await stack.store.head()).toEqual({ sequence: 5, contentHash: stored[4]?.contentHash, authorityTimestamp: stored[4]?.authorityTimestamp });
        expect((await verified()).fault).toBeUndefined();
      });
    });

    describe('when many appends arrive at once', () => {
      it('group-commits them without a gap and resolves each with its own event', async () => {
        const submissions = await Promise.all(Array.from({ length: 300 }, (_, i) => stack.submission({ payload: { i } })));
        const stored = await Promise.all(submissions.map((s) => stack.appender.append(s)));
        expect(new Set(stored.map((e) => e.sequence)).size).toBe(300);
        stored.forEach((e, i) => expect(e.eventId).toBe(submissions[i]?.eventId));
        const all = await stack.store.readRange(1, 300, 1000);
        expect(all.map((e) => e.sequence)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
        const report = await verified();
        expect(report.fault).toBeUndefined();
        expect(report.verified).toBe(300);
      });
    });

    describe('when an invalid event is mixed into a batch', () => {
      it('rejects only that event and consumes no sequence', async () => {
        const good = await Promise.all(Array.from({ length: 20 }, (_, i) => stack.submission({ payload: { i } })));
        const duplicate = good[3]!;
        const results = await Promise.allSettled([...good, duplicate].map((s) => stack.appender.append(s)));
        const rejected = results.filter((r) => r.status === 'rejected');
        expect(rejected).toHaveLength(1);
        expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
        expect(((rejected[0] as PromiseRejectedResult).reason as StoreError).code).toBe('STORE_CONFLICT');
        expect((await stack.store.head())?.sequence).toBe(20);
        const next = await stack.appender.append(await stack.submission());
        expect(next.sequence).toBe(21);
      });
    });

    describe('when the agent signature does not verify', () => {
      it('throws SIG_INVALID and stores nothing', async () => {
        const s = await stack.submission();
        await expectRejection(stack.appender.append({ ...s, payload: { n: 2 } }), SignatureError, 'SIG_INVALID');
        expect(await stack.store.head()).toBeUndefined();
      });
    });

    describe('when the signing key is unknown or belongs to another agent', () => {
      it('throws SIG_KEY_UNKNOWN', async () => {
        const s = await stack.submission();
        await expectRejection(stack.appender.append({ ...s, signingKeyId: 'dev-0000000000000000' }), SignatureError, 'SIG_KEY_UNKNOWN');
      });

      it('throws SIG_KEY_AGENT_MISMATCH', async () => {
        const s = await stack.submission({}, 'agent-' + randomUUID());
        await expectRejection(stack.appender.append({ ...s, agentId: 'SYSTEM:EVENT_WRITER' }), SignatureError, 'SIG_KEY_AGENT_MISMATCH');
      });
    });

    describe('when the signing key was closed', () => {
      it('refuses its new events but keeps verifying its history', async () => {
        const agent = 'agent-' + randomUUID();
        const before = await stack.appender.append(await stack.submission({}, agent));
        const key = await stack.keyFor(agent);
        await stack.client.query('UPDATE agent_keys SET active_until = now() WHERE key_id = $1', [key.keyId]);
        await stack.keys.reload();
        const late = await stack.submission({ signingKeyId: key.keyId, agentId: agent });
        await expectRejection(stack.appender.append(late), SignatureError, 'SIG_KEY_INACTIVE');
        expect(before.sequence).toBe(1);
        expect((await verified()).fault).toBeUndefined();
      });
    });

    describe('when the witness registry changes behind the appender\'s back', () => {
      it('selects from the registry as it stands in the appending transaction, so every event still verifies', async () => {
        await stack.appender.append(await stack.submission());
        // Another process registers a witness: this appender's key cache has never heard of it.
        const extra = await stack.custody.generateKey('WITNESS:late-joiner');
        await stack.registry.registerKey({ agentId: 'WITNESS:late-joiner', keyId: extra.keyId, publicKey: extra.publicKey });
        // Selection is uniform over 13 witnesses: 300 events miss the newcomer with probability (12/13)^300 < 1e-10.
        let selected = false;
        for (let i = 0; i < 300 && !selected; i++) selected = (await stack.appender.append(await stack.submission({ payload: { i } }))).witnessId === 'WITNESS:late-joiner';
        expect(selected).toBe(true);
        expect((await verified()).fault).toBeUndefined();
      });
    });

    describe('when the agent is itself a witness', () => {
      it('never selects it to attest its own event', async () => {
        for (let i = 0; i < 12; i++) {
          const stored = await stack.appender.append(await stack.submission({ payload: { i } }, 'WITNESS:dev-01'));
          expect(stored.witnessId).not.toBe('WITNESS:dev-01');
        }
        expect((await verified()).fault).toBeUndefined();
      });
    });

    describe('when another process closed a key this appender has cached as open', () => {
      it('is refused by the database, then the cache reloads and later submissions are refused by name', async () => {
        const agent = 'agent-' + randomUUID();
        const other = new EventAppender({ store: stack.store, keys: new KeyCache(stack.registry), custody: stack.custody, verify: verifyEd25519Sodium });
        await other.append(await stack.submission({}, agent)); // caches the key as open
        const key = await stack.keyFor(agent);
        await stack.client.query('UPDATE agent_keys SET active_until = now() WHERE key_id = $1', [key.keyId]);
        const first = await expectRejection(other.append(await stack.submission({}, agent)), StoreError, 'STORE_REJECTED');
        expect(first.details?.rule).toBe('signing key');
        await expectRejection(other.append(await stack.submission({}, agent)), SignatureError, 'SIG_KEY_INACTIVE');
        expect((await stack.store.head())?.sequence).toBe(1);
      });
    });

    describe('the database itself', () => {
      /** Inserts by hand, bypassing the appender: a copy of stored event 1 at `sequence`, with the given prev_hash or event 1's content_hash. */
      const insertByHand = async (sequence: number, prevHash: string | 'head') => {
        await stack.appender.append(await stack.submission());
        const [e] = await stack.store.readRange(1, 1, 1);
        return stack.client.query(
          `INSERT INTO events (sequence, event_id, event_type, payload, agent_id, signing_key_id, signature, witness_id, witness_signature, prev_hash, content_hash, local_timestamp)
           VALUES ($1, $2, 'test.event', '{}', $3, $4, $5, $6, $7, $8, $9, now())`,
          [sequence, randomUUID(), e!.agentId, e!.signingKeyId, e!.signature, e!.witnessId, e!.witnessSignature, prevHash === 'head' ? e!.contentHash : prevHash, 'a'.repeat(64)],
        );
      };

      it('refuses an insert that skips a sequence, naming FR82', async () => {
        const err = await expectRejection(insertByHand(3, 'head'), StoreError, 'STORE_REJECTED');
        expect(err.message).toMatch(/FR82: sequence gap/);
      });

      it('refuses an insert whose prev_hash is not the head content_hash', async () => {
        const err = await expectRejection(insertByHand(2, 'b'.repeat(64)), StoreError, 'STORE_REJECTED');
        expect(err.message).toMatch(/FR82: prev_hash mismatch at sequence 2/);
      });

      it('refuses UPDATE, DELETE and TRUNCATE of events', async () => {
        await stack.appender.append(await stack.submission());
        for (const sql of ["UPDATE events SET payload = '{\"x\":1}'", 'DELETE FROM events', 'TRUNCATE events']) {
          const err = await expectRejection(stack.client.query(sql), StoreError, 'STORE_REJECTED');
          expect(err.details?.rule).toBe('append-only');
        }
        expect((await stack.store.head())?.sequence).toBe(1);
      });

      it('refuses deleting a key and changing anything but closing it (FR76)', async () => {
        for (const sql of ['DELETE FROM agent_keys', 'TRUNCATE agent_keys', "UPDATE agent_keys SET agent_id = 'agent-x'"]) {
          const err = await expectRejection(stack.client.query(sql), StoreError, 'STORE_REJECTED');
          expect(err.message).toMatch(/FR76/);
        }
      });

      it('refuses a key window that reaches into the stored past (FR76)', async () => {
        await stack.appender.append(await stack.submission());
        const past = `INSERT INTO agent_keys (agent_id, key_id, public_key, active_from) VALUES ('agent-late', 'late-key', $1, now() - interval '1 hour')`;
        const err = await expectRejection(stack.client.query(past, [new Uint8Array(32).fill(5)]), StoreError, 'STORE_REJECTED');
        expect(err.message).toMatch(/FR76: key late-key cannot become active/);
        const close = `UPDATE agent_keys SET active_until = now() - interval '1 hour' WHERE key_id = $1`;
        await expectRejection(stack.client.query(close, [stack.writerKey.keyId]), StoreError, 'STORE_REJECTED');
        expect((await verified()).fault).toBeUndefined();
      });

      it('refuses a key change outside READ COMMITTED, where it could check against a stale head', async () => {
        const err = await expectRejection(
          stack.client.transaction(async (tx) => {
            await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
            await tx.query(`INSERT INTO agent_keys (agent_id, key_id, public_key) VALUES ('agent-rr', 'rr-key', $1)`, [new Uint8Array(32).fill(6)]);
          }),
          StoreError,
          'STORE_REJECTED',
        );
        expect(err.message).toMatch(/READ COMMITTED/);
      });

      it('records clock drift beyond the threshold without rejecting the event', async () => {
        const stored = await stack.appender.append(await stack.submission({ localTimestamp: '2020-01-01T00:00:00.000000Z' }));
        const rows = await stack.client.query<{ event_sequence: number }>('SELECT event_sequence FROM clock_drift_warnings');
        expect(rows).toEqual([{ event_sequence: stored.sequence }]);
        await stack.appender.append(await stack.submission());
        expect(await stack.client.query('SELECT 1 FROM clock_drift_warnings')).toHaveLength(1);
      });
    });
  });
}
