import { compareByteRanges } from '../encoding/bytes.js';

/**
 * Byte-level reading of canonical JSON (RFC 8785 JCS as canonicalize writes it), for CanonicalEventLine: each
 * function reads one token or value at an index of a byte buffer and returns the index after it, or FAIL when the
 * bytes there are not that value in its one canonical spelling. FAIL only means "not provably canonical here": the
 * caller then reads the text as JSON. Nothing here allocates for text that is plain ASCII.
 */

/** What every reader returns when the bytes are not (provably) what it reads. */
export const FAIL = -1;
/** Nesting of objects and arrays beyond which objectAt and arrayAt give up (FAIL). */
export const MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LEFT_BRACE = 0x7b;
const RIGHT_BRACE = 0x7d;
const LEFT_BRACKET = 0x5b;
const RIGHT_BRACKET = 0x5d;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_A = 0x61;
const LOWER_F = 0x66;

/** The bytes of an ASCII string. */
export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

const TRUE = ascii('true');
const FALSE = ascii('false');
const NULL = ascii('null');

/** What the last string stringAt accepted held: an escape, a character beyond ASCII (so callers need not scan it again). */
export const lastString = { escaped: false, nonAscii: false };

/** What a byte is inside a JSON string: written as it is, part of a multi-byte character, its end, an escape, or not allowed raw. */
const PLAIN = 0;
const HIGH = 1;
const CLOSE = 2;
const ESCAPE = 3;
const CONTROL = 4;
const STRING_BYTE = new Uint8Array(256).fill(PLAIN);
STRING_BYTE.fill(CONTROL, 0, 0x20);
STRING_BYTE.fill(HIGH, 0x80, 0x100);
STRING_BYTE[0x22] = CLOSE;
STRING_BYTE[0x5c] = ESCAPE;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The index after `literal` when bytes[i..] starts with it; FAIL otherwise (or when i is FAIL). */
export function literalAt(bytes: Uint8Array, i: number, end: number, literal: Uint8Array): number {
  if (i < 0 || end - i < literal.length) return FAIL;
  for (let k = 0; k < literal.length; k++) if (bytes[i + k] !== literal[k]) return FAIL;
  return i + literal.length;
}

/**
 * A canonical JSON string at i (opening quote included): the index after its closing quote, or FAIL. Canonical is
 * what JSON.stringify writes for a well-formed string: raw characters from U+0020 up except `"` and `\`, the two-
 * character escapes for `"`, `\`, and backspace, form feed, line feed, carriage return and tab, `\u00xx` (lowercase)
 * for the other characters below U+0020, and nothing else escaped.
 */
export function stringAt(bytes: Uint8Array, i: number, end: number): number {
  if (i < 0 || bytes[i] !== QUOTE) return FAIL;
  const from = i + 1;
  let nonAscii = false;
  let escaped = false;
  let j = from;
  while (j < end) {
    // Runs of characters written as they are take one table lookup each.
    const kind = STRING_BYTE[bytes[j] as number] as number;
    if (kind === PLAIN) {
      j++;
    } else if (kind === HIGH) {
      nonAscii = true;
      j++;
    } else if (kind === CLOSE) {
      if (nonAscii && !isUtf8(bytes, from, j)) return FAIL;
      lastString.escaped = escaped;
      lastString.nonAscii = nonAscii;
      return j + 1;
    } else if (kind === ESCAPE) {
      escaped = true;
      j = escapeAt(bytes, j, end);
      if (j < 0) return FAIL;
    } else {
      return FAIL;
    }
  }
  return FAIL;
}

/** The index after the canonical escape sequence at i (a backslash), or FAIL. */
function escapeAt(bytes: Uint8Array, i: number, end: number): number {
  const c = bytes[i + 1];
  // " \ b f n r t
  if (c === 0x22 || c === 0x5c || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) return i + 2;
  if (c !== 0x75 || end - i < 6 || bytes[i + 2] !== DIGIT_0 || bytes[i + 3] !== DIGIT_0) return FAIL;
  const hi = bytes[i + 4] as number;
  const lo = bytes[i + 5] as number;
  const low = lo >= DIGIT_0 && lo <= DIGIT_9 ? lo - DIGIT_0 : lo >= LOWER_A && lo <= LOWER_F ? lo - LOWER_A + 10 : -1;
  if ((hi !== DIGIT_0 && hi !== DIGIT_0 + 1) || low < 0) return FAIL;
  const code = (hi - DIGIT_0) * 16 + low;
  // \b \t \n \f \r have their short escapes; JSON.stringify never writes them as \u00xx.
  if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return FAIL;
  return i + 6;
}

