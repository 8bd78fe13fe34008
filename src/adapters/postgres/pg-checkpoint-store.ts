import { fromHex, toBase64, toHex } from '../../domain/encoding/bytes.js';
import { canonicalTimestampSql as ts, type SqlClient } from './sql-client.js';
import type { CheckpointStore, StoredCheckpoint } from '../../app/ports.js';

const COLUMNS = `tree_size, encode(root_hash, 'hex') AS root_hash, note, signing_key_id, ${ts('created_at')} AS created_at`;

const SQL = {
  add: `INSERT INTO checkpoints (tree_size, root_hash, note, signing_key_id) VALUES ($1, decode($2, 'hex'), $3, $4) RETURNING ${COLUMNS}`,
  latest: `SELECT ${COLUMNS} FROM checkpoints ORDER BY tree_size DESC LIMIT 1`,
  page: `SELECT ${COLUMNS} FROM checkpoints WHERE tree_size > $1 ORDER BY tree_size LIMIT $2`,
  byTreeSize: `SELECT ${COLUMNS} FROM checkpoints WHERE tree_size = $1`,
} as const;

interface CheckpointRow {
  tree_size: number;
  root_hash: string;
  note: string;
  signing_key_id: string;
  created_at: string;
}

/** Converts a row to the port's type; nothing above this adapter sees a row. */
function toStoredCheckpoint(row: CheckpointRow): StoredCheckpoint {
  return {
    treeSize: Number(row.tree_size),
    rootHash: fromHex(row.root_hash) as Uint8Array,
    note: row.note,
    signingKeyId: row.signing_key_id,
    createdAt: row.created_at,
  };
}

/**
 * checkpoints (migration 011) over the shared SqlClient. The database refuses what contradicts merkle_nodes (A7211)
 * and every change (A7205); driver errors arrive as StoreError from the client.
 */
export function createPgCheckpointStore(client: SqlClient): CheckpointStore {
  const first = async (sql: string, params: unknown[] = []): Promise<StoredCheckpoint | undefined> => {
    const [row] = await client.query<CheckpointRow>(sql, params);
    return row === undefined ? undefined : toStoredCheckpoint(row);
  };
  return {
    async add(checkpoint) {
      const stored = await first(SQL.add, [checkpoint.treeSize, toHex(checkpoint.rootHash), checkpoint.note, checkpoint.signingKeyId]);
      return stored as StoredCheckpoint;
    },
    latest: () => first(SQL.latest),
    async page(afterTreeSize, limit) {
      return (await client.query<CheckpointRow>(SQL.page, [afterTreeSize, limit])).map(toStoredCheckpoint);
    },
    byTreeSize: (treeSize) => first(SQL.byTreeSize, [treeSize]),
    async latestCheckpoint() {
      const latest = await first(SQL.latest);
      return latest === undefined ? undefined : { treeSize: latest.treeSize, rootHash: toBase64(latest.rootHash), note: latest.note };
    },
  };
}
