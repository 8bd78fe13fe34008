import { describe, it, expect } from 'vitest';
import type { TestBackend, TestStack } from '../support/test-stack.js';
import { useContractStack } from '../support/contract-stack.js';
import { expectRejection } from '../support/expect-rejection.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { createPgMerkleStore } from '../../src/adapters/postgres/pg-merkle-store.js';
import { createPgCheckpointStore } from '../../src/adapters/postgres/pg-checkpoint-store.js';
import { MerkleTreeAppender } from '../../src/app/merkle/tree-appender.js';
import { MerkleProofs } from '../../src/app/merkle/merkle-proofs.js';
import { Checkpointer, type CheckpointerOptions } from '../../src/app/merkle/checkpointer.js';
import { verifyCheckpointAnchors } from '../../src/app/merkle/checkpoint-anchors.js';
import { checkCheckpointAnchors } from '../../src/app/preoperational/governance-checks.js';
import { LOG_SIGNER_ID } from '../../src/app/provision-keys.js';
import { CONSTITUTIONAL_LIMITS, governanceSettings } from '../../src/domain/governance/constitutional-limits.js';
import { MerkleError, StoreError } from '../../src/domain/errors.js';
import { rootFromLeafHashes } from '../../src/domain/merkle/compact-range.js';
import { eventLeafHash } from '../../src/domain/merkle/event-leaf.js';
import { verifyConsistency } from '../../src/domain/merkle/consistency-proof.js';
import { verifyInclusion } from '../../src/domain/merkle/inclusion-proof.js';
import { checkpointBody, logKeyId, parseCheckpointBody, signatureLine } from '../../src/domain/note/checkpoint-note.js';
import { formatSignedNote, parseSignedNote } from '../../src/domain/note/signed-note.js';
import { verifyNoteSignature } from '../../src/domain/note/verify-note.js';
import { toHex, utf8 } from '../../src/domain/encoding/bytes.js';
import type { MerkleStore, StoredCheckpoint } from '../../src/app/ports.js';
import type { SqlClient } from '../../src/adapters/postgres/sql-client.js';
import type { StoredEvent } from '../../src/domain/chain/event.types.js';
import type { NodeId } from '../../src/domain/merkle/subtree-range.js';

const ORIGIN = 'archon72.invalid/contract';
const MAX_AGE = CONSTITUTIONAL_LIMITS.checkpoint_max_age_seconds.initial;

/** A MerkleStore that counts node reads, and can be told to fail. */
function instrumented(inner: MerkleStore) {
  const reads: number[] = [];
  let failAppendAfter = Number.POSITIVE_INFINITY;
  let appends = 0;
  let corrupt: ((id: NodeId, hash: Uint8Array | undefined) => Uint8Array | undefined) | undefined;
  const store: MerkleStore = {
    treeSize: () => inner.treeSize(),
    readLeafEvents: (after, limit) => inner.readLeafEvents(after, limit),
    async readNodes(ids) {
      reads.push(ids.length);
      const hashes = await inner.readNodes(ids);
      return corrupt === undefined ? hashes : hashes.map((h, i) => corrupt?.(ids[i] as NodeId, h));
    },
    async appendNodes(fromSize, nodes) {
      appends += 1;
      // The process "dies" here: the page is never sent to the database.
      if (appends > failAppendAfter) throw new Error('killed between pages');
      return inner.appendNodes(fromSize, nodes);
    },
  };
  return {
    store,
    reads,
    killAfterPages(pages: number) {
      failAppendAfter = pages;
    },
    corruptWith(fn: typeof corrupt) {
      corrupt = fn;
    },
  };
}

/**
 * Issue 6 on every backend: merkle_nodes holds the RFC 6962 tree of the events and refuses any node it cannot
 * recompute; the appender catches up page by page and recovers from a crash between pages; proofs read O(log n)
 * nodes and verify; the checkpointer signs only trees consistent with the last checkpoint; checkpoints are
 * append-only and agree with the tree; the pre-operational checkpoint_anchors check verifies the latest one.
 */
