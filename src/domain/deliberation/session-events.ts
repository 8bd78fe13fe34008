import type { SignedKeeperStatement } from '../signing/keeper-statement.js';
import type { Choice, Stance } from './parse-reply.js';
import type { SessionRules } from './session-rules.js';
import type { Motion } from './motion.js';
import type { Rank } from './archon.js';

/** The Conclave clerk: signs the session's procedural events (opening, quorum, tallies, adjournment). */
export const CLERK_ID = 'SYSTEM:CONCLAVE';

/** Every event type of a Conclave session (docs/PROTOCOL.md §18). */
export const SESSION_EVENT = {
  opened: 'conclave.session_opened',
  present: 'conclave.roll_call_answered',
  absent: 'conclave.roll_call_absent',
  quorumEstablished: 'conclave.quorum_established',
  quorumFailed: 'conclave.quorum_failed',
  proposed: 'conclave.motion_proposed',
  seconded: 'conclave.motion_seconded',
  declined: 'conclave.second_declined',
  died: 'conclave.motion_died',
  speech: 'conclave.speech',
  digest: 'conclave.digest',
  consensusBreak: 'conclave.consensus_break',
  redTeamFormed: 'conclave.red_team_formed',
  redTeamSpeech: 'conclave.red_team_speech',
  vote: 'conclave.vote_cast',
  validated: 'conclave.vote_validated',
  corrected: 'conclave.vote_corrected',
  failed: 'conclave.act_failed',
  tally: 'conclave.tally',
  result: 'conclave.motion_result',
  adjourned: 'conclave.session_adjourned',
} as const;
export type SessionEventType = (typeof SESSION_EVENT)[keyof typeof SESSION_EVENT];

/** A session event as the procedure sees it: who signed it, its type, and its payload (session_id included). */
export interface SessionEvent {
  eventType: string;
  agentId: string;
  payload: Record<string, unknown>;
}

/** The roster entry a session records: who sits, in speaking order. */
export interface Seat {
  id: string;
  rank: Rank;
}

export type StanceCounts = Record<Stance | 'missing', number>;

/** What session_opened records (its payload is openingPayload of this). */
export interface SessionOpening {
  sessionId: string;
  motion: Motion;
  rules: SessionRules;
  /** Every archon, in speaking order. */
  seats: Seat[];
  secretaries: [string, string];
  /** The witness archon who confirms or dissents on vote validations (the Knight). */
  witness: string;
  /** Derives every seeded choice of the session (the red team) and the simulated provider's answers. */
  seed: string;
  /** Which model provider the session was run with (simulated, openai). */
  provider: string;
  /** The keeper's signed conclave.session.open statement, when a keeper (not the administrator) opened it. */
  authorization?: SignedKeeperStatement;
}

/** What a vote said, as the procedure keeps it. */
export interface CastVote {
  voter: string;
  choice: Choice | null;
}
