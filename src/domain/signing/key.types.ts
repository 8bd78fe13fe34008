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

/** A recorded revocation: a key.revoked event (docs/PROTOCOL.md §9.2). */
export interface KeyRevocation {
  keyId: string;
  agentId: string;
  /** The key's active_until: signatures at or after it never verify. */
  activeUntil: string;
  reason: string;
  /** Sequence and authority time of the key.revoked event. */
  sequence: number;
  recordedAt: string;
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

/** Prefix of development key ids (docs/PROTOCOL.md §9): keys made by the software HSM, never by a real one. */
export const DEV_KEY_PREFIX = 'dev-';

/** True when `keyId` is a development key id: the public record marks dev-signed history by this prefix. */
export function isDevelopmentKeyId(keyId: string): boolean {
  return keyId.startsWith(DEV_KEY_PREFIX);
}

/** Prefix of keeper ids. */
export const KEEPER_PREFIX = 'KEEPER:';

const KEEPER_ID = /^KEEPER:[A-Za-z0-9][A-Za-z0-9_.\-]*$/;

/** True for a well-formed keeper id, KEEPER:{name} (as migration 003's CHECK on keeper_keys). */
export function isKeeperId(id: string): boolean {
  return id.length <= 128 && KEEPER_ID.test(id);
}
