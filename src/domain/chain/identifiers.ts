/**
 * The protocol's identifier grammars (docs/PROTOCOL.md §2.2), in one place: event ids, event types (and keeper
 * statement types, which follow the same grammar) and actor and key identifiers. Migrations 001 and 003 check the
 * same patterns.
 */

/** Longest identifier or event type, in characters. */
export const MAX_IDENTIFIER = 128;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVENT_TYPE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;
/** Agent, witness and key identifiers: `agent-{uuid}`, `SYSTEM:EVENT_WRITER`, `WITNESS:…`, `dev-…`. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9:_.\-]*$/;

/** A lowercase hyphenated UUID. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** Dot-separated lowercase words, e.g. `motion.proposed`, at most 128 characters. */
export function isEventType(text: string): boolean {
  return text.length <= MAX_IDENTIFIER && EVENT_TYPE.test(text);
}

/** A letter or digit, then letters, digits and `: _ . -`, at most 128 characters. */
export function isIdentifier(text: string): boolean {
  return text.length <= MAX_IDENTIFIER && IDENTIFIER.test(text);
}
