import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { TestBackend, TestStack } from '../support/test-stack.js';
import { useContractStack } from '../support/contract-stack.js';
import { expectRejection } from '../support/expect-rejection.js';
import { PLACEHOLDER_SIGNATURE, registerKeeperByHand } from '../support/keepers.js';
import { StoreError } from '../../src/domain/errors.js';

const HALT_ID = '00000000-0000-0000-0000-000000000001';

/**
 * Migration 007's rule, on every backend: a halt clears only through a recorded halt.cleared ceremony event with
 * a quorum of distinct active keepers, and nothing (application_name, session settings) bypasses it.
 */
export function haltProtectionContract(name: string, backend: () => Promise<TestBackend | undefined>): void {
  describe(`halt clear protection: ${name}`, () => {
    let stack: TestStack;
    let haltSequence: number;

    useContractStack(backend, async (opened) => {
      stack = opened;
      const keeper = (name: string) => ({ keeperId: `KEEPER:${name}`, keyId: `keeper-${name}`, publicKey: new Uint8Array(32).fill(name.length) });
      // The first two keepers are the bootstrap (the quorum is 2); they approve the third.
      await registerKeeperByHand(stack, keeper('alice'));
      await registerKeeperByHand(stack, keeper('bob'));
      await registerKeeperByHand(stack, keeper('carol'), [keeper('alice'), keeper('bob')]);
      const halt = await stack.appender.append(await stack.submission({ eventType: 'halt.triggered', payload: { reason: 'test' } }));
      haltSequence = halt.sequence;
      await stack.client.query(`UPDATE halt_state SET is_halted = true, reason = 'test', halt_event_sequence = $1 WHERE id = $2`, [haltSequence, HALT_ID]);
    });

    const ceremony = async (keepers: string[], ceremonyId = randomUUID(), forHalt = haltSequence) => {
      const payload = { ceremony_id: ceremonyId, halt_sequence: forHalt, keepers: keepers.map((k) => ({ keeper_id: `KEEPER:${k}`, key_id: `keeper-${k}`, signature: PLACEHOLDER_SIGNATURE })) };
      await stack.appender.append(await stack.submission({ eventType: 'halt.cleared', payload }));
      return ceremonyId;
    };
    const clear = (ceremonyId: string | null) =>
      stack.client.query(`UPDATE halt_state SET is_halted = false, reason = NULL, ceremony_id = $1, cleared_at = now() WHERE id = $2`, [ceremonyId, HALT_ID]);
    const halted = async () => (await stack.client.query<{ is_halted: boolean }>('SELECT is_halted FROM halt_state'))[0]?.is_halted;

    it('refuses a clear without a ceremony', async () => {
      const err = await expectRejection(clear(null), StoreError, 'STORE_REJECTED');
      expect(err.details?.rule).toBe('halt protection');
      expect(await halted()).toBe(true);
    });

    it('refuses a ceremony id with no halt.cleared event', async () => {
      await expectRejection(clear(randomUUID()), StoreError, 'STORE_REJECTED');
    });

    it('refuses a ceremony signed by one keeper, or by the same keeper twice', async () => {
      await expectRejection(clear(await ceremony(['alice'])), StoreError, 'STORE_REJECTED');
      await expectRejection(clear(await ceremony(['alice', 'alice'])), StoreError, 'STORE_REJECTED');
      expect(await halted()).toBe(true);
    });

    it('refuses keepers named with a key that is not theirs', async () => {
      const id = randomUUID();
      const payload = { ceremony_id: id, halt_sequence: haltSequence, keepers: [{ keeper_id: 'KEEPER:alice', key_id: 'keeper-alice' }, { keeper_id: 'KEEPER:mallory', key_id: 'keeper-bob' }] };
      await stack.appender.append(await stack.submission({ eventType: 'halt.cleared', payload }));
      await expectRejection(clear(id), StoreError, 'STORE_REJECTED');
    });

    it('refuses a ceremony made for another halt', async () => {
      await expectRejection(clear(await ceremony(['alice', 'bob'], randomUUID(), haltSequence + 100)), StoreError, 'STORE_REJECTED');
    });

    it('is not bypassed by application_name or session settings', async () => {
      const id = await ceremony(['alice']);
      const err = await expectRejection(
        stack.client.transaction(async (tx) => {
          await tx.query(`SET LOCAL application_name = 'archon72_migration'`);
          await tx.query(`SELECT set_config('archon72.bypass_halt_protection', 'true', true)`);
          await tx.query(`UPDATE halt_state SET is_halted = false, ceremony_id = $1 WHERE id = $2`, [id, HALT_ID]);
        }),
        StoreError,
        'STORE_REJECTED',
      );
      expect(err.details?.rule).toBe('halt protection');
    });

    it('clears with two distinct active keepers, once', async () => {
      const id = await ceremony(['alice', 'bob']);
      await clear(id);
      expect(await halted()).toBe(false);
      // A second halt cannot be cleared by replaying the first ceremony.
      const again = await stack.appender.append(await stack.submission({ eventType: 'halt.triggered', payload: { reason: 'again' } }));
      await stack.client.query(`UPDATE halt_state SET is_halted = true, reason = 'again', halt_event_sequence = $1 WHERE id = $2`, [again.sequence, HALT_ID]);
      await expectRejection(clear(id), StoreError, 'STORE_REJECTED');
    });

    it('records where the chain stood when the halt was raised, whatever the writer says', async () => {
      const [row] = await stack.client.query<{ halted_after_sequence: number }>('SELECT halted_after_sequence FROM halt_state');
      expect(row?.halted_after_sequence).toBe(haltSequence);
    });

    it('refuses any change to a halt in force, so an old ceremony cannot be made to fit', async () => {
      const earlier = await ceremony(['alice', 'bob']); // stored now, but then un-clearable by tampering below
      for (const sql of [
        `UPDATE halt_state SET halt_event_sequence = NULL, ceremony_id = NULL`,
        `UPDATE halt_state SET halted_after_sequence = 0`,
        `UPDATE halt_state SET reason = 'something else'`,
      ]) {
        const err = await expectRejection(stack.client.query(sql), StoreError, 'STORE_REJECTED');
        expect(err.message).toMatch(/CT-11: a halt in force cannot be altered/);
      }
      await clear(earlier); // the untouched record still clears with a valid ceremony
      expect(await halted()).toBe(false);
    });

    it('refuses a ceremony stored before the halt was raised', async () => {
      await clear(await ceremony(['alice', 'bob']));
      const stale = await ceremony(['alice', 'bob'], randomUUID(), haltSequence); // made while not halted
      await stack.client.query(`UPDATE halt_state SET is_halted = true, reason = 'second', halt_event_sequence = NULL WHERE id = $1`, [HALT_ID]);
      await expectRejection(clear(stale), StoreError, 'STORE_REJECTED');
    });

    it('never lets the singleton row be deleted or a second row exist', async () => {
      await expectRejection(stack.client.query('DELETE FROM halt_state'), StoreError, 'STORE_REJECTED');
      await expectRejection(stack.client.query('TRUNCATE halt_state'), StoreError, 'STORE_REJECTED');
      await expectRejection(stack.client.query(`INSERT INTO halt_state (id) VALUES (gen_random_uuid())`), StoreError, 'STORE_REJECTED');
    });
  });
}