export function merkleContract(name: string, backend: () => Promise<TestBackend | undefined>): void {
  describe(`merkle tree and checkpoints: ${name}`, () => {
    let stack: TestStack;
    useContractStack(backend, (opened) => {
      stack = opened;
    });

    const merkle = () => createPgMerkleStore(stack.client);
    const checkpoints = () => createPgCheckpointStore(stack.client);
    const appendEvents = async (count: number): Promise<StoredEvent[]> => {
      const stored = await Promise.all(Array.from({ length: count }, async (_, n) => stack.appender.append(await stack.submission({ payload: { n } }))));
      return stored.sort((a, b) => a.sequence - b.sequence);
    };
    const allEvents = () => stack.store.readRange(1, Number.MAX_SAFE_INTEGER, 1_000_000);
    const expectedRoot = async (size: number) => rootFromLeafHashes((await allEvents()).slice(0, size).map(eventLeafHash));
    const checkpointer = (options: Partial<CheckpointerOptions> = {}, store: MerkleStore = merkle(), faults: string[] = [], clock = systemClock) =>
      new Checkpointer(
        {
          tree: new MerkleTreeAppender(store, 7),
          merkle: store,
          checkpoints: checkpoints(),
          custody: stack.custody,
          keys: stack.keys,
          verify: verifyEd25519Sodium,
          clock,
          integrityFault: (description) => {
            faults.push(description);
          },
          log: () => undefined,
        },
        { origin: ORIGIN, everyEvents: 1000, intervalSeconds: 60, ...options },
      );
    const publish = async (): Promise<StoredCheckpoint> => {
      await stack.keyFor(LOG_SIGNER_ID);
      const published = await checkpointer().publishNow();
      if (published === undefined) throw new Error('nothing published');
      return published;
    };
    /** Runs `sql` as the owner with the named table's user triggers off (what an intruder with the owner's rights could do). */
    const withoutTriggers = async (table: string, sql: string, params: unknown[] = []) => {
      await stack.client.transaction(async (tx) => {
        await tx.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
        await tx.query(sql, params);
        await tx.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
      });
    };

    describe('the tree appender', () => {
      it('catches merkle_nodes up with the events, page by page, to the RFC 6962 tree of their leaves', async () => {
        await appendEvents(23);
        const store = merkle();
        expect(await store.treeSize()).toBe(0);
        expect(await new MerkleTreeAppender(store, 5).catchUp()).toBe(23);
        expect(await store.treeSize()).toBe(23);
        // Every perfect subtree is stored: 23 leaves, 11 + 5 + 2 + 1 parents.
        const [{ n }] = (await stack.client.query<{ n: number }>('SELECT count(*)::int AS n FROM merkle_nodes')) as [{ n: number }];
        expect(n).toBe(23 + 11 + 5 + 2 + 1);
        expect(await new MerkleTreeAppender(store).catchUp()).toBe(23);
        await appendEvents(2);
        expect(await new MerkleTreeAppender(store).catchUp()).toBe(25);
        expect(toHex(rootFromLeafHashes((await allEvents()).map(eventLeafHash)))).toBe(toHex(await expectedRoot(25)));
      });

      it('recovers when killed between pages: the next catch-up continues from what was stored', async () => {
        await appendEvents(30);
        const dying = instrumented(merkle());
        dying.killAfterPages(2);
        await expect(new MerkleTreeAppender(dying.store, 8).catchUp()).rejects.toThrow('killed between pages');
        expect(await merkle().treeSize()).toBe(16);
        const published = await publish();
        expect(published.treeSize).toBe(30);
        expect(toHex(published.rootHash)).toBe(toHex(await expectedRoot(30)));
      });

      it('stores nothing of a page whose transaction dies before COMMIT', async () => {
        await appendEvents(12);
        const dyingClient: SqlClient = {
          ...stack.client,
          query: (text, params) => stack.client.query(text, params),
          transaction: (fn) =>
            stack.client.transaction(async (tx) => {
              await fn(tx);
              throw new Error('killed before COMMIT');
            }),
        };
        await expect(new MerkleTreeAppender(createPgMerkleStore(dyingClient), 5).catchUp()).rejects.toThrow('killed before COMMIT');
        expect(await merkle().treeSize()).toBe(0);
        expect(await new MerkleTreeAppender(merkle(), 5).catchUp()).toBe(12);
      });

      it('two appenders racing store each node once and agree', async () => {
        await appendEvents(40);
        const sizes = await Promise.all([new MerkleTreeAppender(merkle(), 3).catchUp(), new MerkleTreeAppender(merkle(), 4).catchUp()]);
        expect(sizes).toEqual([40, 40]);
        const [{ n }] = (await stack.client.query<{ n: number }>('SELECT count(*)::int AS n FROM merkle_nodes WHERE level = 0')) as [{ n: number }];
        expect(n).toBe(40);
      });
    });

    describe('merkle_nodes (migration 011)', () => {
      it('appendNodes returns false, storing nothing, when the tree size moved', async () => {
        await appendEvents(2);
        await new MerkleTreeAppender(merkle()).catchUp();
        expect(await merkle().appendNodes(0, [{ level: 0, index: 0, hash: new Uint8Array(32) }])).toBe(false);
        expect(await merkle().treeSize()).toBe(2);
      });

      it("refuses a node that is not its event's leaf hash or its children's hash, a gap, an orphan (A7211)", async () => {
        const [e1] = await appendEvents(3);
        const leaf1 = eventLeafHash(e1 as StoredEvent);
        const insert = (level: number, index: number, hash: Uint8Array) => stack.client.query('INSERT INTO merkle_nodes (level, index, hash) VALUES ($1, $2, decode($3, $4))', [level, index, toHex(hash), 'hex']);
        for (const attempt of [() => insert(0, 0, new Uint8Array(32)), () => insert(0, 1, leaf1), () => insert(1, 0, new Uint8Array(32)), () => insert(0, 5, leaf1)]) {
          const err = await expectRejection(attempt(), StoreError, 'STORE_REJECTED');
          expect(err.details).toMatchObject({ rule: 'merkle tree', sqlstate: 'A7211' });
        }
        await insert(0, 0, leaf1);
        expect(await merkle().treeSize()).toBe(1);
      });

      it('is append-only (A7205)', async () => {
        await appendEvents(2);
        await new MerkleTreeAppender(merkle()).catchUp();
        for (const sql of ['UPDATE merkle_nodes SET hash = hash', 'DELETE FROM merkle_nodes', 'TRUNCATE merkle_nodes CASCADE']) {
          const err = await expectRejection(stack.client.query(sql), StoreError, 'STORE_REJECTED');
          expect(err.details).toMatchObject({ sqlstate: 'A7205' });
        }
      });
    });

    describe('proofs', () => {
      it('refuse before the first checkpoint (MERKLE_CHECKPOINT_NOT_FOUND)', async () => {
        const proofs = new MerkleProofs({ merkle: merkle(), checkpoints: checkpoints() });
        await expectRejection(proofs.inclusion(1), MerkleError, 'MERKLE_CHECKPOINT_NOT_FOUND');
        await expectRejection(proofs.consistency(1), MerkleError, 'MERKLE_CHECKPOINT_NOT_FOUND');
      });

      it('prove every event in every tree size up to the checkpoint, each in one read of O(log n) nodes, and every size consistent with it', async () => {
        await appendEvents(21);
        const checkpoint = await publish();
        const reader = instrumented(merkle());
        const proofs = new MerkleProofs({ merkle: reader.store, checkpoints: checkpoints() });
        const events = await allEvents();
        for (let size = 1; size <= checkpoint.treeSize; size++) {
          const root = rootFromLeafHashes(events.slice(0, size).map(eventLeafHash));
          for (let sequence = 1; sequence <= size; sequence++) {
            const proof = await proofs.inclusion(sequence, size);
            expect(proof.leafHash).toEqual(eventLeafHash(events[sequence - 1] as StoredEvent));
            verifyInclusion(sequence - 1, size, proof.leafHash, proof.inclusionPath, root);
          }
          const consistency = await proofs.consistency(size);
          expect(consistency.toSize).toBe(checkpoint.treeSize);
          verifyConsistency(size, checkpoint.treeSize, consistency.consistencyPath, root, checkpoint.rootHash);
        }
        // One read per proof, of at most 3·⌈log2 n⌉ + 3 nodes (leaf, root, path; the right edge folded).
        expect(reader.reads.length).toBe((21 * 22) / 2 + 21);
        expect(Math.max(...reader.reads)).toBeLessThanOrEqual(3 * Math.ceil(Math.log2(21)) + 3);
        const latest = await proofs.inclusion(5);
        expect(latest.treeSize).toBe(21);
        expect(latest.rootHash).toEqual(checkpoint.rootHash);
      });

      it('refuse sizes beyond the latest checkpoint and sequences beyond the tree (MERKLE_RANGE_INVALID)', async () => {
        await appendEvents(5);
        await publish();
        await appendEvents(3);
        await new MerkleTreeAppender(merkle()).catchUp();
        const proofs = new MerkleProofs({ merkle: merkle(), checkpoints: checkpoints() });
        const attempts = [() => proofs.inclusion(1, 6), () => proofs.inclusion(6, 5), () => proofs.inclusion(0), () => proofs.consistency(1, 6), () => proofs.consistency(4, 3), () => proofs.consistency(0, 5)];
        for (const attempt of attempts) await expectRejection(attempt(), MerkleError, 'MERKLE_RANGE_INVALID');
      });
    });

    describe('the checkpointer', () => {
      it('signs a C2SP checkpoint with the SYSTEM:LOG key and stores it; it verifies with the registry key', async () => {
        await appendEvents(9);
        const checkpoint = await publish();
        expect(checkpoint.treeSize).toBe(9);
        expect(toHex(checkpoint.rootHash)).toBe(toHex(await expectedRoot(9)));
        const logKey = await stack.keyFor(LOG_SIGNER_ID);
        expect(checkpoint.signingKeyId).toBe(logKey.keyId);
        const note = parseSignedNote(checkpoint.note);
        expect(note.text).toBe(checkpointBody({ origin: ORIGIN, treeSize: 9, rootHash: checkpoint.rootHash }));
        expect(parseCheckpointBody(note.text)).toMatchObject({ origin: ORIGIN, treeSize: 9, extensions: [] });
        verifyNoteSignature(note, { keyName: ORIGIN, publicKey: logKey.publicKey }, verifyEd25519Sodium);
        expect(await checkpoints().byTreeSize(9)).toEqual(checkpoint);
        expect(await checkpoints().latestCheckpoint()).toEqual({ treeSize: 9, rootHash: Buffer.from(checkpoint.rootHash).toString('base64'), note: checkpoint.note });
      });

      it('publishes every N events or after T seconds, never when nothing is new', async () => {
        await stack.keyFor(LOG_SIGNER_ID);
        const published: number[] = [];
        const every5 = checkpointer({ everyEvents: 5, intervalSeconds: 3600 });
        every5.onPublished((c) => published.push(c.treeSize));
        expect(await every5.tick()).toBeUndefined();
        await appendEvents(3);
        expect((await every5.tick())?.treeSize).toBe(3); // the first checkpoint is due at once
        await appendEvents(4);
        expect(await every5.tick()).toBeUndefined(); // 4 < 5 new events, not old enough
        await appendEvents(1);
        expect((await every5.tick())?.treeSize).toBe(8);
        await appendEvents(1);
        expect(await checkpointer({ everyEvents: 1000, intervalSeconds: 3600 }).tick()).toBeUndefined();
        const clockAhead = { now: () => new Date(Date.now() + 3601_000).toISOString().replace('Z', '000Z') };
        const late = checkpointer({ everyEvents: 1000, intervalSeconds: 3600 }, merkle(), [], clockAhead);
        expect((await late.tick())?.treeSize).toBe(9);
        expect(published).toEqual([3, 8]);
        const page = await checkpoints().page(0, 10);
        expect(page.map((c) => c.treeSize)).toEqual([3, 8, 9]);
        expect((await checkpoints().page(3, 1)).map((c) => c.treeSize)).toEqual([8]);
      });

      it('runs on its timer, and a stop with flush anchors the last events', async () => {
        await stack.keyFor(LOG_SIGNER_ID);
        await appendEvents(2);
        const running = checkpointer({ everyEvents: 1, intervalSeconds: 3600, pollMs: 20 });
        running.start();
        running.start();
        for (let i = 0; i < 100 && (await checkpoints().latest()) === undefined; i++) await new Promise((r) => setTimeout(r, 20));
        await running.stop();
        expect((await checkpoints().latest())?.treeSize).toBe(2);
        await appendEvents(1);
        const idle = checkpointer({ everyEvents: 1000, intervalSeconds: 3600 });
        await idle.stop({ flush: true });
        expect((await checkpoints().latest())?.treeSize).toBe(3);
      });

      it('two checkpointers racing store one checkpoint and neither fails', async () => {
        await stack.keyFor(LOG_SIGNER_ID);
        await appendEvents(6);
        const results = await Promise.all([checkpointer().publishNow(), checkpointer().publishNow()]);
        expect(results.filter((r) => r !== undefined).length).toBeGreaterThanOrEqual(1);
        expect((await checkpoints().page(0, 10)).map((c) => c.treeSize)).toEqual([6]);
      });

      it('never signs a tree inconsistent with the last checkpoint: it reports an integrity fault and stops', async () => {
        await appendEvents(4);
        const first = await publish();
        await appendEvents(3);
        const lying = instrumented(merkle());
        // merkle_nodes now "says" another subtree of leaves 0–3 than the one the signed checkpoint covers.
        lying.corruptWith((id, hash) => (id.level === 2 && id.index === 0 ? new Uint8Array(32).fill(9) : hash));
        const faults: string[] = [];
        const faulty = checkpointer({}, lying.store, faults);
        await expectRejection(faulty.publishNow(), MerkleError, 'MERKLE_TREE_INCONSISTENT');
        expect(faults).toHaveLength(1);
        expect(faults[0]).toMatch(/not consistent with the published checkpoint of tree size 4/);
        expect(faulty.isFaulted).toBe(true);
        expect((await checkpoints().latest())?.treeSize).toBe(first.treeSize);
        await expectRejection(faulty.publishNow(), MerkleError, 'MERKLE_TREE_INCONSISTENT');
        expect(await faulty.tick()).toBeUndefined();
        faulty.start();
        await faulty.stop({ flush: true });
        expect(faults).toHaveLength(1);
      });
    });

    describe('checkpoints (migration 011)', () => {
      const signedNote = async (treeSize: number, rootHash: Uint8Array, origin = ORIGIN) => {
        const key = await stack.keyFor(LOG_SIGNER_ID);
        const body = checkpointBody({ origin, treeSize, rootHash });
        return { key, note: formatSignedNote(body, [signatureLine(origin, logKeyId(origin, key.publicKey), await stack.custody.sign(key.keyId, utf8(body)))]) };
      };

      it('refuse a smaller tree size, another root, a note of another size, a key not of SYSTEM:LOG (A7211), a repeat (conflict)', async () => {
        await appendEvents(6);
        const tree = new MerkleTreeAppender(merkle());
        await tree.catchUp();
        const store = checkpoints();
        const root4 = await expectedRoot(4);
        const { key, note } = await signedNote(4, root4);
        const add = (treeSize: number, rootHash: Uint8Array, text = note, signingKeyId = key.keyId) => store.add({ treeSize, rootHash, note: text, signingKeyId });
        const refused = async (attempt: Promise<unknown>) => {
          const err = await expectRejection(attempt, StoreError, 'STORE_REJECTED');
          expect(err.details).toMatchObject({ rule: 'merkle tree', sqlstate: 'A7211' });
        };
        await refused(add(4, await expectedRoot(5)));
        await refused(add(5, await expectedRoot(5)));
        await refused(add(4, root4, note, stack.writerKey.keyId));
        await refused(add(7, root4, (await signedNote(7, root4)).note)); // beyond the stored tree
        const stored = await add(4, root4);
        expect(stored.treeSize).toBe(4);
        await expectRejection(add(4, root4), StoreError, 'STORE_CONFLICT');
        const { note: note6 } = await signedNote(6, await expectedRoot(6));
        await add(6, await expectedRoot(6), note6);
        await refused(add(5, await expectedRoot(5), (await signedNote(5, await expectedRoot(5))).note));
      });

      it('are append-only, and so are their cosignatures (A7205)', async () => {
        await appendEvents(2);
        await publish();
        await stack.client.query(`INSERT INTO cosignatures (tree_size, cosigner, key_id, cosigned_at, signature) VALUES (2, 'witness.example', decode('01020304', 'hex'), 1798761600, decode($1, 'hex'))`, ['00'.repeat(64)]);
        await expectRejection(stack.client.query(`INSERT INTO cosignatures (tree_size, cosigner, key_id, cosigned_at, signature) VALUES (2, 'witness.example', decode('01020304', 'hex'), 1, decode($1, 'hex'))`, ['00'.repeat(64)]), StoreError, 'STORE_CONFLICT');
        for (const table of ['checkpoints', 'cosignatures']) {
          for (const sql of [`UPDATE ${table} SET tree_size = tree_size`, `DELETE FROM ${table}`, `TRUNCATE ${table} CASCADE`]) {
            const err = await expectRejection(stack.client.query(sql), StoreError, 'STORE_REJECTED');
            expect(err.details).toMatchObject({ sqlstate: 'A7205' });
          }
        }
      });

      describe('checkpoint_anchors (pre-operational)', () => {
        const anchors = (now = systemClock.now(), origin: string | undefined = ORIGIN, maxAgeSeconds: number = MAX_AGE) =>
          verifyCheckpointAnchors(
            { checkpoints: checkpoints(), merkle: merkle(), store: stack.store, keys: stack.keys, verify: verifyEd25519Sodium, allowDevelopmentKeys: true },
            { maxAgeSeconds, origin, now },
          );
        const hoursAhead = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString().replace('Z', '000Z');

        it('is skipped for an empty log or without the store, warns for events without a checkpoint', async () => {
          expect((await anchors()).status).toBe('skipped');
          const settings = governanceSettings(new Map());
          expect((await checkCheckpointAnchors(undefined, settings, systemClock.now(), ORIGIN)).status).toBe('skipped');
          await appendEvents(1);
          expect((await anchors()).status).toBe('warning');
        });

        it('passes for a checkpoint signed by the log key whose root the events give; warns when it is only old because the service was down', async () => {
          await appendEvents(5);
          await publish();
          expect(await anchors()).toMatchObject({ check: 'checkpoint_anchors', status: 'passed' });
          const deps = { checkpoints: checkpoints(), merkle: merkle(), store: stack.store, keys: stack.keys, verify: verifyEd25519Sodium, allowDevelopmentKeys: false };
          // Through the pre-operational entry point; production refuses the development log key.
          const production = await checkCheckpointAnchors(deps, governanceSettings(new Map()), systemClock.now(), ORIGIN);
          expect(production).toMatchObject({ status: 'failed' });
          expect(production.detail).toMatch(/development key/);
          expect((await checkCheckpointAnchors({ ...deps, allowDevelopmentKeys: true }, governanceSettings(new Map()), systemClock.now(), ORIGIN)).status).toBe('passed');
          await appendEvents(2);
          expect((await anchors()).status).toBe('passed');
          expect((await anchors(hoursAhead(2))).status).toBe('warning');
        });

        it('fails when events were appended longer than checkpoint_max_age_seconds after the latest checkpoint', async () => {
          await appendEvents(3);
          await publish();
          await new Promise((resolve) => setTimeout(resolve, 1100));
          await appendEvents(1);
          expect((await anchors(undefined, ORIGIN, 60)).status).toBe('passed');
          const result = await anchors(undefined, ORIGIN, 1);
          expect(result.status).toBe('failed');
          expect(result.detail).toMatch(/checkpointer stalled/);
        });

        it("fails for another log's checkpoint, a broken signature, a key not of SYSTEM:LOG, or a root the events do not give", async () => {
          await appendEvents(4);
          const checkpoint = await publish();
          expect((await anchors(undefined, 'another.log/origin')).detail).toMatch(/is not this log's/);
          const line = checkpoint.note.split('\n').at(-2) as string;
          const broken = checkpoint.note.replace(line, `${line.slice(0, -6)}AAAAA=`);
          await withoutTriggers('checkpoints', 'UPDATE checkpoints SET note = $1', [broken]);
          expect(await anchors()).toMatchObject({ status: 'failed' });
          await withoutTriggers('checkpoints', 'UPDATE checkpoints SET note = $1, signing_key_id = $2', [checkpoint.note, stack.writerKey.keyId]);
          expect((await anchors()).detail).toMatch(/is not a registered SYSTEM:LOG key/);
          // A checkpoint of another tree, validly signed: its root is not what the events give.
          const forged = await signedNote(4, new Uint8Array(32).fill(7));
          await withoutTriggers('checkpoints', `UPDATE checkpoints SET note = $1, signing_key_id = $2, root_hash = decode($3, 'hex')`, [forged.note, forged.key.keyId, '07'.repeat(32)]);
          expect((await anchors()).detail).toMatch(/is not the root of events 1–4/);
        });

        it('with everyNode, fails for any stored node the events do not give, even one the root is not folded from', async () => {
          await appendEvents(6);
          await publish();
          const every = () =>
            verifyCheckpointAnchors(
              { checkpoints: checkpoints(), merkle: merkle(), store: stack.store, keys: stack.keys, verify: verifyEd25519Sodium, allowDevelopmentKeys: true },
              { maxAgeSeconds: MAX_AGE, origin: ORIGIN, now: systemClock.now(), everyNode: true },
            );
          expect((await every()).status).toBe('passed');
          // Leaf 2 (level 0, index 1) is inside the perfect subtree of leaves 1–4: the root is folded from its parent's parent.
          await withoutTriggers('merkle_nodes', `UPDATE merkle_nodes SET hash = decode($1, 'hex') WHERE level = 0 AND index = 1`, ['09'.repeat(32)]);
          expect((await anchors()).status).toBe('passed');
          expect(await every()).toMatchObject({ status: 'failed', detail: 'checkpoint of tree size 6: merkle_nodes holds another node at level 0, index 1 than the events give' });
          await withoutTriggers('merkle_nodes', `DELETE FROM merkle_nodes WHERE level = 0 AND index = 1`);
          expect((await every()).detail).toBe('checkpoint of tree size 6: merkle_nodes lacks the node at level 0, index 1');
        });
      });
    });
  });
}
