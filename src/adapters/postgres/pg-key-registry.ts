import { canonicalTimestampSql as ts, type SqlClient, type SqlExecutor } from './sql-client.js';
import { takeAppendLock } from './append-lock.js';
import { KeyError } from '../../domain/errors.js';
import type { KeyRegistration, KeyRegistry } from '../../app/ports.js';
import type { KeyRevocation, PublicKeyRecord } from '../../domain/signing/key.types.js';

const KEY_COLUMNS = `key_id, public_key, ${ts('active_from')} AS active_from,
  CASE WHEN active_until IS NULL THEN NULL ELSE ${ts('active_until')} END AS active_until`;
const AGENT_KEY_COLUMNS = `agent_id, ${KEY_COLUMNS}`;
const KEEPER_KEY_COLUMNS = `keeper_id AS agent_id, ${KEY_COLUMNS}`;

/** The two key tables: agent_keys (agents, system actors, witnesses) and keeper_keys (KEEPER:…). */
const TABLES = {
  agent: { table: 'agent_keys', owner: 'agent_id', columns: AGENT_KEY_COLUMNS },
  keeper: { table: 'keeper_keys', owner: 'keeper_id', columns: KEEPER_KEY_COLUMNS },
} as const;
type KeyTable = (typeof TABLES)[keyof typeof TABLES];

/** Every witness key (WITNESS:…), open or closed: what witness selection and attestation need. */
export const WITNESS_KEYS_SQL = `SELECT ${AGENT_KEY_COLUMNS} FROM agent_keys WHERE agent_id LIKE 'WITNESS:%' ORDER BY active_from, key_id`;

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

/** One row expected back from a statement that inserts or updates one key. */
function single(rows: KeyRow[]): PublicKeyRecord {
  const [row] = rows;
  if (row === undefined) throw new Error('key statement returned no row');
  return toPublicKeyRecord(row);
}

/**
 * Inserts `registration` into `t`, first closing the owner's open key (if any) at the same instant. Runs inside a
 * transaction that holds the append lock; the instant is the database clock read after the lock, so it is later
 * than every stored event (migration 003 checks that too).
 */
async function openKey(tx: SqlExecutor, t: KeyTable, { agentId, keyId, publicKey }: KeyRegistration): Promise<{ closed?: PublicKeyRecord; opened: PublicKeyRecord }> {
  const [{ at } = { at: '' }] = await tx.query<{ at: string }>(`SELECT ${ts('clock_timestamp()')} AS at`);
  const closedRows = await tx.query<KeyRow>(
    `UPDATE ${t.table} SET active_until = $2::timestamptz WHERE ${t.owner} = $1 AND active_until IS NULL RETURNING ${t.columns}`,
    [agentId, at],
  );
  const opened = single(
    await tx.query<KeyRow>(`INSERT INTO ${t.table} (${t.owner}, key_id, public_key, active_from) VALUES ($1, $2, $3, $4::timestamptz) RETURNING ${t.columns}`, [
      agentId,
      keyId,
      publicKey,
      at,
    ]),
  );
  return { closed: closedRows[0] && toPublicKeyRecord(closedRows[0]), opened };
}

/** KeyRegistry on agent_keys and keeper_keys (PostgreSQL or PGlite). */
export function createPgKeyRegistry(client: SqlClient): KeyRegistry {
  const locked = <T>(fn: (tx: SqlExecutor) => Promise<T>) =>
    client.transaction(async (tx) => {
      await takeAppendLock(tx);
      return fn(tx);
    });

  return {
    async listKeys() {
      return (await client.query<KeyRow>(`SELECT ${AGENT_KEY_COLUMNS} FROM agent_keys ORDER BY active_from, key_id`)).map(toPublicKeyRecord);
    },
    async listKeeperKeys() {
      return (await client.query<KeyRow>(`SELECT ${KEEPER_KEY_COLUMNS} FROM keeper_keys ORDER BY active_from, key_id`)).map(toPublicKeyRecord);
    },
    async registerKey({ agentId, keyId, publicKey }) {
      // clock_timestamp() after the append lock: later than every stored event, as migration 003 requires.
      return locked(async (tx) =>
        single(await tx.query<KeyRow>(`INSERT INTO agent_keys (agent_id, key_id, public_key, active_from) VALUES ($1, $2, $3, clock_timestamp()) RETURNING ${AGENT_KEY_COLUMNS}`, [agentId, keyId, publicKey])),
      );
    },
    async rotateKey(registration) {
      return locked(async (tx) => {
        const { closed, opened } = await openKey(tx, TABLES.agent, registration);
        if (closed === undefined) {
          // Nothing to rotate from: roll back the insert rather than turn a rotation into a registration.
          throw new KeyError({ code: 'KEY_NOT_OPEN', message: `${registration.agentId} has no open key to rotate; use archon72 keys generate`, details: { agentId: registration.agentId } });
        }
        return { closed, opened };
      });
    },
    async closeKey(keyId) {
      return locked(async (tx) => {
        for (const t of [TABLES.agent, TABLES.keeper]) {
          const [row] = await tx.query<KeyRow>(`SELECT ${t.columns} FROM ${t.table} WHERE key_id = $1`, [keyId]);
          if (row === undefined) continue;
          if (row.active_until !== null) {
            throw new KeyError({ code: 'KEY_NOT_OPEN', message: `key ${keyId} is already closed (active_until ${row.active_until})`, details: { keyId } });
          }
          return single(await tx.query<KeyRow>(`UPDATE ${t.table} SET active_until = clock_timestamp() WHERE key_id = $1 RETURNING ${t.columns}`, [keyId]));
        }
        throw new KeyError({ code: 'KEY_NOT_FOUND', message: `no registered key has the id ${keyId}`, details: { keyId } });
      });
    },
    async registerKeeperKey(registration) {
      return locked(async (tx) => (await openKey(tx, TABLES.keeper, registration)).opened);
    },
    async keeperRegistrationSequence(keyId) {
      const [row] = await client.query<{ sequence: number }>(
        `SELECT sequence FROM events WHERE event_type = 'keeper.key_registered' AND payload->>'key_id' = $1`,
        [keyId],
      );
      return row?.sequence;
    },
    async listRevocations() {
      const rows = await client.query<{ sequence: number; recorded_at: string; payload: Record<string, unknown> }>(
        `SELECT sequence, ${ts('authority_timestamp')} AS recorded_at, payload FROM events WHERE event_type = 'key.revoked' ORDER BY sequence`,
      );
      return rows.map(
        (row): KeyRevocation => ({
          keyId: String(row.payload.key_id),
          agentId: String(row.payload.agent_id),
          activeUntil: String(row.payload.active_until),
          reason: String(row.payload.reason),
          sequence: row.sequence,
          recordedAt: row.recorded_at,
        }),
      );
    },
    async setting(key) {
      const [row] = await client.query<{ value: string }>('SELECT value::text AS value FROM constitutional_config WHERE key = $1', [key]);
      return row === undefined ? undefined : Number(row.value);
    },
  };
}
