import type { HaltChannelEvent } from '../../app/ports.js';

/** Longest message parsed; anything longer is not ours (a reason is a sentence, not a payload). */
const MAX_MESSAGE_LENGTH = 64 * 1024;

/** The JSON published on the events channel: {kind, reason, source, at}; undefined fields are left out. */
export function encodeHaltMessage(event: HaltChannelEvent): string {
  if (event.kind === 'cleared') return JSON.stringify({ kind: 'cleared' });
  return JSON.stringify({ kind: 'raised', reason: event.reason, source: event.source, at: event.at });
}

/**
 * Parses a message from the events channel. Attacker-controlled: anyone who can PUBLISH on the Redis server can
 * send anything, so this returns undefined for anything that is not exactly one of our two shapes (too long, not
 * JSON, unknown kind, a non-string field). The caller then re-reads the keys instead of trusting the message.
 */
export function parseHaltMessage(text: string): HaltChannelEvent | undefined {
  if (text.length > MAX_MESSAGE_LENGTH) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  if (fields.kind === 'cleared') return { kind: 'cleared' };
  if (fields.kind !== 'raised') return undefined;
  const reason = optionalString(fields.reason);
  const source = optionalString(fields.source);
  const at = optionalString(fields.at);
  if (reason === false || source === false || at === false) return undefined;
  return { kind: 'raised', reason, source, at };
}

/** A string, undefined when absent or null, false when it is anything else. */
function optionalString(value: unknown): string | undefined | false {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : false;
}
