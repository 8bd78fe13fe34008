import { isKeyActiveAt, isWitnessId, type PublicKeyRecord } from './key.types.js';
import { SignatureError } from '../errors.js';

/**
 * An in-memory view of the key registry, fed already-loaded keys (it never fetches). Answers the two
 * questions verification asks: which key signed this event, and which witnesses were in the pool at a time.
 */
export class Keyring {
  private readonly byId = new Map<string, PublicKeyRecord>();
  private readonly witnesses: PublicKeyRecord[] = [];

  constructor(keys: Iterable<PublicKeyRecord>) {
    for (const key of keys) {
      this.byId.set(key.keyId, key);
      if (isWitnessId(key.agentId)) this.witnesses.push(key);
    }
  }

  /** The key with this id, or undefined. */
  get(keyId: string): PublicKeyRecord | undefined {
    return this.byId.get(keyId);
  }

  /** Every key registered to `agentId`, open or closed, in registration order. */
  keysOf(agentId: string): PublicKeyRecord[] {
    return [...this.byId.values()].filter((k) => k.agentId === agentId);
  }

  /**
   * The key `keyId`, checked to belong to `agentId` (not yet whether it is active).
   * Throws SIG_KEY_UNKNOWN or SIG_KEY_AGENT_MISMATCH.
   */
  requireAgentKey(keyId: string, agentId: string): PublicKeyRecord {
    const key = this.byId.get(keyId);
    if (key === undefined) {
      throw new SignatureError({ code: 'SIG_KEY_UNKNOWN', message: `unknown signing key ${keyId}`, details: { keyId } });
    }
    if (key.agentId !== agentId) {
      throw new SignatureError({
        code: 'SIG_KEY_AGENT_MISMATCH',
        message: `signing key ${keyId} belongs to ${key.agentId}, not ${agentId}`,
        details: { keyId, agentId },
      });
    }
    return key;
  }

  /**
   * The key `keyId`, checked to belong to `agentId` and to be active at `at`.
   * Throws SIG_KEY_UNKNOWN, SIG_KEY_AGENT_MISMATCH or SIG_KEY_INACTIVE.
   */
  requireSigningKey(keyId: string, agentId: string, at: string): PublicKeyRecord {
    const key = this.requireAgentKey(keyId, agentId);
    if (!isKeyActiveAt(key, at)) {
      throw new SignatureError({
        code: 'SIG_KEY_INACTIVE',
        message: `signing key ${keyId} is not active at ${at}`,
        details: { keyId, at },
      });
    }
    return key;
  }

  /**
   * The witness pool for an event by `agentId` at `at`: ids of witnesses with a key active at `at`, other than the
   * agent itself (no actor attests its own event), sorted by UTF-16 code units (the order selection indexes into).
   */
  witnessPoolAt(at: string, agentId: string): string[] {
    const ids = new Set<string>();
    for (const key of this.witnesses) if (key.agentId !== agentId && isKeyActiveAt(key, at)) ids.add(key.agentId);
    return [...ids].sort();
  }

  /**
   * Keys of witness `witnessId` active at `at`, newest first. Normally one: the registry allows one open key per
   * actor, and a rotation closes the old key at the instant the new one opens. A key closed with a future
   * active_until can overlap its successor, so a verifier accepts a signature by any of them.
   */
  witnessKeysAt(witnessId: string, at: string): PublicKeyRecord[] {
    return this.witnesses
      .filter((k) => k.agentId === witnessId && isKeyActiveAt(k, at))
      .sort((a, b) => (a.activeFrom < b.activeFrom ? 1 : a.activeFrom > b.activeFrom ? -1 : 0));
  }

  /** The newest key of witness `witnessId` active at `at` (the one to sign with). Throws SIG_KEY_UNKNOWN when it has none. */
  requireWitnessKey(witnessId: string, at: string): PublicKeyRecord {
    const [key] = this.witnessKeysAt(witnessId, at);
    if (key === undefined) {
      throw new SignatureError({
        code: 'SIG_KEY_UNKNOWN',
        message: `witness ${witnessId} has no key active at ${at}`,
        details: { witnessId, at },
      });
    }
    return key;
  }
}
