import { sha256 } from '../encoding/sha256.js';
import { concatBytes, fromBase64, toBase64, utf8 } from '../encoding/bytes.js';
import { InputError } from '../errors.js';

/**
 * C2SP signed-note (c2sp.org/signed-note): a text ending in a newline, a blank line, then one or more signature
 * lines "— <key name> <base64(key ID (4 bytes) || signature)>\n". Parsing and formatting only; which keys are
 * trusted and what a signature covers are decided by the callers (verify-note.ts, cosignature.ts).
 */

/** Every signature line starts with an em dash (U+2014) and a space. */
export const NOTE_SIGNATURE_PREFIX = '\u2014 ';

/**
 * Most signature lines a note may carry (signed-note: verifiers SHOULD bound them and MUST accept at least 16;
 * golang.org/x/mod/sumdb/note refuses more than 100, and so do we).
 */
export const MAX_NOTE_SIGNATURES = 100;

/** Longest note accepted, in UTF-16 code units (a checkpoint with 100 Ed25519 lines is well under 16 KiB). */
export const MAX_NOTE_LENGTH = 65_536;

/** Signature type bytes of signed-note §"Signature types" that this project uses. */
export const NOTE_SIGNATURE_TYPE = { ed25519: 0x01, cosignatureV1: 0x04 } as const;

/** One signature line of a note, parsed but not verified. */
export interface NoteSignature {
  /** The key name (non-empty, no Unicode space, no '+'). */
  keyName: string;
  /** The first four bytes of the decoded signature: the key ID (big-endian uint32 in the spec's words). */
  keyId: Uint8Array;
  /** The decoded signature after the key ID (at least one byte; its meaning depends on the key's type). */
  signature: Uint8Array;
}

/** A signed note as parsed: the text (with its final newline, without the blank line) and its signature lines. */
export interface SignedNote {
  text: string;
  signatures: NoteSignature[];
}

// signed-note: key names MUST NOT contain Unicode spaces. \p{White_Space} is exactly Go's unicode.IsSpace, which
// the reference implementation (golang.org/x/mod/sumdb/note) uses.
const UNICODE_SPACE = /\p{White_Space}/u;
// signed-note: no ASCII control characters other than newline, anywhere in the note.
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

/**
 * True when `name` may be a note key name: non-empty, well-formed Unicode, no Unicode space and no '+' (U+002B),
 * and no control character (a note may not contain one anywhere).
 */
export function isValidKeyName(name: string): boolean {
  return name !== '' && name.isWellFormed() && !UNICODE_SPACE.test(name) && !name.includes('+') && !CONTROL.test(name);
}

/**
 * The key ID signed-note recommends (and tlog-checkpoint / tlog-cosignature require):
 * SHA-256(key name || 0x0A || signature type || public key)[:4]. Throws InputError INPUT_NOTE_MALFORMED when the
 * key name is not a valid key name or the type is not a byte.
 */
export function noteKeyId(keyName: string, signatureType: number, publicKey: Uint8Array): Uint8Array {
  if (!isValidKeyName(keyName)) throw malformed(`${JSON.stringify(keyName)} is not a key name (non-empty, no spaces, no '+')`);
  if (!Number.isInteger(signatureType) || signatureType < 0 || signatureType > 0xff) throw malformed(`signature type ${signatureType} is not a byte`);
  return sha256(concatBytes(utf8(keyName), Uint8Array.of(0x0a, signatureType), publicKey)).subarray(0, 4);
}

/**
 * One signature line, with its terminating newline: "— <keyName> <base64(keyId || signature)>\n". Throws
 * InputError INPUT_NOTE_MALFORMED for an invalid key name, a key ID that is not 4 bytes or an empty signature.
 */
export function noteSignatureLine(keyName: string, keyId: Uint8Array, signature: Uint8Array): string {
  if (!isValidKeyName(keyName)) throw malformed(`${JSON.stringify(keyName)} is not a key name (non-empty, no spaces, no '+')`);
  if (keyId.length !== 4) throw malformed(`a key ID is 4 bytes, got ${keyId.length}`);
  if (signature.length === 0) throw malformed('the signature is empty');
  return `${NOTE_SIGNATURE_PREFIX}${keyName} ${toBase64(concatBytes(keyId, signature))}\n`;
}

/**
 * The signed note of `text` and `lines` (each a complete line from noteSignatureLine): text, blank line, lines.
 * Throws InputError INPUT_NOTE_MALFORMED when the text does not end in a newline or there is no line.
 */
export function formatSignedNote(text: string, lines: readonly string[]): string {
  if (!text.endsWith('\n')) throw malformed('the note text must end with a newline');
  if (lines.length === 0) throw malformed('a signed note needs at least one signature line');
  return `${text}\n${lines.join('')}`;
}

/**
 * Parses a signed note (attacker-controlled: a request body, a stored note). Strict, after signed-note and the Go
 * reference: no control character but newline, no lone surrogate; the text is everything up to and including the
 * newline before the LAST blank line; after it, 1–100 lines, each "— name base64" ending in a newline, the name a
 * valid key name, the base64 padded, canonical and at least 5 bytes long. Throws InputError INPUT_NOTE_MALFORMED
 * (details.reason says what) otherwise. Verifies nothing.
 */
export function parseSignedNote(note: string): SignedNote {
  if (note.length > MAX_NOTE_LENGTH) throw malformed(`the note is longer than ${MAX_NOTE_LENGTH} characters`);
  if (!note.isWellFormed()) throw malformed('the note is not valid Unicode (a lone surrogate)');
  if (CONTROL.test(note)) throw malformed('the note contains a control character other than newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line separates the text from the signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('the signature block must be one or more lines, each ending in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signature lines`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

function parseSignatureLine(line: string, index: number): NoteSignature {
  if (!line.startsWith(NOTE_SIGNATURE_PREFIX)) throw malformed(`signature line ${index + 1} does not start with an em dash and a space`);
  const rest = line.slice(NOTE_SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const keyName = space < 0 ? rest : rest.slice(0, space);
  if (!isValidKeyName(keyName)) throw malformed(`signature line ${index + 1} has no valid key name`);
  const bytes = space < 0 ? undefined : fromBase64(rest.slice(space + 1));
  if (bytes === undefined) throw malformed(`signature line ${index + 1}: the signature is not padded canonical base64`);
  if (bytes.length < 5) throw malformed(`signature line ${index + 1}: the signature is shorter than a key ID and one byte`);
  return { keyName, keyId: bytes.slice(0, 4), signature: bytes.slice(4) };
}

function malformed(reason: string): InputError {
  return new InputError({ code: 'INPUT_NOTE_MALFORMED', message: `malformed signed note: ${reason}`, details: { reason } });
}
