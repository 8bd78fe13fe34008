import { verifyContentHash, verifyLink } from './chain/verify-link.js';
import { verifyAgentSignature, verifyWitnessSignature } from './signing/verify-signatures.js';
import { selectWitness } from './witness/select-witness.js';
import { SignatureError } from './errors.js';
import type { ChainLink, StoredEvent } from './chain/event.types.js';
import type { Ed25519Verify } from './signing/ed25519.js';
import type { Keyring } from './signing/keyring.js';
import { isDevelopmentKeyId, type PublicKeyRecord } from './signing/key.types.js';

/** What a verifier accepts beyond the protocol's rules. */
export interface VerificationPolicy {
  /**
   * Accept events whose agent key or witness key is a development key (§9). A production verifier passes false:
   * history signed by software keys is not evidence of anything in production.
   */
  allowDevelopmentKeys: boolean;
}

/**
 * Every check an outsider makes on one stored event, in the order docs/PROTOCOL.md §7 gives:
 * chain link to `prev`, recomputed content_hash, agent key active at authority time, agent signature,
 * witness selection, witness key active at authority time, witness signature.
 * Under a production policy, a development agent or witness key fails with SIG_DEVELOPMENT_KEY.
 * Throws the first ChainError / SignatureError / WitnessError found; returns nothing on success.
 */
export function verifyStoredEvent(
  prev: ChainLink | undefined,
  event: StoredEvent,
  keyring: Keyring,
  verify: Ed25519Verify,
  policy: VerificationPolicy,
): void {
  verifyLink(prev, event);
  verifyContentHash(event);
  const agentKey = keyring.requireSigningKey(event.signingKeyId, event.agentId, event.authorityTimestamp);
  if (!policy.allowDevelopmentKeys) refuseDevelopmentKey(event.sequence, 'agent', agentKey);
  verifyAgentSignature(event, agentKey, verify);
  const expectedWitness = selectWitness(keyring.witnessPoolAt(event.authorityTimestamp, event.agentId), event.prevHash, event.sequence);
  if (event.witnessId !== expectedWitness) {
    throw new SignatureError({
      code: 'SIG_WITNESS_NOT_SELECTED',
      message: `sequence ${event.sequence} is attested by ${event.witnessId}, but the selection rule picks ${expectedWitness}`,
      details: { sequence: event.sequence, witnessId: event.witnessId, expectedWitness },
    });
  }
  keyring.requireWitnessKey(event.witnessId, event.authorityTimestamp); // SIG_KEY_UNKNOWN when it had none
  const witnessKeys = keyring.witnessKeysAt(event.witnessId, event.authorityTimestamp);
  if (!policy.allowDevelopmentKeys) for (const key of witnessKeys) refuseDevelopmentKey(event.sequence, 'witness', key);
  verifyWitnessSignature(event, witnessKeys, verify);
}

function refuseDevelopmentKey(sequence: number, role: 'agent' | 'witness', key: PublicKeyRecord): void {
  if (!isDevelopmentKeyId(key.keyId)) return;
  throw new SignatureError({
    code: 'SIG_DEVELOPMENT_KEY',
    message: `sequence ${sequence} is signed by the ${role} development key ${key.keyId} (${key.agentId}); a production verifier accepts no development keys`,
    details: { sequence, keyId: key.keyId, role },
  });
}
