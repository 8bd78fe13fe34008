import { DeliberationError } from '../errors.js';

/** The kinds of motion the Conclave takes. */
export const MOTION_KINDS = ['constitutional', 'policy', 'procedural', 'open'] as const;
export type MotionKind = (typeof MOTION_KINDS)[number];

export const MAX_MOTION_TITLE = 200;
export const MAX_MOTION_TEXT = 8000;

/**
 * A motion put before the Conclave: proposed by a King (`proposer`, an archon id) or submitted by a keeper
 * (`submittedBy`, a keeper id). Exactly one of the two.
 */
export interface Motion {
  title: string;
  text: string;
  kind: MotionKind;
  proposer?: string;
  submittedBy?: string;
}

const MEMBERS = new Set(['title', 'text', 'kind', 'proposer', 'submitted_by']);

/**
 * Reads a motion (a motion file's JSON, or a request body) with protocol member names: `title`, `text`, `kind`,
 * and `proposer` (a King's archon id) or `submitted_by` (a keeper id). Whether the proposer is a King is checked
 * against the seats when a session opens (parseOpening). Throws DeliberationError DELIBERATION_MOTION_INVALID naming
 * the field.
 */
export function parseMotion(json: unknown): Motion {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid('motion', 'must be a JSON object');
  const record = json as Record<string, unknown>;
  for (const name of Object.keys(record)) if (!MEMBERS.has(name)) throw invalid(name, 'is not a member of a motion (title, text, kind, proposer, submitted_by)');
  const title = text(record, 'title', MAX_MOTION_TITLE);
  const body = text(record, 'text', MAX_MOTION_TEXT);
  const kind = record.kind;
  if (typeof kind !== 'string' || !(MOTION_KINDS as readonly string[]).includes(kind)) throw invalid('kind', `must be one of ${MOTION_KINDS.join(', ')}`);
  const proposer = record.proposer === undefined ? undefined : text(record, 'proposer', 128);
  const submittedBy = record.submitted_by === undefined ? undefined : text(record, 'submitted_by', 128);
  if ((proposer === undefined) === (submittedBy === undefined)) throw invalid('proposer', 'give exactly one of proposer (a King) and submitted_by (a keeper)');
  return { title, text: body, kind: kind as MotionKind, ...(proposer === undefined ? {} : { proposer }), ...(submittedBy === undefined ? {} : { submittedBy }) };
}

/**
 * Only a King proposes (a keeper's motion is recorded by the clerk). Throws DeliberationError
 * DELIBERATION_MOTION_INVALID when `motion.proposer` is not a King among `seats`.
 */
export function checkProposer(motion: Motion, seats: ReadonlyArray<{ id: string; rank: string }>): void {
  if (motion.proposer !== undefined && seats.find((s) => s.id === motion.proposer)?.rank !== 'King') {
    throw invalid('proposer', `${motion.proposer} is not a King of the roster`);
  }
}

/** The motion's protocol JSON (what parseMotion reads and session_opened records). */
export function motionJson(motion: Motion): Record<string, string> {
  return {
    title: motion.title,
    text: motion.text,
    kind: motion.kind,
    ...(motion.proposer === undefined ? {} : { proposer: motion.proposer }),
    ...(motion.submittedBy === undefined ? {} : { submitted_by: motion.submittedBy }),
  };
}

function text(record: Record<string, unknown>, field: string, max: number): string {
  const value = record[field];
  if (typeof value !== 'string' || value.trim().length === 0) throw invalid(field, 'must be a non-empty string');
  if (value.length > max) throw invalid(field, `must be at most ${max} characters, not ${value.length}`);
  return value;
}

function invalid(field: string, problem: string): DeliberationError {
  return new DeliberationError({ code: 'DELIBERATION_MOTION_INVALID', message: `motion ${field} ${problem}`, details: { field } });
}
