import { fromHex, toHex } from '../encoding/bytes.js';
import { isCanonicalTimestamp } from '../chain/timestamp.js';
import { InputError } from '../errors.js';
import { isDevelopmentKeyId, isKeeperId, isWitnessId, type KeyRevocation, type PublicKeyRecord } from './key.types.js';

/** Format tag of the public key set document (docs/PROTOCOL.md §9.3). */
export const PUBLIC_KEY_SET_FORMAT = 'archon72-public-keys/v1';

export type ActorKind = 'witness' | 'keeper' | 'system' | 'agent';

/** One key in the public key set, as JSON. */
export interface PublicKeyEntry {
  actor_id: string;
  kind: ActorKind;
  key_id: string;
  algorithm: 'Ed25519';
  /** 32 bytes, lowercase hex. */
  public_key: string;
  active_from: string;
  /** null while the key is open. */
  active_until: string | null;
  /** True for a development key (key_id starts with dev-): never evidence in production. */
  development: boolean;
  /** The key.revoked event, when the key was revoked for compromise. */
  revocation: { sequence: number; recorded_at: string; reason: string } | null;
}

/** The document an offline verifier needs: every public key with its validity window and revocation. */
export interface PublicKeySet {
  format: typeof PUBLIC_KEY_SET_FORMAT;
  generated_at: string;
  keys: PublicKeyEntry[];
}

/** What kind of actor an id names, from its prefix. */
export function actorKind(actorId: string): ActorKind {
  if (isWitnessId(actorId)) return 'witness';
  if (isKeeperId(actorId)) return 'keeper';
  if (actorId.startsWith('SYSTEM:')) return 'system';
  return 'agent';
}

/** Builds the public key set from registry rows and recorded revocations, sorted by actor then window. */
export function buildPublicKeySet(keys: readonly PublicKeyRecord[], revocations: readonly KeyRevocation[], generatedAt: string): PublicKeySet {
  const revoked = new Map(revocations.map((r) => [r.keyId, r]));
  const entries = keys.map((key): PublicKeyEntry => {
    const r = revoked.get(key.keyId);
    return {
      actor_id: key.agentId,
      kind: actorKind(key.agentId),
      key_id: key.keyId,
      algorithm: 'Ed25519',
      public_key: toHex(key.publicKey),
      active_from: key.activeFrom,
      active_until: key.activeUntil ?? null,
      development: isDevelopmentKeyId(key.keyId),
      revocation: r === undefined ? null : { sequence: r.sequence, recorded_at: r.recordedAt, reason: r.reason },
    };
  });
  entries.sort((a, b) => compare(a.actor_id, b.actor_id) || compare(a.active_from, b.active_from) || compare(a.key_id, b.key_id));
  return { format: PUBLIC_KEY_SET_FORMAT, generated_at: generatedAt, keys: entries };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Reads a public key set document back into registry records, checking every member: what an offline verifier
 * does before trusting it. Throws InputError INPUT_FIELD_INVALID naming the bad member.
 */
export function parsePublicKeySet(input: unknown): PublicKeyRecord[] {
  const doc = input as Partial<PublicKeySet> | null;
  if (typeof doc !== 'object' || doc === null || doc.format !== PUBLIC_KEY_SET_FORMAT) fail('format', `must be "${PUBLIC_KEY_SET_FORMAT}"`);
  if (!Array.isArray(doc.keys)) fail('keys', 'must be an array');
  return doc.keys.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Partial<PublicKeyEntry>;
    const at = `keys[${i}]`;
    if (typeof e.actor_id !== 'string' || e.actor_id === '') fail(`${at}.actor_id`, 'must be a non-empty string');
    if (typeof e.key_id !== 'string' || e.key_id === '') fail(`${at}.key_id`, 'must be a non-empty string');
    if (e.algorithm !== 'Ed25519') fail(`${at}.algorithm`, 'must be "Ed25519"');
    const publicKey = typeof e.public_key === 'string' && /^[0-9a-f]{64}$/.test(e.public_key) ? fromHex(e.public_key) : undefined;
    if (publicKey === undefined) fail(`${at}.public_key`, 'must be 64 lowercase hex digits (32 bytes)');
    if (typeof e.active_from !== 'string' || !isCanonicalTimestamp(e.active_from)) fail(`${at}.active_from`, 'must be a canonical timestamp');
    if (e.active_until !== null && (typeof e.active_until !== 'string' || !isCanonicalTimestamp(e.active_until) || e.active_until < e.active_from)) {
      fail(`${at}.active_until`, 'must be null or a canonical timestamp not before active_from');
    }
    return { agentId: e.actor_id, keyId: e.key_id, publicKey, activeFrom: e.active_from, activeUntil: e.active_until ?? undefined };
  });
}

function fail(field: string, rule: string): never {
  throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `public key set: ${field} ${rule}`, details: { field } });
}
