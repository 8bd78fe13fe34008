import { concatBytes, fromHex, utf8 } from '../encoding/bytes.js';
import { InputError } from '../errors.js';
import { decodeSignature } from '../signing/verify-signatures.js';
import { leafHash } from './tree-hash.js';
import type { StoredEvent } from '../chain/event.types.js';

/** Domain-separation string that starts every leaf input (docs/PROTOCOL.md §15.1). */
export const MERKLE_LEAF_DOMAIN = 'archon72/merkle-leaf/v1';

/** What a leaf commits to: the event's content_hash and its witness attestation. */
export type LeafSource = Pick<StoredEvent, 'contentHash' | 'witnessSignature' | 'witnessId'>;

const DOMAIN_BYTES = utf8(MERKLE_LEAF_DOMAIN);
const SEPARATOR = Uint8Array.of(0x00);

/**
 * The leaf input of a stored event (docs/PROTOCOL.md §15.1):
 *   UTF8("archon72/merkle-leaf/v1") || 0x00 || content_hash (32 raw bytes) || witness_signature (64 raw bytes)
 *   || UTF8(witness_id)
 * content_hash does not cover the witness attestation, so the leaf adds it: the tree commits to everything stored.
 * The two fixed-length fields come first, so the variable-length witness_id needs no length prefix.
 * Throws InputError INPUT_FIELD_INVALID when content_hash is not 64 lowercase hex digits and SignatureError
 * SIG_MALFORMED when witness_signature is not 64 bytes in canonical padded base64 (rows are outside input).
 */
export function eventLeafInput(event: LeafSource): Uint8Array {
  const contentHash = fromHex(event.contentHash);
  if (contentHash === undefined || contentHash.length !== 32) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: 'content_hash must be 64 lowercase hex digits', details: { field: 'content_hash' } });
  }
  const witnessSignature = decodeSignature(event.witnessSignature, 'witness_signature');
  return concatBytes(DOMAIN_BYTES, SEPARATOR, contentHash, witnessSignature, utf8(event.witnessId));
}

/** RFC 6962 leaf hash of the event's leaf input: SHA-256(0x00 || eventLeafInput(event)). Throws as eventLeafInput. */
export function eventLeafHash(event: LeafSource): Uint8Array {
  return leafHash(eventLeafInput(event));
}
