import type { SqlExecutor } from './sql-client.js';

/**
 * Key of the transaction-scoped advisory lock that serialises appends and key-registry changes across every
 * process sharing the database. migrations/003_key_registry.sql takes the same lock (by number) in its key
 * triggers, so a key can never be registered or closed between an append reading the registry and committing.
 * Appends' correctness does not depend on it: the primary key on sequence and verify_hash_chain_on_insert refuse
 * a fork or a gap from any writer, locked or not.
 */
export const APPEND_LOCK_KEY = 72_000_001;

/**
 * Starts an append-serialised transaction: pins READ COMMITTED (each later statement then sees everything
 * committed before the lock was granted; under REPEATABLE READ a read after the lock could miss it), then takes
 * the append lock for the rest of the transaction. Must be the first thing the transaction does.
 */
export async function takeAppendLock(tx: SqlExecutor): Promise<void> {
  await tx.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
  await tx.query(`SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`);
}
