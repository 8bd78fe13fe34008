import { parseJsonBytes, parseJsonText } from '../encoding/parse-json.js';
import { isCanonicalTimestamp } from './timestamp.js';
import { InputError } from '../errors.js';
import type { JsonObject } from './canonical-json.js';
import { EVENT_JSON_MEMBERS } from './event-json.js';
import type { StoredEvent } from './event.types.js';

const MEMBERS = EVENT_JSON_MEMBERS;
const MEMBER_SET: ReadonlySet<string> = new Set(MEMBERS);
const HASH = /^[0-9a-f]{64}$/;

/**
 * Reads one line of an NDJSON export (untrusted) into a StoredEvent: UTF-8 JSON (parseJsonBytes: invalid UTF-8 is
 * refused, never replaced) holding exactly the members of toEventJson's protocol form (docs/PROTOCOL.md §2.1) with
 * their JSON types: `sequence` a whole number ≥ 1, `payload` an object, `authority_timestamp` canonical (§2.3: the
 * chain and key windows compare it as text), `prev_hash` and `content_hash` 64 lowercase hex digits, the rest
 * strings. Deliberately no more than that: the signatures' encoding, the identifier grammars, whether
 * local_timestamp is canonical and the payload limits are verifyStoredEvent's business or none of a verifier's
 * (PROTOCOL §2.5, §7.1), so this reader refuses nothing the server's verify-db would accept.
 * The line comes as bytes, or as text its caller already decoded strictly (a whole batch at once is cheaper).
 * Throws InputError INPUT_INVALID_JSON or INPUT_FIELD_INVALID (details.field names the member).
 */
export function parseEventLine(input: Uint8Array | string, line: number): StoredEvent {
  const where = `line ${line}`;
  if (isBlank(input)) throw fieldError(where, 'event', 'is empty');
  const json = typeof input === 'string' ? parseJsonText(input, where) : parseJsonBytes(input, where);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw fieldError(where, 'event', 'must be a JSON object');
  const record = json as Record<string, unknown>;
  for (const name in record) if (!MEMBER_SET.has(name)) throw fieldError(where, name, 'is not a member of a stored event');
  const sequence = record.sequence;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) throw fieldError(where, 'sequence', 'must be a whole number ≥ 1');
  const payload = record.payload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw fieldError(where, 'payload', 'must be a JSON object');
  return {
    sequence,
    eventId: text(record, 'event_id', where),
    eventType: text(record, 'event_type', where),
    payload: payload as JsonObject,
    agentId: text(record, 'agent_id', where),
    signingKeyId: text(record, 'signing_key_id', where),
    signature: text(record, 'signature', where),
    localTimestamp: text(record, 'local_timestamp', where),
    authorityTimestamp: timestamp(record, 'authority_timestamp', where),
    prevHash: hash(record, 'prev_hash', where),
    contentHash: hash(record, 'content_hash', where),
    witnessId: text(record, 'witness_id', where),
    witnessSignature: text(record, 'witness_signature', where),
  };
}

/**
 * Just the `sequence` member of a line, or undefined when the line is not an object with a whole-number sequence.
 * For classifying a sequence fault by the lines around it; never for verifying.
 */
export function peekSequence(input: Uint8Array | string): number | undefined {
  try {
    const json = (typeof input === 'string' ? parseJsonText(input, 'line') : parseJsonBytes(input, 'line')) as { sequence?: unknown } | null;
    const sequence = json?.sequence;
    return typeof sequence === 'number' && Number.isSafeInteger(sequence) ? sequence : undefined;
  } catch {
    return undefined;
  }
}

/** An empty line, or one holding only the CR of a CRLF line end. */
function isBlank(input: Uint8Array | string): boolean {
  if (input.length === 0) return true;
  return input.length === 1 && (typeof input === 'string' ? input === '\r' : input[0] === 0x0d);
}

function text(record: Record<string, unknown>, field: (typeof MEMBERS)[number], where: string): string {
  const value = record[field];
  if (typeof value !== 'string') throw fieldError(where, field, 'is required and must be a string');
  return value;
}

/** The last timestamp found canonical: consecutive events share their batch's authority time, so it is checked once. */
let lastCanonical = '';

function timestamp(record: Record<string, unknown>, field: (typeof MEMBERS)[number], where: string): string {
  const value = text(record, field, where);
  if (value === lastCanonical) return value;
  if (!isCanonicalTimestamp(value)) throw fieldError(where, field, 'must be a canonical timestamp like 2026-01-09T12:00:00.000000Z');
  lastCanonical = value;
  return value;
}

function hash(record: Record<string, unknown>, field: (typeof MEMBERS)[number], where: string): string {
  const value = text(record, field, where);
  if (!HASH.test(value)) throw fieldError(where, field, 'must be 64 lowercase hex digits');
  return value;
}

function fieldError(where: string, field: string, problem: string): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message: `${where}: ${field} ${problem}`, details: { field } });
}
