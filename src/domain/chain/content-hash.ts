import { sha256Hex } from '../encoding/sha256.js';
import { canonicalize } from './canonical-json.js';
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
 * The JCS text (RFC 8785) of contentHashObject(event), written member by member in JCS order instead of
 * building the object and sorting its names: it is on every append's and every verification's path. The members
 * are the same and in the same (sorted) order, and each value goes through canonicalize, so the text is
 * byte-identical to canonicalize(contentHashObject(event)) (a property test holds the two together).
 * Throws InputError INPUT_PAYLOAD_INVALID as canonicalize does.
 */
export function contentHashText(event: Omit<PlacedEvent, 'contentHash'>): string {
  return (
    `{"agent_id":${canonicalize(event.agentId, '$.agent_id')}` +
    `,"authority_timestamp":${canonicalize(event.authorityTimestamp, '$.authority_timestamp')}` +
    `,"event_id":${canonicalize(event.eventId, '$.event_id')}` +
    `,"event_type":${canonicalize(event.eventType, '$.event_type')}` +
    `,"local_timestamp":${canonicalize(event.localTimestamp, '$.local_timestamp')}` +
    `,"payload":${canonicalize(event.payload, '$.payload')}` +
    `,"prev_hash":${canonicalize(event.prevHash, '$.prev_hash')}` +
    `,"sequence":${canonicalize(event.sequence, '$.sequence')}` +
    `,"signature":${canonicalize(event.signature, '$.signature')}` +
    `,"signing_key_id":${canonicalize(event.signingKeyId, '$.signing_key_id')}}`
  );
}

/**
 * content_hash = lowercase hex SHA-256 of the UTF-8 JCS encoding of contentHashObject(event) (contentHashText).
 * Throws InputError INPUT_PAYLOAD_INVALID if the payload cannot be canonicalised.
 */
export function computeContentHash(event: Omit<PlacedEvent, 'contentHash'>): string {
  return sha256Hex(contentHashText(event));
}
