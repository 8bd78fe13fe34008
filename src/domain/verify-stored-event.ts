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

/** Everything one event's checks read: the event, its stored predecessor (undefined at sequence 1) and the trust material. */
export interface EventCheckContext {
  readonly prev: ChainLink | undefined;
  readonly event: StoredEvent;
  readonly keyring: Keyring;
  readonly verify: Ed25519Verify;
  readonly policy: VerificationPolicy;
}

/** Stable ids of the per-event checks, in docs/PROTOCOL.md §7.1 order. */
export type EventCheckId = 'chain-link' | 'content-hash' | 'agent-signature' | 'witness-selection' | 'witness-signature';

/** One named check on one event: returns nothing when it holds, throws the typed error of the first rule it breaks. */
export interface EventCheck {
  readonly id: EventCheckId;
  /** A short human name, for reports that list the checks one by one. */
  readonly label: string;
  readonly run: (context: EventCheckContext) => void;
}

/**
 * Every check an outsider makes on one stored event, in the order docs/PROTOCOL.md §7.1 gives (its steps 1–7):
 * - chain-link (1): sequence and prev_hash continue `prev`, authority time does not run backwards
 *   (CHAIN_SEQUENCE_GAP, CHAIN_PREV_HASH_MISMATCH, CHAIN_TIMESTAMP_REGRESSION);
 * - content-hash (2): the recomputed content_hash equals the stored one (CHAIN_CONTENT_HASH_MISMATCH,
 *   INPUT_PAYLOAD_INVALID);
 * - agent-signature (3–4): the signing key belongs to the agent and is active at authority time, then the signature
 *   verifies (SIG_KEY_UNKNOWN, SIG_KEY_AGENT_MISMATCH, SIG_KEY_INACTIVE, SIG_DEVELOPMENT_KEY, SIG_MALFORMED, SIG_INVALID);
 * - witness-selection (5): witness_id is the witness the selection rule picks (WITNESS_POOL_EMPTY, SIG_WITNESS_NOT_SELECTED);
 * - witness-signature (6–7): a key of the witness active at authority time verifies the attestation
 *   (SIG_KEY_UNKNOWN, SIG_DEVELOPMENT_KEY, SIG_MALFORMED, SIG_WITNESS_INVALID).
 * Each check may assume the ones before it held: run them in this order and stop at the first that throws.
 */
export const EVENT_CHECKS: readonly EventCheck[] = [
  { id: 'chain-link', label: 'Link to the previous event', run: ({ prev, event }) => verifyLink(prev, event) },
  { id: 'content-hash', label: 'Content hash', run: ({ event }) => verifyContentHash(event) },
  { id: 'agent-signature', label: 'Agent signature', run: checkAgentSignature },
  { id: 'witness-selection', label: 'Witness selection', run: checkWitnessSelection },
  { id: 'witness-signature', label: 'Witness signature', run: checkWitnessSignature },
];

/**
 * Runs every check of EVENT_CHECKS on one stored event, in order.
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
  const context: EventCheckContext = { prev, event, keyring, verify, policy };
  for (const check of EVENT_CHECKS) check.run(context);
}

function checkAgentSignature({ event, keyring, verify, policy }: EventCheckContext): void {
  const agentKey = keyring.requireSigningKey(event.signingKeyId, event.agentId, event.authorityTimestamp);
  // The production refusal comes before the signature: a development key is refused whether or not it verifies.
  if (!policy.allowDevelopmentKeys) refuseDevelopmentKey(event.sequence, 'agent', agentKey);
  verifyAgentSignature(event, agentKey, verify);
}

function checkWitnessSelection({ event, keyring }: EventCheckContext): void {
  const expectedWitness = selectWitness(keyring.witnessPoolAt(event.authorityTimestamp, event.agentId), event.prevHash, event.sequence);
  if (event.witnessId !== expectedWitness) {
    throw new SignatureError({
      code: 'SIG_WITNESS_NOT_SELECTED',
      message: `sequence ${event.sequence} is attested by ${event.witnessId}, but the selection rule picks ${expectedWitness}`,
      details: { sequence: event.sequence, witnessId: event.witnessId, expectedWitness },
    });
  }
}

function checkWitnessSignature({ event, keyring, verify, policy }: EventCheckContext): void {
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
