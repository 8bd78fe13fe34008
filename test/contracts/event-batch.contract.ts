import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { TestBackend, TestStack } from '../support/test-stack.js';
import { useContractStack } from '../support/contract-stack.js';
import { createTestHalt } from '../support/test-halt.js';
import { expectRejection } from '../support/expect-rejection.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { EventAppender, MAX_SUBMISSION_BATCH } from '../../src/app/event-appender.js';
import { KeyCache } from '../../src/app/key-cache.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { HaltError, InputError, SignatureError, StoreError } from '../../src/domain/errors.js';
import type { EventSubmission, StoredEvent } from '../../src/domain/chain/event.types.js';

/**
 * Agent batches (EventAppender.submitAll) on every backend: all of a batch is stored at consecutive sequences in
 * one transaction, or none of it, whatever refuses it (a signature, a duplicate, the halt, a key closed elsewhere),
 * and batches running next to group-committed single appends keep the chain valid.
 */
export function eventBatchContract(name: string, backend: () => Promise<TestBackend | undefined>): void {
  describe(`agent batches: ${name}`, () => {
    let stack: TestStack;

    useContractStack(backend, (opened) => {
      stack = opened;
    });

    const batch = (n: number, agentId?: string) => Promise.all(Array.from({ length: n }, (_, i) => stack.submission({ payload: { i } }, agentId)));
    const headSequence = async () => (await stack.store.head())?.sequence ?? 0;
    const verified = () => verifyChain({ store: stack.store, registry: stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: true });
    const expectConsecutive = (stored: StoredEvent[]) => stored.forEach((e, i) => expect(e.sequence).toBe((stored[0]?.sequence ?? 0) + i));

    describe('when every submission is valid', () => {
      it('stores them in order at consecutive sequences, in one transaction, and the chain verifies', async () => {
        await stack.appender.append(await stack.submission());
        const submissions = await batch(10);
        const stored = await stack.appender.submitAll(submissions);
        expect(stored.map((e) => e.eventId)).toEqual(submissions.map((s) => s.eventId));
        expect(stored.map((e) => e.sequence)).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
        // One transaction reads the database clock once: every event of it carries the same authority time.
        expect(new Set(stored.map((e) => e.authorityTimestamp)).size).toBe(1);
        expect(await stack.store.readRange(2, 11, 100)).toEqual(stored);
        expect((await verified()).fault).toBeUndefined();
      });

      it('keeps a full batch in one transaction even when group commits are smaller', async () => {
        const appender = new EventAppender({ store: stack.store, keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium }, { maxBatch: 8 });
        const stored = await appender.submitAll(await batch(MAX_SUBMISSION_BATCH));
        expectConsecutive(stored);
        expect(new Set(stored.map((e) => e.authorityTimestamp)).size).toBe(1);
      });
    });

    describe('when one signature does not verify', () => {
      it('throws SIG_INVALID naming its index and stores nothing', async () => {
        const submissions = await batch(5);
        const tampered: EventSubmission[] = submissions.map((s, i) => (i === 3 ? { ...s, payload: { i: 99 } } : s));
        const err = await expectRejection(stack.appender.submitAll(tampered), SignatureError, 'SIG_INVALID');
        expect(err.details?.index).toBe(3);
        expect(err.message).toMatch(/^events\[3\]: /);
        expect(await headSequence()).toBe(0);
      });
    });

    describe('when an event_id appears twice in the batch', () => {
      it('throws INPUT_FIELD_INVALID naming both places and stores nothing', async () => {
        const submissions = await batch(5);
        const err = await expectRejection(stack.appender.submitAll([...submissions, submissions[1]!]), InputError, 'INPUT_FIELD_INVALID');
        expect(err.details).toEqual({ field: 'event_id', duplicateOf: 1, index: 5 });
        expect(await headSequence()).toBe(0);
      });
    });

    describe('when an event_id is already stored', () => {
      it('throws STORE_CONFLICT naming its index, stores nothing and consumes no sequence', async () => {
        const earlier = await stack.appender.append(await stack.submission());
        const submissions = await batch(4);
        const replay = { ...earlier, payload: earlier.payload };
        const err = await expectRejection(stack.appender.submitAll([...submissions.slice(0, 2), replay, ...submissions.slice(2)]), StoreError, 'STORE_CONFLICT');
        expect(err.details).toMatchObject({ index: 2, eventId: earlier.eventId });
        expect(await headSequence()).toBe(1);
        expect((await stack.appender.submitAll(submissions))[0]?.sequence).toBe(2);
      });
    });

    describe('while the system is halted', () => {
      it('is refused by the write gate, like a single append, and stores nothing', async () => {
        const halt = await createTestHalt(stack);
        try {
          await halt.service.halt({ reason: 'batch test', source: 'api', actor: 'admin' });
          const before = await headSequence();
          const err = await expectRejection(halt.appender.submitAll(await batch(3)), HaltError, 'SYSTEM_HALTED');
          expect(err.details?.index).toBe(0);
          await expectRejection(halt.appender.append(await stack.submission()), HaltError, 'SYSTEM_HALTED');
          expect(await headSequence()).toBe(before);
        } finally {
          await halt.stop();
        }
      });

      it('is refused inside the transaction when this appender has not heard of the halt', async () => {
        const halt = await createTestHalt(stack);
        try {
          await halt.service.halt({ reason: 'batch test', source: 'api', actor: 'admin' });
          const before = await headSequence();
          // stack.appender has no gate: the halt is read under the append lock instead.
          await expectRejection(stack.appender.submitAll(await batch(3)), HaltError, 'SYSTEM_HALTED');
          expect(await headSequence()).toBe(before);
        } finally {
          await halt.stop();
        }
      });
    });

    describe('when another process closed a key this appender has cached as open', () => {
      it('reloads its keys and refuses the batch naming the event, SIG_KEY_INACTIVE, storing nothing', async () => {
        const agent = 'agent-' + randomUUID();
        const other = new EventAppender({ store: stack.store, keys: new KeyCache(stack.registry), custody: stack.custody, verify: verifyEd25519Sodium });
        await other.append(await stack.submission({}, agent)); // caches the key as open
        const key = await stack.keyFor(agent);
        const submissions = [await stack.submission(), await stack.submission({}, agent)];
        await stack.client.query('UPDATE agent_keys SET active_until = now() WHERE key_id = $1', [key.keyId]);
        const err = await expectRejection(other.submitAll(submissions), SignatureError, 'SIG_KEY_INACTIVE');
        expect(err.details?.index).toBe(1);
        expect(await headSequence()).toBe(1);
      });
    });

    describe('when batches and single appends arrive at once', () => {
      it('keeps each batch whole and consecutive, and the chain valid', async () => {
        // Small group commits, so many single-append transactions contend for the lock with the batches.
        const appender = new EventAppender({ store: stack.store, keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium }, { maxBatch: 16 });
        const batches = await Promise.all(Array.from({ length: 5 }, () => batch(20)));
        const singles = await batch(100);
        const [batchResults] = await Promise.all([
          Promise.all(batches.map((b) => appender.submitAll(b))),
          Promise.all(singles.map((s) => appender.append(s))),
        ]);
        for (const stored of batchResults) {
          expectConsecutive(stored);
          expect(new Set(stored.map((e) => e.authorityTimestamp)).size).toBe(1);
        }
        const report = await verified();
        expect(report.fault).toBeUndefined();
        expect(report.verified).toBe(200);
      });
    });
  });
}
