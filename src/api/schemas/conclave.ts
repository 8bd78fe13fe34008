import { MAX_MOTION_TEXT, MAX_MOTION_TITLE, MOTION_KINDS } from '../../domain/deliberation/motion.js';
import { MAX_SEED, SESSION_RULE_FLOORS } from '../../domain/deliberation/session-rules.js';
import { UUID } from './observer.js';

/**
 * Body of POST /v1/conclave/sessions: a motion (as in a motion file) and the session's options. The schema checks
 * types only; parseMotion checks the motion's content (DELIBERATION_MOTION_INVALID naming the member), as
 * parseSubmission does for events.
 */
export const sessionStartBodySchema = {
  type: 'object',
  required: ['title', 'text', 'kind'],
  additionalProperties: false,
  properties: {
    title: { type: 'string', description: `The motion's title, 1–${MAX_MOTION_TITLE} characters.` },
    text: { type: 'string', description: `The motion's text, 1–${MAX_MOTION_TEXT} characters.` },
    kind: { type: 'string', description: `One of ${MOTION_KINDS.join(', ')}.` },
    proposer: { type: 'string', description: 'The proposing King’s archon id (ARCHON:<name>); exactly one of proposer and submitted_by.' },
    submitted_by: { type: 'string', description: 'The submitting keeper’s id (KEEPER:<name>), recorded by the clerk; exactly one of proposer and submitted_by.' },
    rounds: { type: 'integer', minimum: SESSION_RULE_FLOORS.rounds.min, maximum: SESSION_RULE_FLOORS.rounds.max, description: 'Debate rounds (default 3).' },
    seed: { type: 'string', minLength: 1, maxLength: MAX_SEED, description: 'Seed of the simulated provider and of the red team draw (default: random).' },
    validate_votes: { type: 'boolean', description: 'Have both secretaries and the witness read each vote (default false).' },
  },
} as const;

/**
 * Body of POST /v1/conclave/sessions opened by a keeper instead of the administrator: the signed statement document
 * `archon72 keeper sign` prints for a conclave.session.open statement (docs/PROTOCOL.md §18.4). The schema checks
 * its members' types; parseSignedStatement and parseSessionOpenStatement check the rest, naming the member.
 */
export const signedSessionOpenBodySchema = {
  type: 'object',
  required: ['statement', 'keeper_id', 'key_id', 'signature'],
  additionalProperties: false,
  properties: {
    statement: { type: 'object', description: 'The conclave.session.open statement: session_id, motion, optional rounds, seed and validate_votes, issued_at, expires_at, nonce.' },
    keeper_id: { type: 'string', description: 'The signing keeper (KEEPER:<name>).' },
    key_id: { type: 'string', description: 'The keeper key that signed (a registered, active keeper key).' },
    signature: { type: 'string', description: 'Ed25519 over the keeper statement message (docs/PROTOCOL.md §14), padded base64.' },
  },
} as const;

/**
 * Either body: a signed statement document (it has `statement`) opens on a keeper's authority, else the
 * administrator's. `properties` lists both forms' members for the OpenAPI document; `then`/`else` validate the form
 * sent, so Ajv's complaint is about that form alone.
 */
export const sessionOpenBodySchema = {
  type: 'object',
  description: 'The administrator’s motion and options (with Authorization: Bearer ADMIN_TOKEN), or a keeper’s signed conclave.session.open statement document (no token).',
  properties: { ...sessionStartBodySchema.properties, ...signedSessionOpenBodySchema.properties },
  if: { required: ['statement'] },
  then: signedSessionOpenBodySchema,
  else: sessionStartBodySchema,
} as const;

/** The body as it arrives, after validation against sessionStartBodySchema. */
export interface SessionStartBody {
  title: string;
  text: string;
  kind: string;
  proposer?: string;
  submitted_by?: string;
  rounds?: number;
  seed?: string;
  validate_votes?: boolean;
}

/** 202 of POST /v1/conclave/sessions. */
export const sessionAcceptedSchema = {
  type: 'object',
  required: ['session_id', 'status_url'],
  properties: {
    session_id: { type: 'string', description: 'The session id: the session_id of every event of the session.' },
    status_url: { type: 'string', description: 'Where to follow it: GET /v1/conclave/sessions/{session_id}.' },
  },
} as const;

/** Path parameters of GET /v1/conclave/sessions/{session_id}…. */
export const sessionParamsSchema = {
  type: 'object',
  required: ['session_id'],
  properties: { session_id: { type: 'string', pattern: UUID, description: 'The session id, a lowercase UUID.' } },
} as const;

const motionSchema = {
  type: 'object',
  required: ['title', 'text', 'kind'],
  properties: { title: { type: 'string' }, text: { type: 'string' }, kind: { type: 'string' }, proposer: { type: 'string' }, submitted_by: { type: 'string' } },
} as const;

