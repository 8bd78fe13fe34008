import { eventSignatureMessage, witnessSignatureMessage } from './messages.js';
import { fromBase64 } from '../encoding/bytes.js';
import { SignatureError } from '../errors.js';
import type { Ed25519Verify } from './ed25519.js';
import type { PublicKeyRecord } from './key.types.js';
import type { EventSubmission, StoredEvent } from '../chain/event.types.js';

/**
 * Verifies the agent's signature over the signed body with `key` (already resolved and checked active).
 * Throws SignatureError SIG_MALFORMED (not 64 bytes of canonical base64) or SIG_INVALID.
 */
export function verifyAgentSignature(event: EventSubmission, key: PublicKeyRecord, verify: Ed25519Verify): void {
  const signature = decodeSignature(event.signature, 'signature');
  if (!verify(signature, eventSignatureMessage(event), key.publicKey)) {
    throw new SignatureError({
      code: 'SIG_INVALID',
      message: `agent signature does not verify with key ${key.keyId}`,
      details: { keyId: key.keyId, eventId: event.eventId },
    });
  }
}

/**
 * Verifies the witness's attestation of content_hash against the keys the witness held at authority time
 * (normally exactly one; see Keyring.witnessKeysAt): it holds if any of them verifies.
 * Throws SignatureError SIG_MALFORMED or SIG_WITNESS_INVALID.
 */
export function verifyWitnessSignature(event: StoredEvent, keys: readonly PublicKeyRecord[], verify: Ed25519Verify): void {
  const signature = decodeSignature(event.witnessSignature, 'witness_signature');
  const message = witnessSignatureMessage(event.contentHash);
  if (!keys.some((key) => verify(signature, message, key.publicKey))) {
    throw new SignatureError({
      code: 'SIG_WITNESS_INVALID',
      message: `witness signature of ${event.witnessId} does not verify at sequence ${event.sequence}`,
      details: { witnessId: event.witnessId, sequence: event.sequence },
    });
  }
}

/** 64 signature bytes from padded canonical base64, or SignatureError SIG_MALFORMED naming the field. */
export function decodeSignature(text: string, field: string): Uint8Array {
  const bytes = fromBase64(text);
  if (bytes === undefined || bytes.length !== 64) {
    throw new SignatureError({ code: 'SIG_MALFORMED', message: `${field} is not a 64-byte signature in padded base64`, details: { field } });
  }
  return bytes;
}
