import { canonicalTimestampSql as ts, type SqlClient } from './sql-client.js';
import { takeAppendLock } from './append-lock.js';
import type { KeyRegistry } from '../../app/ports.js';
import type { PublicKeyRecord } from '../../domain/signing/key.types.js';

const KEY_COLUMNS = `agent_id, key_id, public_key, ${ts('active_from')} AS active_from,
  CASE WHEN active_until IS NULL THEN NULL ELSE ${ts('active_until')} END AS active_until`;

const SQL = {
  list: `SELECT ${KEY_COLUMNS} FROM agent_keys ORDER BY active_from, key_id`,
  // clock_timestamp() after the append lock: later than every stored event, as migration 003 requires.
  register: `INSERT INTO agent_keys (agent_id, key_id, public_key, active_from) VALUES ($1, $2, $3, clock_timestamp()) RETURNING ${KEY_COLUMNS}`,
} as const;

/** Every witness key (WITNESS:…), open or closed: what witness selection and attestation need. */
export const WITNESS_KEYS_SQL = `SELECT ${KEY_COLUMNS} FROM agent_keys WHERE agent_id LIKE 'WITNESS:%' ORDER BY active_from, key_id`;

export interface KeyRow {
  agent_id: string;
  key_id: string;
  public_key: Uint8Array;
  active_from: string;
  active_until: string | null;
}

/** Converts a key row to the domain type. */
export function toPublicKeyRecord(row: KeyRow): PublicKeyRecord {
  return {
    agentId: row.agent_id,
    keyId: row.key_id,
    publicKey: new Uint8Array(row.public_key),
    activeFrom: row.active_from,
    activeUntil: row.active_until ?? undefined,
  };
}

/** KeyRegistry on the agent_keys table (PostgreSQL or PGlite). */
export function createPgKeyRegistry(client: SqlClient): KeyRegistry {
  return {
    async listKeys() {
      return (await client.query<KeyRow>(SQL.list)).map(toPublicKeyRecord);
    },
    async registerKey({ agentId, keyId, publicKey }) {
      return client.transaction(async (tx) => {
        await takeAppendLock(tx);
        const [row] = await tx.query<KeyRow>(SQL.register, [agentId, keyId, publicKey]);
        return toPublicKeyRecord(row as KeyRow);
      });
    },
  };
}
