import { base64DecodedLength, decodeBase64Into, decodeHexInto, fromHex, utf8 } from '../encoding/bytes.js';
import { InputError } from '../errors.js';
import { decodeSignature } from '../signing/verify-signatures.js';
import { leafHash, leafHashOfFramed } from './tree-hash.js';
import type { StoredEvent } from '../chain/event.types.js';

/** Domain-separation string that starts every leaf input (docs/PROTOCOL.md §15.1). */
export const MERKLE_LEAF_DOMAIN = 'archon72/merkle-leaf/v1';

/** What a leaf commits to: the event's content_hash and its witness attestation. */
export type LeafSource = Pick<StoredEvent, 'contentHash' | 'witnessSignature' | 'witnessId'>;

const DOMAIN_BYTES = utf8(MERKLE_LEAF_DOMAIN);
// The leaf input's layout (PROTOCOL §15.1): the domain, 0x00, then the three parts at these offsets.
const CONTENT_HASH_AT = DOMAIN_BYTES.length + 1;
const WITNESS_SIGNATURE_AT = CONTENT_HASH_AT + 32;
const WITNESS_ID_AT = WITNESS_SIGNATURE_AT + 64;

/** A leaf input of `witnessIdLength` bytes of witness_id, at `at` in a new buffer of `at` more bytes, domain and separator written. */
function leafInputBuffer(at: number, witnessIdLength: number): Uint8Array {
  const buffer = new Uint8Array(at + WITNESS_ID_AT + witnessIdLength);
  buffer.set(DOMAIN_BYTES, at);
  buffer[at + DOMAIN_BYTES.length] = 0x00;
  return buffer;
}

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
  const witnessId = utf8(event.witnessId);
  const input = leafInputBuffer(0, witnessId.length);
  input.set(contentHash, CONTENT_HASH_AT);
  input.set(witnessSignature, WITNESS_SIGNATURE_AT);
  input.set(witnessId, WITNESS_ID_AT);
  return input;
}

/** RFC 6962 leaf hash of the event's leaf input: SHA-256(0x00 || eventLeafInput(event)). Throws as eventLeafInput. */
export function eventLeafHash(event: LeafSource): Uint8Array {
  return leafHash(eventLeafInput(event));
}

/**
 * eventLeafHash of a leaf whose parts are still as the event's JSON spells them, located in `bytes`: content_hash's
 * hex digits, witness_signature's base64 and witness_id's UTF-8 (its JSON string without escapes). The offline
 * verifier reads them straight out of export lines; laying them out in one reusable buffer spares it three
 * allocations and two copies per event. Not for concurrent use (one per thread).
 */
export class EncodedLeafHasher {
  // [0x00 of the RFC 6962 leaf hash][leaf input], reused while witness ids fit.
  private framed = leafInputBuffer(1, 64);

  /**
   * The leaf hash, or undefined when the hex is not 64 lowercase digits or the base64 not 64 bytes in canonical
   * padded form (eventLeafInput's two refusals; the caller learns which from eventLeafHash).
   */
  hash(bytes: Uint8Array, contentHashAt: number, signatureAt: number, signatureEnd: number, witnessIdAt: number, witnessIdEnd: number): Uint8Array | undefined {
    const witnessIdLength = witnessIdEnd - witnessIdAt;
    const length = 1 + WITNESS_ID_AT + witnessIdLength;
    if (this.framed.length < length) this.framed = leafInputBuffer(1, witnessIdLength * 2);
    const framed = this.framed;
    if (!decodeHexInto(bytes, contentHashAt, contentHashAt + 64, framed, 1 + CONTENT_HASH_AT)) return undefined;
    if (base64DecodedLength(bytes, signatureAt, signatureEnd) !== 64) return undefined;
    if (decodeBase64Into(bytes, signatureAt, signatureEnd, framed, 1 + WITNESS_SIGNATURE_AT) !== 64) return undefined;
    framed.set(bytes.subarray(witnessIdAt, witnessIdEnd), 1 + WITNESS_ID_AT);
    return leafHashOfFramed(framed.subarray(0, length));
  }
}
