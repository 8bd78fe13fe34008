import { isCanonicalTimestamp } from './timestamp.js';
import { compareByteRanges } from '../encoding/bytes.js';

/**
 * Reads an export line (docs/PROTOCOL.md §17.1) in place, as bytes, when it is exactly what exportLine writes:
 * the JCS text (RFC 8785) of an event's 13 protocol members. For such a line the content-hash text
 * (contentHashText, §4) is the line's own bytes minus two runs, `,"content_hash":"…"` and
 * `,"witness_id":…,"witness_signature":…`, closed by `}`: JCS writes every member as its name and its canonical
 * value in name order, and the content-hash members are a subset of the line's. So the hash needs no JSON.parse and
 * no re-canonicalisation (PROTOCOL §17.4; a verifier spends most of its hashes-only time on those two).
 *
 * read() accepts only lines it can prove canonical, byte by byte: no whitespace; the members in JCS order with the
 * types parseEventLine requires (64 lowercase hex digits for the hashes, a canonical authority_timestamp, a whole
 * `sequence` of at most 15 digits, an object `payload`); strings in ECMAScript JSON escaping (only `\"`, `\\`,
 * `\b`, `\f`, `\n`, `\r`, `\t`, and `\u00xx` for the other control characters), well-formed UTF-8; numbers
 * in ECMAScript Number-to-String form; payload member names strictly ascending. What it cannot prove quickly, it
 * refuses: payload names with escapes or non-ASCII bytes (whose JCS order is by UTF-16 code units, not bytes) and
 * nesting deeper than MAX_DEPTH. A refusal is not a verdict: the caller then reads the line with parseEventLine,
 * which decides. So, for every line read() accepts, parseEventLine accepts it too and gives the same member values,
 * and canonicalize gives back the same bytes (the property test test/domain/chain/canonical-event-line.property.test.ts
 * holds the two readers together).
 */
export class CanonicalEventLine {
  /** The buffer holding the line last read (the caller's, not a copy), and where in it the line starts and ends. */
  bytes: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  sequence = 0;
  /** Offsets in `bytes` of the first hex digit of content_hash and of prev_hash (64 digits each). */
  contentHashAt = 0;
  prevHashAt = 0;
  /** authority_timestamp's characters (without quotes): [timestampAt, timestampEnd). */
  timestampAt = 0;
  timestampEnd = 0;
  /** witness_id's and witness_signature's characters (without quotes). witness_id has no escape when witnessIdPlain. */
  witnessIdAt = 0;
  witnessIdEnd = 0;
  witnessIdPlain = false;
  witnessSignatureAt = 0;
  witnessSignatureEnd = 0;
  /** The content-hash text's holes: [contentHashMember, eventIdMember) and [witnessIdMember, end - 1). */
  private contentHashMember = 0;
  private eventIdMember = 0;
  private witnessIdMember = 0;
  /** Bytes of the last authority_timestamp found canonical: a batch's events share one, so it is checked once. */
  private canonicalTimestamp: Uint8Array = EMPTY;
  private hashInput = new Uint8Array(2048);

  /**
   * Reads the line that starts at bytes[start] and ends at the first "\n" after it, or at `limit`. True when it is
   * a canonical event line: `end` is then where it ends (its "\n", or limit) and the fields above locate its
   * values. False when it is not provably one (see the class comment); `end` is then meaningless. A canonical line
   * holds no raw "\n", so the scan never runs into the next line: it finds the line's end by reading it.
   */
  read(bytes: Uint8Array, start: number, limit: number): boolean {
    const end = limit;
    this.bytes = bytes;
    this.start = start;
    let i = member(bytes, start, end, AGENT_ID);
    i = stringAt(bytes, i, end);
    i = member(bytes, i, end, AUTHORITY_TIMESTAMP);
    this.timestampAt = i + 1;
    i = stringAt(bytes, i, end);
    this.timestampEnd = i - 1;
    this.contentHashMember = i;
    i = member(bytes, i, end, CONTENT_HASH);
    this.contentHashAt = i + 1;
    i = hexHashAt(bytes, i, end);
    this.eventIdMember = i;
    i = member(bytes, i, end, EVENT_ID);
    i = stringAt(bytes, i, end);
    i = member(bytes, i, end, EVENT_TYPE);
    i = stringAt(bytes, i, end);
    i = member(bytes, i, end, LOCAL_TIMESTAMP);
    i = stringAt(bytes, i, end);
    i = member(bytes, i, end, PAYLOAD);
    i = i >= 0 && bytes[i] === LEFT_BRACE ? objectAt(bytes, i, end, 1) : FAIL;
    i = member(bytes, i, end, PREV_HASH);
    this.prevHashAt = i + 1;
    i = hexHashAt(bytes, i, end);
    i = member(bytes, i, end, SEQUENCE);
    i = this.readSequence(i, end);
    i = member(bytes, i, end, SIGNATURE);
    i = stringAt(bytes, i, end);
    i = member(bytes, i, end, SIGNING_KEY_ID);
    i = stringAt(bytes, i, end);
    this.witnessIdMember = i;
    i = member(bytes, i, end, WITNESS_ID);
    this.witnessIdAt = i + 1;
    i = stringAt(bytes, i, end);
    this.witnessIdEnd = i - 1;
    this.witnessIdPlain = !lastString.escaped;
    i = member(bytes, i, end, WITNESS_SIGNATURE);
    this.witnessSignatureAt = i + 1;
    i = stringAt(bytes, i, end);
    this.witnessSignatureEnd = i - 1;
    if (i < 0 || bytes[i] !== RIGHT_BRACE || (i + 1 < limit && bytes[i + 1] !== NEWLINE)) return false;
    this.end = i + 1;
    return this.timestampIsCanonical();
  }

