import { canonicalize, type JsonObject } from './canonical-json.js';
import { isCanonicalTimestamp } from './timestamp.js';
import { isEventType, isIdentifier, isUuid, MAX_IDENTIFIER } from './identifiers.js';
import { fromBase64, utf8 } from '../encoding/bytes.js';
import { InputError } from '../errors.js';
import type { EventSubmission, SignedBody } from './event.types.js';

/** Largest accepted payload: 64 KiB of canonical (JCS) UTF-8 bytes. */
export const MAX_PAYLOAD_BYTES = 65_536;
/** Deepest accepted payload nesting; deeper input is refused before it can exhaust a stack anywhere. */
export const MAX_PAYLOAD_DEPTH = 32;


/**
 * Turns untrusted input (an HTTP body, CLI arguments) into an EventSubmission, or throws InputError naming
 * the first field that breaks a rule. Accepts protocol (snake_case) member names. Checks shape only; the
 * signature itself is verified against the key registry by the caller.
 */
export function parseSubmission(input: unknown): EventSubmission {
  const record = requireObject(input);
  return { ...parseSignedBody(record), signature: requireSignature(record, 'signature') };
}

/** The signed-body part of parseSubmission: every field except the signature. Same errors. */
export function parseSignedBody(input: unknown): SignedBody {
  const record = requireObject(input);
  return {
    eventId: requireMatch(record, 'event_id', isUuid, 'a lowercase UUID'),
    eventType: requireMatch(record, 'event_type', isEventType, 'dot-separated lowercase words, e.g. motion.proposed'),
    agentId: requireIdentifier(record, 'agent_id'),
    signingKeyId: requireIdentifier(record, 'signing_key_id'),
    localTimestamp: requireTimestamp(record, 'local_timestamp'),
    payload: validatePayload(record.payload),
  };
}

function requireObject(input: unknown): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw fieldError('event', 'must be a JSON object');
  }
  return input as Record<string, unknown>;
}

/**
 * Checks an event payload: a JSON object, canonicalisable, at most MAX_PAYLOAD_BYTES canonical bytes and
 * MAX_PAYLOAD_DEPTH levels, and free of U+0000 (which PostgreSQL jsonb cannot store) and of Unicode noncharacters
 * (RFC 7493 §2.1), in member names as in strings.
 * Throws INPUT_PAYLOAD_NOT_OBJECT, INPUT_PAYLOAD_INVALID or INPUT_PAYLOAD_TOO_LARGE.
 */
export function validatePayload(payload: unknown): JsonObject {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new InputError({ code: 'INPUT_PAYLOAD_NOT_OBJECT', message: 'payload must be a JSON object' });
  }
  checkValue(payload, 1, '$');
  const canonical = canonicalize(payload);
  const size = utf8(canonical).length;
  if (size > MAX_PAYLOAD_BYTES) {
    throw new InputError({
      code: 'INPUT_PAYLOAD_TOO_LARGE',
      message: `payload is ${size} canonical bytes; the limit is ${MAX_PAYLOAD_BYTES}`,
      details: { size, limit: MAX_PAYLOAD_BYTES },
    });
  }
  return payload as JsonObject;
}

/** U+0000 (PostgreSQL jsonb cannot store it) and the Unicode noncharacters I-JSON forbids (RFC 7493 §2.1). */
const FORBIDDEN_CHARACTERS = new RegExp(
  `[\\u0000\\u{FDD0}-\\u{FDEF}${Array.from({ length: 17 }, (_, plane) => `\\u{${(plane * 0x10000 + 0xfffe).toString(16)}}\\u{${(plane * 0x10000 + 0xffff).toString(16)}}`).join('')}]`,
  'u',
);

function checkValue(value: unknown, depth: number, path: string): void {
  if (typeof value === 'string') {
    if (FORBIDDEN_CHARACTERS.test(value)) throw forbiddenCharacter(path);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth > MAX_PAYLOAD_DEPTH) {
    throw new InputError({ code: 'INPUT_PAYLOAD_INVALID', message: `payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels` });
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (FORBIDDEN_CHARACTERS.test(key)) throw forbiddenCharacter(childPath);
    checkValue(child, depth + 1, childPath);
  }
}

function forbiddenCharacter(path: string): InputError {
  return new InputError({
    code: 'INPUT_PAYLOAD_INVALID',
    message: `${path} contains U+0000 or a Unicode noncharacter, which the protocol does not accept`,
    details: { path },
  });
}

function requireString(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== 'string') throw fieldError(field, 'is required and must be a string');
  return value;
}

function requireMatch(record: Record<string, unknown>, field: string, valid: (text: string) => boolean, expected: string): string {
  const value = requireString(record, field);
  if (!valid(value)) throw fieldError(field, `must be ${expected}`);
  return value;
}

function requireIdentifier(record: Record<string, unknown>, field: string): string {
  return requireMatch(record, field, isIdentifier, `1–${MAX_IDENTIFIER} characters of A–Z a–z 0–9 : _ . - starting with a letter or digit`);
}

function requireTimestamp(record: Record<string, unknown>, field: string): string {
  const value = requireString(record, field);
  if (!isCanonicalTimestamp(value)) throw fieldError(field, 'must be a UTC timestamp like 2026-01-09T12:00:00.000000Z (six fractional digits)');
  return value;
}

function requireSignature(record: Record<string, unknown>, field: string): string {
  const value = requireString(record, field);
  const bytes = fromBase64(value);
  if (bytes === undefined || bytes.length !== 64) throw fieldError(field, 'must be a 64-byte Ed25519 signature in padded base64 (88 characters)');
  return value;
}

function fieldError(field: string, problem: string): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message: `${field} ${problem}`, details: { field } });
}
