import { MAX_SUBMISSION_BATCH } from '../../app/event-appender.js';

/** JSON schema of an agent's submission (docs/PROTOCOL.md §3); the domain's parseSubmission checks the details. */
export const submissionSchema = {
  type: 'object',
  required: ['event_id', 'event_type', 'payload', 'agent_id', 'signing_key_id', 'local_timestamp', 'signature'],
  additionalProperties: false,
  properties: {
    event_id: { type: 'string', maxLength: 36 },
    event_type: { type: 'string', maxLength: 128 },
    payload: { type: 'object' },
    agent_id: { type: 'string', maxLength: 128 },
    signing_key_id: { type: 'string', maxLength: 128 },
    local_timestamp: { type: 'string', maxLength: 27 },
    signature: { type: 'string', maxLength: 88 },
  },
} as const;

/** JSON schema of a stored event (protocol JSON, docs/PROTOCOL.md §2). Doubles as the output whitelist. */
export const storedEventSchema = {
  type: 'object',
  required: ['sequence', 'event_id', 'event_type', 'payload', 'agent_id', 'signing_key_id', 'signature', 'local_timestamp', 'authority_timestamp', 'prev_hash', 'content_hash', 'witness_id', 'witness_signature'],
  properties: {
    sequence: { type: 'integer' },
    event_id: { type: 'string' },
    event_type: { type: 'string' },
    payload: { type: 'object', additionalProperties: true },
    agent_id: { type: 'string' },
    signing_key_id: { type: 'string' },
    signature: { type: 'string' },
    local_timestamp: { type: 'string' },
    authority_timestamp: { type: 'string' },
    prev_hash: { type: 'string' },
    content_hash: { type: 'string' },
    witness_id: { type: 'string' },
    witness_signature: { type: 'string' },
  },
} as const;

/** JSON schema of an agent batch, `{"events": [submission, …]}`: 1 to MAX_SUBMISSION_BATCH submissions. */
export const batchSubmissionSchema = {
  type: 'object',
  required: ['events'],
  additionalProperties: false,
  properties: {
    events: { type: 'array', minItems: 1, maxItems: MAX_SUBMISSION_BATCH, items: submissionSchema },
  },
} as const;

/** JSON schema of a stored batch: the stored events in submission order. */
export const storedEventsSchema = {
  type: 'object',
  required: ['events'],
  properties: { events: { type: 'array', items: storedEventSchema } },
} as const;
