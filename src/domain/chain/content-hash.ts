import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalize } from './canonical-json.js';
import { toHex, utf8 } from '../encoding/bytes.js';
import type { PlacedEvent, SignedBody } from './event.types.js';

/** prev_hash of the first event: 64 zeros (docs/PROTOCOL.md §4). */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** The JSON object the agent's signature covers, with protocol (snake_case) member names. */
export function signedBodyObject(body: SignedBody): Record<string, unknown> {
  return {
    agent_id: body.agentId,
    event_id: body.eventId,
    event_type: body.eventType,
    local_timestamp: body.localTimestamp,
    payload: body.payload,
    signing_key_id: body.signingKeyId,
  };
}

/**
 * The JSON object whose JCS bytes are hashed into content_hash: the signed body, the agent's signature,
 * and the place the log gave it (sequence, prev_hash, authority_timestamp). Binding the signature means a
 * swapped signature changes the hash; binding sequence and prev_hash makes reordering and splicing visible.
 */
export function contentHashObject(event: Omit<PlacedEvent, 'contentHash'>): Record<string, unknown> {
  return {
    ...signedBodyObject(event),
    authority_timestamp: event.authorityTimestamp,
    prev_hash: event.prevHash,
    sequence: event.sequence,
    signature: event.signature,
  };
}

/**
 * content_hash = lowercase hex SHA-256 of the UTF-8 JCS encoding of contentHashObject(event).
 * Throws InputError INPUT_PAYLOAD_INVALID if the payload cannot be canonicalised.
 */
export function computeContentHash(event: Omit<PlacedEvent, 'contentHash'>): string {
  return toHex(sha256(utf8(canonicalize(contentHashObject(event)))));
}
