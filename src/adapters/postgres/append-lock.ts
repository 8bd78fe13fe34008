/**
 * Key of the transaction-scoped advisory lock that serialises appends and key-registry changes across every
 * process sharing the database. migrations/003_key_registry.sql takes the same lock (by number) in its key
 * triggers, so a key can never be registered or closed between an append reading the registry and committing.
 * Appends' correctness does not depend on it: the primary key on sequence and verify_hash_chain_on_insert refuse
 * a fork or a gap from any writer, locked or not.
 */
export const APPEND_LOCK_KEY = 72_000_001;

/** SQL that takes the append lock for the rest of the current transaction. */
export const TAKE_APPEND_LOCK = `SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`;