const stanceCountsSchema = {
  type: 'object',
  required: ['FOR', 'AGAINST', 'NEUTRAL', 'missing'],
  properties: { FOR: { type: 'integer' }, AGAINST: { type: 'integer' }, NEUTRAL: { type: 'integer' }, missing: { type: 'integer', description: 'Speeches that declared no stance.' } },
} as const;

const fractionSchema = { type: 'object', required: ['num', 'den'], properties: { num: { type: 'integer' }, den: { type: 'integer' } } } as const;

const tallySchema = {
  type: ['object', 'null'],
  required: ['aye', 'nay', 'abstain', 'unparseable', 'not_voting', 'supermajority', 'passed'],
  properties: {
    aye: { type: 'integer' },
    nay: { type: 'integer' },
    abstain: { type: 'integer' },
    unparseable: { type: 'integer' },
    not_voting: { type: 'integer' },
    supermajority: fractionSchema,
    passed: { type: 'boolean' },
  },
} as const;

const STATUS = { type: 'string', enum: ['in_progress', 'adjourned'] } as const;
const RESULT = { type: ['string', 'null'], enum: ['passed', 'failed', null] } as const;

/** 200 of GET /v1/conclave/sessions/{session_id}: where the session stands, from its events in the log. */
export const sessionStatusSchema = {
  type: 'object',
  required: ['session_id', 'status', 'running', 'motion', 'provider', 'present', 'absent', 'speeches', 'stances', 'tally', 'result', 'adjournment', 'events', 'first_sequence', 'last_sequence'],
  properties: {
    session_id: { type: 'string' },
    status: STATUS,
    running: { type: 'boolean', description: 'Whether this instance is running the session now (false once adjourned, or when it stopped and awaits `archon72 conclave resume`).' },
    motion: motionSchema,
    provider: { type: 'string' },
    present: { type: 'integer', description: 'Archons who answered the roll call.' },
    absent: { type: 'integer' },
    speeches: { type: 'integer', description: 'Debate speeches so far (red team speeches excluded).' },
    stances: stanceCountsSchema,
    tally: tallySchema,
    result: RESULT,
    adjournment: { type: ['string', 'null'], description: 'Why it adjourned (completed, quorum_failed, motion_died), null while in progress.' },
    events: { type: 'integer', description: 'Events of the session in the log.' },
    first_sequence: { type: 'integer' },
    last_sequence: { type: 'integer', description: 'Sequence of its latest event: follow on with the observer stream (session_id, Last-Event-ID).' },
  },
} as const;

/**
 * 200 of GET /v1/conclave/sessions/{session_id}/results: sessionResults of the session's events. The members below
 * are documented; any the projection adds pass through (every value comes from the public log).
 */
export const sessionResultsSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['session_id', 'motion', 'status', 'present', 'absent', 'speeches', 'stances', 'votes', 'failures', 'tally', 'result', 'first_sequence', 'last_sequence'],
  properties: {
    session_id: { type: 'string' },
    motion: motionSchema,
    rules: { type: 'object', additionalProperties: true },
    provider: { type: 'string' },
    seed: { type: 'string' },
    status: STATUS,
    adjournment: { type: ['string', 'null'] },
    present: { type: 'array', items: { type: 'string' } },
    absent: { type: 'array', items: { type: 'string' } },
    seconded_by: { type: ['string', 'null'] },
    speeches: { type: 'integer' },
    stances: stanceCountsSchema,
    consensus_breaks: { type: 'integer' },
    red_team: { type: ['object', 'null'], properties: { members: { type: 'array', items: { type: 'string' } }, argues: { type: 'string' } } },
    votes: {
      type: 'array',
      items: { type: 'object', properties: { voter: { type: 'string' }, choice: { type: ['string', 'null'] }, cast: { type: ['string', 'null'] } } },
    },
    failures: {
      type: 'array',
      items: { type: 'object', properties: { archon_id: { type: 'string' }, act: { type: 'string' }, code: { type: 'string' } } },
    },
    tally: tallySchema,
    result: RESULT,
    first_sequence: { type: ['integer', 'null'] },
    last_sequence: { type: ['integer', 'null'] },
  },
} as const;

/** 200 of GET /v1/conclave/roster: the 72 archons in speaking order. */
export const rosterSchema = {
  type: 'object',
  required: ['archons'],
  properties: {
    archons: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'rank', 'branch', 'role', 'persona'],
        properties: {
          id: { type: 'string', description: 'Its agent id in the log (ARCHON:<lowercase name>).' },
          name: { type: 'string' },
          rank: { type: 'string' },
          branch: { type: 'string' },
          role: { type: 'string' },
          persona: {
            type: 'object',
            required: ['goal', 'epistemic_method', 'red_lines', 'persuaded_by', 'voice'],
            properties: {
              goal: { type: 'string' },
              epistemic_method: { type: 'string' },
              red_lines: { type: 'array', items: { type: 'string' } },
              persuaded_by: { type: 'array', items: { type: 'string' } },
              voice: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;
