import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { createPgMerkleStore } from '../../src/adapters/postgres/pg-merkle-store.js';
import { createPgCheckpointStore } from '../../src/adapters/postgres/pg-checkpoint-store.js';
import { Checkpointer } from '../../src/app/merkle/checkpointer.js';
import { MerkleProofs } from '../../src/app/merkle/merkle-proofs.js';
import { MerkleTreeAppender } from '../../src/app/merkle/tree-appender.js';
import { LOG_SIGNER_ID } from '../../src/app/provision-keys.js';
import { fromBase64 } from '../../src/domain/encoding/bytes.js';
import { verifyConsistency } from '../../src/domain/merkle/consistency-proof.js';
import { verifyInclusion } from '../../src/domain/merkle/inclusion-proof.js';
import { eventLeafHash } from '../../src/domain/merkle/event-leaf.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import type { FastifyInstance } from 'fastify';
import type { CheckpointStore, StoredCheckpoint } from '../../src/app/ports.js';

const ORIGIN = 'archon72.invalid/routes';
const b64 = (text: string) => fromBase64(text) as Uint8Array;

interface CheckpointJson {
  tree_size: number;
  root_hash: string;
  note: string;
  signing_key_id: string;
  created_at: string;
}

/** GET /v1/observer/checkpoints… and /v1/observer/proofs/…: real appends and checkpoints on embedded PGlite. */
describe('proof routes', () => {
  let stack: TestStack;
  let app: FastifyInstance;
  const published: StoredCheckpoint[] = [];
  const get = (url: string) => app.inject({ method: 'GET', url });
  const expectError = async (url: string, status: number, code: string) => {
    const res = await get(url);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json()).toMatchObject({ error: { code, requestId: expect.any(String) } });
    return res.json<{ error: { details?: Record<string, unknown> } }>();
  };

  beforeAll(async () => {
    stack = await createTestStack();
    await stack.keyFor(LOG_SIGNER_ID);
    const merkle = createPgMerkleStore(stack.client);
    const checkpoints = createPgCheckpointStore(stack.client);
    const checkpointer = new Checkpointer(
      {
        tree: new MerkleTreeAppender(merkle),
        merkle,
        checkpoints,
        custody: stack.custody,
        keys: stack.keys,
        verify: verifyEd25519Sodium,
        clock: systemClock,
        integrityFault: () => undefined,
        log: () => undefined,
      },
      { origin: ORIGIN, everyEvents: 1000, intervalSeconds: 60 },
    );
    for (const count of [3, 4, 6]) {
      for (let n = 0; n < count; n++) await stack.appender.append(await stack.submission({ payload: { n } }));
      published.push((await checkpointer.publishNow()) as StoredCheckpoint);
    }
    // Beyond the latest checkpoint: in the tree, but no proof may reach it yet.
    await stack.appender.append(await stack.submission());
    await new MerkleTreeAppender(merkle).catchUp();
    app = buildApp(
      { appender: stack.appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined, proofs: { checkpoints, proofs: new MerkleProofs({ merkle, checkpoints }) } },
      { logLevel: 'silent' },
    );
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });

  describe('GET /v1/observer/checkpoints', () => {
    it('pages through the checkpoints by tree size', async () => {
      const first = await get('/v1/observer/checkpoints?limit=2');
      expect(first.statusCode).toBe(200);
      const page = first.json<{ checkpoints: CheckpointJson[]; next: { after_tree_size: number } | null }>();
      expect(page.checkpoints.map((c) => c.tree_size)).toEqual([3, 7]);
      expect(page.next).toEqual({ after_tree_size: 7 });
      const rest = (await get('/v1/observer/checkpoints?after_tree_size=7')).json<{ checkpoints: CheckpointJson[]; next: unknown }>();
      expect(rest.checkpoints.map((c) => c.tree_size)).toEqual([13]);
      expect(rest.next).toBeNull();
      expect(rest.checkpoints[0]).toEqual({
        tree_size: 13,
        root_hash: Buffer.from(published[2]?.rootHash as Uint8Array).toString('base64'),
        note: published[2]?.note,
        signing_key_id: published[2]?.signingKeyId,
        created_at: published[2]?.createdAt,
      });
    });

    it.each(['limit=0', 'limit=1001', 'limit=x', 'after_tree_size=-1', 'after_tree_size=01', 'page=2'])('refuses ?%s with 400 INPUT_FIELD_INVALID', async (query) => {
      await expectError(`/v1/observer/checkpoints?${query}`, 400, 'INPUT_FIELD_INVALID');
    });
  });

  describe('GET /v1/observer/checkpoints/latest', () => {
    it('answers the signed note as text/plain, byte for byte', async () => {
      const res = await get('/v1/observer/checkpoints/latest');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body).toBe(published[2]?.note);
      expect(res.body.startsWith(`${ORIGIN}\n13\n`)).toBe(true);
    });

    it('answers the checkpoint object with ?format=json', async () => {
      const res = await get('/v1/observer/checkpoints/latest?format=json');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json<CheckpointJson>()).toMatchObject({ tree_size: 13, note: published[2]?.note });
    });

    it('refuses another format with 400', async () => {
      await expectError('/v1/observer/checkpoints/latest?format=xml', 400, 'INPUT_FIELD_INVALID');
    });
  });

  describe('GET /v1/observer/checkpoints/:tree_size', () => {
    it('answers a stored checkpoint, 404 MERKLE_CHECKPOINT_NOT_FOUND for another size, 400 for a non-number', async () => {
      expect((await get('/v1/observer/checkpoints/7')).json<CheckpointJson>().tree_size).toBe(7);
      await expectError('/v1/observer/checkpoints/8', 404, 'MERKLE_CHECKPOINT_NOT_FOUND');
      await expectError('/v1/observer/checkpoints/seven', 400, 'INPUT_FIELD_INVALID');
    });
  });

  describe('GET /v1/observer/proofs/inclusion', () => {
    interface InclusionJson {
      sequence: number;
      leaf_index: number;
      tree_size: number;
      leaf_hash: string;
      root_hash: string;
      inclusion_path: string[];
    }

    it("proves each event in a checkpoint's tree, against that checkpoint's signed root", async () => {
      const events = await stack.store.readRange(1, 13, 100);
      for (const checkpoint of published) {
        for (let sequence = 1; sequence <= checkpoint.treeSize; sequence++) {
          const res = await get(`/v1/observer/proofs/inclusion?sequence=${sequence}&tree_size=${checkpoint.treeSize}`);
          expect(res.statusCode, res.body).toBe(200);
          const proof = res.json<InclusionJson>();
          expect(proof).toMatchObject({ sequence, leaf_index: sequence - 1, tree_size: checkpoint.treeSize });
          expect(b64(proof.leaf_hash)).toEqual(eventLeafHash(events[sequence - 1] as (typeof events)[number]));
          expect(b64(proof.root_hash)).toEqual(checkpoint.rootHash);
          verifyInclusion(sequence - 1, checkpoint.treeSize, b64(proof.leaf_hash), proof.inclusion_path.map(b64), checkpoint.rootHash);
        }
      }
    });

    it('uses the latest checkpoint when tree_size is not given', async () => {
      expect((await get('/v1/observer/proofs/inclusion?sequence=2')).json<InclusionJson>().tree_size).toBe(13);
    });

    it('refuses a sequence beyond the tree or a tree_size beyond the latest checkpoint with 400 MERKLE_RANGE_INVALID', async () => {
      await expectError('/v1/observer/proofs/inclusion?sequence=8&tree_size=7', 400, 'MERKLE_RANGE_INVALID');
      await expectError('/v1/observer/proofs/inclusion?sequence=14', 400, 'MERKLE_RANGE_INVALID');
      const body = await expectError('/v1/observer/proofs/inclusion?sequence=1&tree_size=14', 400, 'MERKLE_RANGE_INVALID');
      expect(body.error.details).toMatchObject({ latestTreeSize: 13 });
    });

    it.each(['', 'sequence=0', 'sequence=x', 'sequence=1e3', 'sequence=%201', 'sequence=1&tree_size=0', 'sequence=1&tree_size=-3', 'sequence=1&leaf=2', `sequence=${'9'.repeat(16)}`])(
      'refuses ?%s with 400 INPUT_FIELD_INVALID',
      async (query) => {
        await expectError(`/v1/observer/proofs/inclusion?${query}`, 400, 'INPUT_FIELD_INVALID');
      },
    );
  });

  describe('GET /v1/observer/proofs/consistency', () => {
    interface ConsistencyJson {
      from_tree_size: number;
      to_tree_size: number;
      from_root_hash: string;
      to_root_hash: string;
      consistency_path: string[];
    }

    it('proves each checkpoint consistent with each later one', async () => {
      for (const older of published) {
        for (const newer of published.filter((c) => c.treeSize >= older.treeSize)) {
          const res = await get(`/v1/observer/proofs/consistency?from=${older.treeSize}&to=${newer.treeSize}`);
          expect(res.statusCode, res.body).toBe(200);
          const proof = res.json<ConsistencyJson>();
          expect(proof).toMatchObject({ from_tree_size: older.treeSize, to_tree_size: newer.treeSize });
          verifyConsistency(older.treeSize, newer.treeSize, proof.consistency_path.map(b64), older.rootHash, newer.rootHash);
        }
      }
      const latest = (await get('/v1/observer/proofs/consistency?from=3')).json<ConsistencyJson>();
      expect(latest.to_tree_size).toBe(13);
    });

    it('refuses end < start and sizes beyond the latest checkpoint with 400 MERKLE_RANGE_INVALID', async () => {
      await expectError('/v1/observer/proofs/consistency?from=7&to=3', 400, 'MERKLE_RANGE_INVALID');
      await expectError('/v1/observer/proofs/consistency?from=3&to=14', 400, 'MERKLE_RANGE_INVALID');
      await expectError('/v1/observer/proofs/consistency?from=14', 400, 'MERKLE_RANGE_INVALID');
    });

    it.each(['', 'from=0', 'from=abc', 'from=1&to=', 'from=1&to=x', 'to=3', 'from=1&since=2'])('refuses ?%s with 400 INPUT_FIELD_INVALID', async (query) => {
      await expectError(`/v1/observer/proofs/consistency?${query}`, 400, 'INPUT_FIELD_INVALID');
    });
  });

  describe('before the first checkpoint', () => {
    it('answers 404 MERKLE_CHECKPOINT_NOT_FOUND for the latest checkpoint and for proofs', async () => {
      const none: CheckpointStore = {
        add: () => Promise.reject(new Error('unused')),
        latest: async () => undefined,
        page: async () => [],
        byTreeSize: async () => undefined,
        latestCheckpoint: async () => undefined,
      };
      const empty = buildApp(
        {
          appender: stack.appender,
          hsmMode: stack.custody.mode,
          pingDatabase: async () => undefined,
          proofs: { checkpoints: none, proofs: new MerkleProofs({ merkle: createPgMerkleStore(stack.client), checkpoints: none }) },
        },
        { logLevel: 'silent' },
      );
      try {
        for (const url of ['/v1/observer/checkpoints/latest', '/v1/observer/checkpoints/latest?format=json', '/v1/observer/proofs/inclusion?sequence=1', '/v1/observer/proofs/consistency?from=1']) {
          const res = await empty.inject({ method: 'GET', url });
          expect(res.statusCode, url).toBe(404);
          expect(res.json()).toMatchObject({ error: { code: 'MERKLE_CHECKPOINT_NOT_FOUND' } });
        }
        expect((await empty.inject({ method: 'GET', url: '/v1/observer/checkpoints' })).json()).toEqual({ checkpoints: [], next: null });
      } finally {
        await empty.close();
      }
    });
  });
});