function isUtf8(bytes: Uint8Array, from: number, to: number): boolean {
  try {
    strictUtf8.decode(bytes.subarray(from, to));
    return true;
  } catch {
    return false;
  }
}

/** A canonical JSON value at i: the index after it, or FAIL. */
function valueAt(bytes: Uint8Array, i: number, end: number, depth: number): number {
  switch (bytes[i]) {
    case QUOTE:
      return stringAt(bytes, i, end);
    case LEFT_BRACE:
      return objectAt(bytes, i, end, depth + 1);
    case LEFT_BRACKET:
      return arrayAt(bytes, i, end, depth + 1);
    case 0x74:
      return literalAt(bytes, i, end, TRUE);
    case 0x66:
      return literalAt(bytes, i, end, FALSE);
    case 0x6e:
      return literalAt(bytes, i, end, NULL);
    default:
      return numberAt(bytes, i, end);
  }
}

/**
 * A canonical object at i (`{`): members whose names are plain (ASCII, no escape) and strictly ascending, so that
 * byte order is JCS's UTF-16 order and no name repeats. The index after its `}`, or FAIL.
 */
export function objectAt(bytes: Uint8Array, i: number, end: number, depth: number): number {
  if (depth > MAX_DEPTH) return FAIL;
  let j = i + 1;
  if (bytes[j] === RIGHT_BRACE) return j + 1;
  let previousAt = -1;
  let previousEnd = -1;
  for (;;) {
    const nameAt = j + 1;
    j = stringAt(bytes, j, end);
    if (j < 0) return FAIL;
    const nameEnd = j - 1;
    if (lastString.escaped || lastString.nonAscii) return FAIL;
    if (previousAt >= 0 && compareByteRanges(bytes, previousAt, previousEnd, bytes, nameAt, nameEnd) >= 0) return FAIL;
    previousAt = nameAt;
    previousEnd = nameEnd;
    if (bytes[j] !== COLON) return FAIL;
    j = valueAt(bytes, j + 1, end, depth);
    if (j < 0) return FAIL;
    if (bytes[j] === RIGHT_BRACE) return j + 1;
    if (bytes[j] !== COMMA) return FAIL;
    j++;
  }
}

/** A canonical array at i (`[`): the index after its `]`, or FAIL. */
function arrayAt(bytes: Uint8Array, i: number, end: number, depth: number): number {
  if (depth > MAX_DEPTH) return FAIL;
  let j = i + 1;
  if (bytes[j] === RIGHT_BRACKET) return j + 1;
  for (;;) {
    j = valueAt(bytes, j, end, depth);
    if (j < 0) return FAIL;
    if (bytes[j] === RIGHT_BRACKET) return j + 1;
    if (bytes[j] !== COMMA) return FAIL;
    j++;
  }
}

/**
 * A JSON number at i in ECMAScript Number-to-String form (what canonicalize writes): the index after it, or FAIL.
 * An integer of at most 15 digits without a leading zero (or 0) is canonical as written; "-0" is not (it prints as
 * 0). Any other number is canonical when printing its value gives back its text.
 */
function numberAt(bytes: Uint8Array, i: number, end: number): number {
  let j = i;
  if (bytes[j] === MINUS) j++;
  const digitsAt = j;
  while (j < end && isDigit(bytes[j] as number)) j++;
  const digits = j - digitsAt;
  if (digits === 0 || (digits > 1 && bytes[digitsAt] === DIGIT_0)) return FAIL;
  const negativeZero = digitsAt > i && digits === 1 && bytes[digitsAt] === DIGIT_0;
  let simple = digits <= 15 && !negativeZero;
  if (bytes[j] === 0x2e) {
    simple = false;
    const fractionAt = ++j;
    while (j < end && isDigit(bytes[j] as number)) j++;
    if (j === fractionAt) return FAIL;
  }
  if (bytes[j] === 0x65 || bytes[j] === 0x45) {
    simple = false;
    j++;
    if (bytes[j] === 0x2b || bytes[j] === MINUS) j++;
    const exponentAt = j;
    while (j < end && isDigit(bytes[j] as number)) j++;
    if (j === exponentAt) return FAIL;
  }
  if (simple) return j;
  // No canonical number is longer (the longest are like -1.2345678901234567e-308).
  if (j - i > 32) return FAIL;
  const text = latin1(bytes, i, j);
  const value = Number(text);
  return Number.isFinite(value) && String(value) === text ? j : FAIL;
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** Bytes as Latin-1 text (one character per byte): ASCII bytes give their own characters. */
export function latin1(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}
