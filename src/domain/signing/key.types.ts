/** A registered Ed25519 public key (agent_keys or keeper_keys row), as the domain sees it. */
export interface PublicKeyRecord {
  /** Custody's key id, e.g. `dev-3f2a…` for development keys or the HSM's id. Unique across the registry. */
  keyId: string;
  /** The actor the key belongs to: `SYSTEM:EVENT_WRITER`, `agent-{uuid}`, `WITNESS:{id}`, `KEEPER:{name}`. */
  agentId: string;
  /** 32 raw bytes. */
  publicKey: Uint8Array;
  /** Canonical timestamp from which the key may sign (inclusive). */
  activeFrom: string;
  /** Canonical timestamp from which the key may no longer sign (exclusive); undefined while open. */
  activeUntil: string | undefined;
}

/** Prefix of witness actor ids (docs/PROTOCOL.md §6). */
export const WITNESS_PREFIX = 'WITNESS:';

const WITNESS_ID = /^WITNESS:[A-Za-z0-9][A-Za-z0-9_.\-]*$/;

/** True for a well-formed witness id: WITNESS: then a letter or digit, then letters, digits, _ . - (as migrations 003/004). */
export function isWitnessId(agentId: string): boolean {
  return agentId.length <= 128 && WITNESS_ID.test(agentId);
}

/** True when `key` may sign at canonical timestamp `at`: activeFrom ≤ at < activeUntil. */
export function isKeyActiveAt(key: PublicKeyRecord, at: string): boolean {
  return key.activeFrom <= at && (key.activeUntil === undefined || at < key.activeUntil);
}
