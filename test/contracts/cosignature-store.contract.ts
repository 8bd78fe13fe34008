import { describe, expect, it } from 'vitest';
import { createPgCosignatureStore } from '../../src/adapters/postgres/pg-cosignature-store.js';
import { LOG_SIGNER_ID } from '../../src/app/provision-keys.js';
import { StoreError } from '../../src/domain/errors.js';
import { expectRejection } from '../support/expect-rejection.js';
import { useContractStack } from '../support/contract-stack.js';
import type { CosignatureStore, StoredCosignature } from '../../src/app/ports.js';
import type { TestBackend, TestStack } from '../support/test-stack.js';

/**
 * The CosignatureStore contract over the cosignatures table (migration 011): run on PGlite and on PostgreSQL.
 * Checkpoints of tree sizes 1 and 2 are stored first, straight in SQL with the migration's own functions (the
 * stored tree's leaves and root), so the table's foreign key and the checkpoint triggers are satisfied.
 */
export function cosignatureStoreContract(name: string, backend: () => Promise<TestBackend | undefined>): void {
  describe(`CosignatureStore (${name})`, () => {
    let stack: TestStack;
    let store: CosignatureStore;
    useContractStack(backend, async (opened) => {
      stack = opened;
      store = createPgCosignatureStore(stack.client);
      const logKey = await stack.keyFor(LOG_SIGNER_ID);
      for (let i = 0; i < 2; i++) await stack.appender.append(await stack.submission());
      await stack.client.exec(`
        INSERT INTO merkle_nodes (level, index, hash) VALUES (0, 0, merkle_leaf_hash(1));
        INSERT INTO merkle_nodes (level, index, hash) VALUES (0, 1, merkle_leaf_hash(2));
        INSERT INTO merkle_nodes (level, index, hash)
          SELECT 1, 0, sha256('\\x01'::bytea || l.hash || r.hash) FROM merkle_nodes l, merkle_nodes r
           WHERE l.level = 0 AND l.index = 0 AND r.level = 0 AND r.index = 1;`);
      for (const size of [1, 2]) {
        await stack.client.query(
          `INSERT INTO checkpoints (tree_size, root_hash, note, signing_key_id)
             SELECT $1::bigint, merkle_root($1), 'log.test/a' || E'\\n' || $1 || E'\\n' || encode(merkle_root($1), 'base64') || E'\\n\\n\\u2014 log.test/a AAAAAAE=\\n', $2`,
          [size, logKey.keyId],
        );
      }
    });

    const cosignature = (treeSize: number, cosigner: string, fill: number): StoredCosignature => ({
      treeSize,
      cosigner,
      keyId: Uint8Array.of(fill, 2, 3, 4),
      timestamp: 1_798_761_600 + fill,
      signature: new Uint8Array(64).fill(fill),
    });

    it('stores cosignatures and returns those of one checkpoint, by cosigner name, byte for byte', async () => {
      expect(await store.add(cosignature(2, 'witness-b.test/w1', 2))).toBe(true);
      expect(await store.add(cosignature(2, 'witness-a.test/w1', 1))).toBe(true);
      expect(await store.add(cosignature(1, 'witness-a.test/w1', 3))).toBe(true);
      expect(await store.forCheckpoint(2)).toEqual([cosignature(2, 'witness-a.test/w1', 1), cosignature(2, 'witness-b.test/w1', 2)]);
      expect(await store.forCheckpoint(1)).toEqual([cosignature(1, 'witness-a.test/w1', 3)]);
      expect(await store.forCheckpoint(7)).toEqual([]);
    });

    it('keeps the first cosignature of a cosigner on a checkpoint (a second answers false) and never changes it', async () => {
      await store.add(cosignature(1, 'witness-a.test/w1', 1));
      expect(await store.add(cosignature(1, 'witness-a.test/w1', 9))).toBe(false);
      expect((await store.forCheckpoint(1))[0]?.timestamp).toBe(1_798_761_601);
      // Append-only (A7205): the database refuses to change or delete it.
      await expect(stack.client.query('UPDATE cosignatures SET cosigned_at = 0')).rejects.toThrow();
      await expect(stack.client.query('DELETE FROM cosignatures')).rejects.toThrow();
      expect(await store.forCheckpoint(1)).toHaveLength(1);
    });

    it('refuses (STORE_REJECTED) a cosignature of a tree size with no checkpoint, or a malformed one', async () => {
      await expectRejection(store.add(cosignature(3, 'witness-a.test/w1', 1)), StoreError, 'STORE_REJECTED');
      await expectRejection(store.add(cosignature(1, 'a b', 1)), StoreError, 'STORE_REJECTED');
      await expectRejection(store.add({ ...cosignature(1, 'w', 1), signature: new Uint8Array(63) }), StoreError, 'STORE_REJECTED');
    });
  });
}
