import type { EventSubmission, StoredEvent } from './event.types.js';

/** A stored event in its protocol JSON form: member names are the database column names (docs/PROTOCOL.md §2). */
export interface EventJson {
  sequence: number;
  event_id: string;
  event_type: string;
  payload: StoredEvent['payload'];
  agent_id: string;
  signing_key_id: string;
  signature: string;
  local_timestamp: string;
  authority_timestamp: string;
  prev_hash: string;
  content_hash: string;
  witness_id: string;
  witness_signature: string;
}

/** The members of an event's protocol JSON (toEventJson), each exactly once. */
export const EVENT_JSON_MEMBERS = [
  'sequence',
  'event_id',
  'event_type',
  'payload',
  'agent_id',
  'signing_key_id',
  'signature',
  'local_timestamp',
  'authority_timestamp',
  'prev_hash',
  'content_hash',
  'witness_id',
  'witness_signature',
] as const satisfies ReadonlyArray<keyof EventJson>;
// A member added to EventJson and not here fails to compile.
const EVERY_MEMBER: Exclude<keyof EventJson, (typeof EVENT_JSON_MEMBERS)[number]> extends never ? true : never = true;
void EVERY_MEMBER;

/** The protocol JSON of a stored event: what the CLI prints and the API returns. */
export function toEventJson(event: StoredEvent): EventJson {
  return {
    sequence: event.sequence,
    event_id: event.eventId,
    event_type: event.eventType,
    payload: event.payload,
    agent_id: event.agentId,
    signing_key_id: event.signingKeyId,
    signature: event.signature,
    local_timestamp: event.localTimestamp,
    authority_timestamp: event.authorityTimestamp,
    prev_hash: event.prevHash,
    content_hash: event.contentHash,
    witness_id: event.witnessId,
    witness_signature: event.witnessSignature,
  };
}

/** A submission in its protocol JSON form (PROTOCOL.md §2.6): the body of POST /v1/events, as parseSubmission reads it. */
export type SubmissionJson = Pick<EventJson, 'event_id' | 'event_type' | 'payload' | 'agent_id' | 'signing_key_id' | 'local_timestamp' | 'signature'>;

/** The protocol JSON of a submission: what an agent sends. */
export function toSubmissionJson(submission: EventSubmission): SubmissionJson {
  return {
    event_id: submission.eventId,
    event_type: submission.eventType,
    payload: submission.payload,
    agent_id: submission.agentId,
    signing_key_id: submission.signingKeyId,
    local_timestamp: submission.localTimestamp,
    signature: submission.signature,
  };
}