  /**
   * The UTF-8 bytes of contentHashText for the line last read: the line without its content_hash and witness
   * members. A view of a buffer reused by the next call.
   */
  contentHashInput(): Uint8Array {
    const { bytes, start } = this;
    const head = this.contentHashMember - start;
    const middle = this.witnessIdMember - this.eventIdMember;
    const length = head + middle + 1;
    if (this.hashInput.length < length) this.hashInput = new Uint8Array(length * 2);
    const out = this.hashInput;
    out.set(bytes.subarray(start, this.contentHashMember), 0);
    out.set(bytes.subarray(this.eventIdMember, this.witnessIdMember), head);
    out[length - 1] = RIGHT_BRACE;
    return out.subarray(0, length);
  }

  private readSequence(i: number, end: number): number {
    // 1 to 15 digits, no leading zero: canonical (Number-to-String prints such integers digit for digit) and below
    // 2^53, so a safe integer ≥ 1, as parseEventLine requires. Anything longer is left to parseEventLine.
    if (i < 0) return FAIL;
    let value = 0;
    let j = i;
    for (; j < end && j - i < 16; j++) {
      const c = this.bytes[j] as number;
      if (c < DIGIT_0 || c > DIGIT_9) break;
      if (j === i && c === DIGIT_0) return FAIL;
      value = value * 10 + (c - DIGIT_0);
    }
    if (j === i || j - i > 15) return FAIL;
    this.sequence = value;
    return j;
  }

  private timestampIsCanonical(): boolean {
    const { bytes, timestampAt, timestampEnd } = this;
    const known = this.canonicalTimestamp;
    if (known.length === timestampEnd - timestampAt) {
      let same = true;
      for (let k = 0; k < known.length && same; k++) same = known[k] === bytes[timestampAt + k];
      if (same) return true;
    }
    // Every canonical timestamp is 27 ASCII characters (2026-01-09T12:00:00.000000Z); read as Latin-1, any byte
    // above 0x7f becomes a character the canonical pattern refuses.
    if (timestampEnd - timestampAt !== 27) return false;
    if (!isCanonicalTimestamp(latin1(bytes, timestampAt, timestampEnd))) return false;
    this.canonicalTimestamp = bytes.slice(timestampAt, timestampEnd);
    return true;
  }
}

/** Nesting of payload objects and arrays beyond which read() leaves the line to parseEventLine. */
export const MAX_DEPTH = 64;

const FAIL = -1;
const EMPTY = new Uint8Array(0);
const NEWLINE = 0x0a;
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

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
// Each member's opening: the separator before it (the object's brace for the first), its name and the colon.
const AGENT_ID = ascii('{"agent_id":');
const AUTHORITY_TIMESTAMP = ascii(',"authority_timestamp":');
const CONTENT_HASH = ascii(',"content_hash":');
const EVENT_ID = ascii(',"event_id":');
const EVENT_TYPE = ascii(',"event_type":');
const LOCAL_TIMESTAMP = ascii(',"local_timestamp":');
const PAYLOAD = ascii(',"payload":');
const PREV_HASH = ascii(',"prev_hash":');
const SEQUENCE = ascii(',"sequence":');
const SIGNATURE = ascii(',"signature":');
const SIGNING_KEY_ID = ascii(',"signing_key_id":');
const WITNESS_ID = ascii(',"witness_id":');
const WITNESS_SIGNATURE = ascii(',"witness_signature":');
const TRUE = ascii('true');
const FALSE = ascii('false');
const NULL = ascii('null');

/** What the last string stringAt accepted held: an escape, a character beyond ASCII (so callers need not scan it again). */
const lastString = { escaped: false, nonAscii: false };

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

/** 1 for the character codes of 0-9 and a-f. */
const LOWER_HEX = new Uint8Array(256);
for (const c of ascii('0123456789abcdef')) LOWER_HEX[c] = 1;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The index after `literal` when bytes[i..] starts with it; FAIL otherwise (or when i is FAIL). */
function member(bytes: Uint8Array, i: number, end: number, literal: Uint8Array): number {
  if (i < 0 || end - i < literal.length) return FAIL;
  for (let k = 0; k < literal.length; k++) if (bytes[i + k] !== literal[k]) return FAIL;
  return i + literal.length;
}

/** A quoted run of exactly 64 lowercase hex digits at i: the index after its closing quote, or FAIL. */
function hexHashAt(bytes: Uint8Array, i: number, end: number): number {
  if (i < 0 || end - i < 66 || bytes[i] !== QUOTE || bytes[i + 65] !== QUOTE) return FAIL;
  for (let k = i + 1; k <= i + 64; k++) if (LOWER_HEX[bytes[k] as number] === 0) return FAIL;
  return i + 66;
}

/**
 * A canonical JSON string at i (opening quote included): the index after its closing quote, or FAIL. Canonical is
 * what JSON.stringify writes for a well-formed string: raw characters from U+0020 up except `"` and `\`, the two-
 * character escapes for `"`, `\`, and backspace, form feed, line feed, carriage return and tab, `\u00xx` (lowercase)
 * for the other characters below U+0020, and nothing else escaped.
 */
function stringAt(bytes: Uint8Array, i: number, end: number): number {
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
      return member(bytes, i, end, TRUE);
    case 0x66:
      return member(bytes, i, end, FALSE);
    case 0x6e:
      return member(bytes, i, end, NULL);
    default:
      return numberAt(bytes, i, end);
  }
}

/**
 * A canonical object at i (`{`): members whose names are plain (ASCII, no escape) and strictly ascending, so that
 * byte order is JCS's UTF-16 order and no name repeats. The index after its `}`, or FAIL.
 */
function objectAt(bytes: Uint8Array, i: number, end: number, depth: number): number {
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
function latin1(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}
