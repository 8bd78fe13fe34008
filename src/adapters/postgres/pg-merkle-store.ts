import { fromHex, toHex } from '../../domain/encoding/bytes.js';
import { StoreError } from '../../domain/errors.js';
import type { SqlClient } from './sql-client.js';
import type { LeafEvent, MerkleStore } from '../../app/ports.js';
import type { MerkleNode, NodeId } from '../../domain/merkle/subtree-range.js';

/**
 * Key of the transaction-scoped advisory lock that serialises tree appends across processes, so the tree-size
 * check and the insert of one page are atomic. Correctness does not depend on it: the primary key and
 * verify_merkle_node_on_insert (migration 011) refuse a duplicate, a gap or a wrong hash from any writer.
 */
export const MERKLE_APPEND_LOCK_KEY = 72_000_012;

// Hashes travel as hex text and are decoded in SQL: one encoding that both drivers pass the same way, arrays included.
const SQL = {
  treeSize: `SELECT coalesce(max(index) + 1, 0) AS tree_size FROM merkle_nodes WHERE level = 0`,
  readNodes: `SELECT n.level, n.index, encode(n.hash, 'hex') AS hash
    FROM unnest($1::smallint[], $2::bigint[]) AS wanted (level, index)
    JOIN merkle_nodes n ON n.level = wanted.level AND n.index = wanted.index`,
  leafEvents: `SELECT sequence, content_hash, witness_signature, witness_id FROM events WHERE sequence > $1 ORDER BY sequence LIMIT $2`,
  lock: `SELECT pg_advisory_xact_lock(${MERKLE_APPEND_LOCK_KEY})`,
  // Row triggers check each node against the rows before it, so the nodes go in in the order given (children first).
  insertNodes: `INSERT INTO merkle_nodes (level, index, hash)
    SELECT level, index, decode(hash, 'hex') FROM unnest($1::smallint[], $2::bigint[], $3::text[]) WITH ORDINALITY AS n (level, index, hash, ord)
    ORDER BY ord`,
} as const;

interface NodeRow {
  level: number;
  index: number;
  hash: string;
}

interface LeafEventRow {
  sequence: number;
  content_hash: string;
  witness_signature: string;
  witness_id: string;
}

const nodeKey = (level: number, index: number): string => `${level}:${index}`;

/** merkle_nodes over the shared SqlClient (PostgreSQL and PGlite alike). */
export function createPgMerkleStore(client: SqlClient): MerkleStore {
  const treeSize = async (tx: Pick<SqlClient, 'query'>): Promise<number> => {
    const [row] = await tx.query<{ tree_size: number }>(SQL.treeSize);
    return Number(row?.tree_size ?? 0);
  };
  return {
    treeSize: () => treeSize(client),
    async readNodes(ids: readonly NodeId[]) {
      if (ids.length === 0) return [];
      const rows = await client.query<NodeRow>(SQL.readNodes, [ids.map((id) => id.level), ids.map((id) => id.index)]);
      const found = new Map(rows.map((row) => [nodeKey(Number(row.level), Number(row.index)), row.hash]));
      return ids.map((id) => {
        const hex = found.get(nodeKey(id.level, id.index));
        return hex === undefined ? undefined : fromHex(hex);
      });
    },
    async readLeafEvents(afterSequence: number, limit: number): Promise<LeafEvent[]> {
      const rows = await client.query<LeafEventRow>(SQL.leafEvents, [afterSequence, limit]);
      return rows.map((row) => ({ sequence: Number(row.sequence), contentHash: row.content_hash, witnessSignature: row.witness_signature, witnessId: row.witness_id }));
    },
    async appendNodes(fromSize: number, nodes: readonly MerkleNode[]) {
      try {
        return await client.transaction(async (tx) => {
          await tx.query(SQL.lock);
          if ((await treeSize(tx)) !== fromSize) return false;
          await tx.query(SQL.insertNodes, [nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => toHex(n.hash))]);
          return true;
        });
      } catch (err) {
        // A writer that does not take the lock got there first: nothing of this page was stored.
        if (err instanceof StoreError && err.code === 'STORE_CONFLICT') return false;
        throw err;
      }
    },
  };
}
