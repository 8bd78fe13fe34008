import { SEQUENCE } from './observer.js';

/** Most events one GET /v1/observer/verify-chain recomputes (a request costs two signature checks per event). */
export const MAX_VERIFY_RANGE = 10_000;

/** Query of GET /v1/observer/verify-chain. */
export const verifyChainQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    start: { type: 'string', pattern: SEQUENCE, default: '1', description: 'First sequence to verify (≥ 1); the event before it is the trusted anchor (PROTOCOL.md §7.2).' },
    end: { type: 'string', pattern: SEQUENCE, description: `Last sequence (default start + ${MAX_VERIFY_RANGE - 1}, and never beyond the head); at most ${MAX_VERIFY_RANGE} events per request.` },
  },
} as const;

/** The verify-chain query as it arrives, after validation (defaults filled in). */
export interface VerifyChainQuery {
  start: string;
  end?: string;
}

/** The verification report of GET /v1/observer/verify-chain. */
export const chainReportSchema = {
  type: 'object',
  required: ['start', 'end', 'from', 'to', 'verified', 'valid', 'fault'],
  properties: {
    start: { type: 'integer', description: 'The range asked for.' },
    end: { type: 'integer' },
    from: { type: 'integer', description: 'The part of it that exists in the log (0 and 0 when none does).' },
    to: { type: 'integer' },
    verified: { type: 'integer', description: 'Events that passed every check of PROTOCOL.md §7.1, from `from` on.' },
    valid: { type: 'boolean', description: 'True when no fault was found.' },
    fault: {
      type: ['object', 'null'],
      required: ['sequence', 'code', 'message'],
      properties: { sequence: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

/** The public key set (PROTOCOL.md §9.3). Doubles as the output whitelist. */
export const publicKeySetSchema = {
  type: 'object',
  required: ['format', 'generated_at', 'keys'],
  properties: {
    format: { type: 'string' },
    generated_at: { type: 'string' },
    keys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['actor_id', 'kind', 'key_id', 'algorithm', 'public_key', 'active_from', 'active_until', 'development', 'revocation'],
        properties: {
          actor_id: { type: 'string' },
          kind: { type: 'string', enum: ['witness', 'keeper', 'system', 'agent'] },
          key_id: { type: 'string' },
          algorithm: { type: 'string' },
          public_key: { type: 'string' },
          active_from: { type: 'string' },
          active_until: { type: ['string', 'null'] },
          development: { type: 'boolean' },
          revocation: {
            type: ['object', 'null'],
            required: ['sequence', 'recorded_at', 'reason'],
            properties: { sequence: { type: 'integer' }, recorded_at: { type: 'string' }, reason: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

/** The verification spec: an open document (its members are listed in the route's description). */
export const verificationSpecSchema = { type: 'object', additionalProperties: true } as const;
