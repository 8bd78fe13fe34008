import { fromHex, toHex } from '../../domain/encoding/bytes.js';
import { toStoreError } from './store-errors.js';
import type { SqlClient } from './sql-client.js';
import type { CosignatureStore, StoredCosignature } from '../../app/ports.js';

const SQL = {
  // At most one cosignature per checkpoint and cosigner (the primary key): a second one is ignored, not an error.
  add: `INSERT INTO cosignatures (tree_size, cosigner, key_id, cosigned_at, signature)
    VALUES ($1, $2, decode($3, 'hex'), $4, decode($5, 'hex'))
    ON CONFLICT (tree_size, cosigner) DO NOTHING
    RETURNING tree_size`,
  forCheckpoint: `SELECT tree_size, cosigner, encode(key_id, 'hex') AS key_id, cosigned_at, encode(signature, 'hex') AS signature
    FROM cosignatures WHERE tree_size = $1 ORDER BY cosigner`,
} as const;

interface CosignatureRow {
  tree_size: number | string;
  cosigner: string;
  key_id: string;
  cosigned_at: number | string;
  signature: string;
}

/** Converts a row to the port's type; nothing above this adapter sees a row. */
function toStoredCosignature(row: CosignatureRow): StoredCosignature {
  return {
    treeSize: Number(row.tree_size),
    cosigner: row.cosigner,
    keyId: fromHex(row.key_id) as Uint8Array,
    timestamp: Number(row.cosigned_at),
    signature: fromHex(row.signature) as Uint8Array,
  };
}

/**
 * cosignatures (migration 011), on PostgreSQL or PGlite: verified C2SP tlog-cosignature/v1 cosignatures of stored
 * checkpoints, append-only (A7205). A cosignature for a tree size with no checkpoint is refused by the foreign key
 * (StoreError STORE_REJECTED).
 */
export function createPgCosignatureStore(client: SqlClient): CosignatureStore {
  return {
    async add(c) {
      try {
        const rows = await client.query(SQL.add, [c.treeSize, c.cosigner, toHex(c.keyId), c.timestamp, toHex(c.signature)]);
        return rows.length === 1;
      } catch (err) {
        throw toStoreError(err, `storing the cosignature of ${c.cosigner} on tree size ${c.treeSize}`);
      }
    },
    async forCheckpoint(treeSize) {
      try {
        return (await client.query<CosignatureRow>(SQL.forCheckpoint, [treeSize])).map(toStoredCosignature);
      } catch (err) {
        throw toStoreError(err, `reading the cosignatures of tree size ${treeSize}`);
      }
    },
  };
}
