import { canonicalize } from '../chain/canonical-json.js';
import { signedBodyObject } from '../chain/content-hash.js';
import { concatBytes, fromHex, utf8 } from '../encoding/bytes.js';
import { InputError } from '../errors.js';
import type { SignedBody } from '../chain/event.types.js';

/**
 * Domain-separation prefixes: each signature purpose signs `prefix || 0x00 || body`, so a signature made
 * for one purpose can never be replayed as another (docs/PROTOCOL.md §5).
 */
export const SIGNATURE_DOMAINS = {
  event: 'archon72/event-signature/v1',
  witness: 'archon72/witness-attestation/v1',
} as const;

const SEPARATOR = new Uint8Array([0]);

/** Bytes an agent signs: "archon72/event-signature/v1" || 0x00 || JCS(signed body). */
export function eventSignatureMessage(body: SignedBody): Uint8Array {
  return concatBytes(utf8(SIGNATURE_DOMAINS.event), SEPARATOR, utf8(canonicalize(signedBodyObject(body))));
}

/**
 * Bytes a witness signs: "archon72/witness-attestation/v1" || 0x00 || the 32 raw bytes of content_hash.
 * Throws InputError INPUT_FIELD_INVALID when contentHash is not 64 lowercase hex digits.
 */
export function witnessSignatureMessage(contentHash: string): Uint8Array {
  const hash = fromHex(contentHash);
  if (hash === undefined || hash.length !== 32) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: 'content_hash must be 64 lowercase hex digits' });
  }
  return concatBytes(utf8(SIGNATURE_DOMAINS.witness), SEPARATOR, hash);
}
