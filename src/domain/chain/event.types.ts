import type { JsonObject } from './canonical-json.js';

/**
 * The part of an event its agent signs, before the log assigns it a place (docs/PROTOCOL.md §3).
 * Timestamps are canonical protocol timestamps (see timestamp.ts).
 */
export interface SignedBody {
  eventId: string;
  eventType: string;
  payload: JsonObject;
  agentId: string;
  signingKeyId: string;
  localTimestamp: string;
}

/** What an agent submits: the signed body plus its Ed25519 signature (base64, 88 characters). */
export interface EventSubmission extends SignedBody {
  signature: string;
}

/** Where the chain stands: the last stored event (or none) and the authority time for the next batch. */
export interface ChainHead {
  /** Sequence of the last stored event; 0 for an empty log. */
  sequence: number;
  /** content_hash of the last stored event; GENESIS_PREV_HASH for an empty log. */
  contentHash: string;
  /** authority_timestamp of the last stored event; undefined for an empty log. */
  authorityTimestamp: string | undefined;
}

/** The fields the log adds when it places a submission in the chain, before the witness attests. */
export interface PlacedEvent extends EventSubmission {
  sequence: number;
  prevHash: string;
  authorityTimestamp: string;
  contentHash: string;
}

/** A stored event: placed, hashed and attested by one witness (docs/PROTOCOL.md §4–§5). */
export interface StoredEvent extends PlacedEvent {
  witnessId: string;
  witnessSignature: string;
}

/** The link data a chain check needs about an event's predecessor. */
export type ChainLink = Pick<StoredEvent, 'sequence' | 'contentHash' | 'authorityTimestamp'>;
