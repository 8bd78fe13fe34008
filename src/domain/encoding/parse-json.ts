import { InputError } from '../errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses JSON text from untrusted bytes. Invalid UTF-8 is refused (not replaced with U+FFFD, which would
 * silently change what gets signed) and a syntax error becomes InputError INPUT_INVALID_JSON.
 */
export function parseJsonBytes(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (cause) {
    throw new InputError({ code: 'INPUT_INVALID_JSON', message: `${what} is not valid UTF-8`, cause });
  }
  return parseJsonText(text, what);
}

/** Parses JSON text, turning a syntax error into InputError INPUT_INVALID_JSON naming `what`. */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InputError({ code: 'INPUT_INVALID_JSON', message: `${what} is not valid JSON: ${(cause as Error).message}`, cause });
  }
}
