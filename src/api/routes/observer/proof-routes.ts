import type { FastifyPluginAsync } from 'fastify';
import { toBase64 } from '../../../domain/encoding/bytes.js';
import { MerkleError } from '../../../domain/errors.js';
import { errorBodySchema } from '../../schemas/error-body.js';
import {
  checkpointPageQuerySchema,
  checkpointPageSchema,
  checkpointSchema,
  consistencyProofSchema,
  consistencyQuerySchema,
  inclusionProofSchema,
  inclusionQuerySchema,
  latestCheckpointQuerySchema,
  treeSizeParamsSchema,
} from '../../schemas/proofs.js';
import type { MerkleProofs } from '../../../app/merkle/merkle-proofs.js';
import type { CheckpointStore, StoredCheckpoint } from '../../../app/ports.js';

export interface ProofRoutesOptions {
  checkpoints: CheckpointStore;
  proofs: MerkleProofs;
}

const tags = ['observer'];
const errors = { 400: errorBodySchema, 500: errorBodySchema, 503: errorBodySchema };

function toCheckpointJson(checkpoint: StoredCheckpoint) {
  return {
    tree_size: checkpoint.treeSize,
    root_hash: toBase64(checkpoint.rootHash),
    note: checkpoint.note,
    signing_key_id: checkpoint.signingKeyId,
    created_at: checkpoint.createdAt,
  };
}

function found(checkpoint: StoredCheckpoint | undefined, what: string): StoredCheckpoint {
  if (checkpoint === undefined) throw new MerkleError({ code: 'MERKLE_CHECKPOINT_NOT_FOUND', message: `no checkpoint ${what}` });
  return checkpoint;
}

/** A query number, already matched against the schema's digit pattern (≤ 15 digits: a safe integer). */
const count = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));

/**
 * The log's checkpoints and Merkle proofs (docs/PROTOCOL.md §15), public like the rest of the observer API. Proofs
 * are only given for trees a published checkpoint covers, so every answer can be anchored to a signed root.
 */
export const proofRoutes: FastifyPluginAsync<ProofRoutesOptions> = async (app, opts) => {
  app.get('/v1/observer/checkpoints', {
    schema: {
      tags,
      summary: 'Page through the checkpoints in tree-size order',
      description: 'Checkpoints with tree_size > after_tree_size, ascending. Follow `next.after_tree_size` until `next` is null.',
      querystring: checkpointPageQuerySchema,
      response: { 200: checkpointPageSchema, ...errors },
    },
    handler: async (request) => {
      const query = request.query as { after_tree_size: string; limit: string };
      const limit = Number(query.limit);
      // One more than asked for tells whether another page exists.
      const rows = await opts.checkpoints.page(Number(query.after_tree_size), limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { checkpoints: page.map(toCheckpointJson), next: rows.length > limit && last !== undefined ? { after_tree_size: last.treeSize } : null };
    },
  });

  app.get('/v1/observer/checkpoints/latest', {
    schema: {
      tags,
      summary: 'The latest checkpoint: its signed note (text/plain), or ?format=json',
      description: 'The C2SP tlog-checkpoint signed note exactly as signed, as text/plain; charset=utf-8. With ?format=json, the checkpoint object.',
      querystring: latestCheckpointQuerySchema,
      response: {
        200: {
          content: {
            'text/plain': { schema: { type: 'string', description: 'The signed note.' } },
            'application/json': { schema: checkpointSchema },
          },
        },
        404: errorBodySchema,
        ...errors,
      },
    },
    handler: async (request, reply) => {
      const latest = found(await opts.checkpoints.latest(), 'has been published yet');
      if ((request.query as { format: string }).format === 'json') return reply.type('application/json; charset=utf-8').send(toCheckpointJson(latest));
      return reply.type('text/plain; charset=utf-8').send(latest.note);
    },
  });

  app.get('/v1/observer/checkpoints/:tree_size', {
    schema: {
      tags,
      summary: 'The checkpoint of one tree size',
      params: treeSizeParamsSchema,
      response: { 200: checkpointSchema, 404: errorBodySchema, ...errors },
    },
    handler: async (request) => {
      const treeSize = Number((request.params as { tree_size: string }).tree_size);
      return toCheckpointJson(found(await opts.checkpoints.byTreeSize(treeSize), `of tree size ${treeSize} is stored`));
    },
  });

  app.get('/v1/observer/proofs/inclusion', {
    schema: {
      tags,
      summary: 'RFC 9162 inclusion proof of an event in a checkpointed tree',
      description: 'Verify with RFC 9162 §2.1.3.2: leaf_index, tree_size, leaf_hash, inclusion_path and a root hash you trust (from a checkpoint).',
      querystring: inclusionQuerySchema,
      response: { 200: inclusionProofSchema, 404: errorBodySchema, ...errors },
    },
    handler: async (request) => {
      const query = request.query as { sequence: string; tree_size?: string };
      const proof = await opts.proofs.inclusion(Number(query.sequence), count(query.tree_size));
      return {
        sequence: proof.sequence,
        leaf_index: proof.leafIndex,
        tree_size: proof.treeSize,
        leaf_hash: toBase64(proof.leafHash),
        root_hash: toBase64(proof.rootHash),
        inclusion_path: proof.inclusionPath.map(toBase64),
      };
    },
  });

  app.get('/v1/observer/proofs/consistency', {
    schema: {
      tags,
      summary: 'RFC 9162 consistency proof between two checkpointed tree sizes',
      description: 'Verify with RFC 9162 §2.1.4.2 against the root hashes of two checkpoints you hold.',
      querystring: consistencyQuerySchema,
      response: { 200: consistencyProofSchema, 404: errorBodySchema, ...errors },
    },
    handler: async (request) => {
      const query = request.query as { from: string; to?: string };
      const proof = await opts.proofs.consistency(Number(query.from), count(query.to));
      return {
        from_tree_size: proof.fromSize,
        to_tree_size: proof.toSize,
        from_root_hash: toBase64(proof.fromRoot),
        to_root_hash: toBase64(proof.toRoot),
        consistency_path: proof.consistencyPath.map(toBase64),
      };
    },
  });
};
