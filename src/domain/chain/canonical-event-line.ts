import { isCanonicalTimestamp } from './timestamp.js';
import { ascii, FAIL, lastString, latin1, literalAt, objectAt, stringAt } from './canonical-json-scan.js';

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
    let i = literalAt(bytes, start, end, AGENT_ID);
    i = stringAt(bytes, i, end);
    i = literalAt(bytes, i, end, AUTHORITY_TIMESTAMP);
    this.timestampAt = i + 1;
    i = stringAt(bytes, i, end);
    this.timestampEnd = i - 1;
    this.contentHashMember = i;
    i = literalAt(bytes, i, end, CONTENT_HASH);
    this.contentHashAt = i + 1;
    i = hexHashAt(bytes, i, end);
    this.eventIdMember = i;
    i = literalAt(bytes, i, end, EVENT_ID);
    i = stringAt(bytes, i, end);
    i = literalAt(bytes, i, end, EVENT_TYPE);
    i = stringAt(bytes, i, end);
    i = literalAt(bytes, i, end, LOCAL_TIMESTAMP);
    i = stringAt(bytes, i, end);
    i = literalAt(bytes, i, end, PAYLOAD);
    i = i >= 0 && bytes[i] === LEFT_BRACE ? objectAt(bytes, i, end, 1) : FAIL;
    i = literalAt(bytes, i, end, PREV_HASH);
    this.prevHashAt = i + 1;
    i = hexHashAt(bytes, i, end);
    i = literalAt(bytes, i, end, SEQUENCE);
    i = this.readSequence(i, end);
    i = literalAt(bytes, i, end, SIGNATURE);
    i = stringAt(bytes, i, end);
    i = literalAt(bytes, i, end, SIGNING_KEY_ID);
    i = stringAt(bytes, i, end);
    this.witnessIdMember = i;
    i = literalAt(bytes, i, end, WITNESS_ID);
    this.witnessIdAt = i + 1;
    i = stringAt(bytes, i, end);
    this.witnessIdEnd = i - 1;
    this.witnessIdPlain = !lastString.escaped;
    i = literalAt(bytes, i, end, WITNESS_SIGNATURE);
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

const EMPTY = new Uint8Array(0);
const NEWLINE = 0x0a;
const QUOTE = 0x22;
const LEFT_BRACE = 0x7b;
const RIGHT_BRACE = 0x7d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

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

/** 1 for the character codes of 0-9 and a-f. */
const LOWER_HEX = new Uint8Array(256);
for (const c of ascii('0123456789abcdef')) LOWER_HEX[c] = 1;

/** A quoted run of exactly 64 lowercase hex digits at i: the index after its closing quote, or FAIL. */
function hexHashAt(bytes: Uint8Array, i: number, end: number): number {
  if (i < 0 || end - i < 66 || bytes[i] !== QUOTE || bytes[i + 65] !== QUOTE) return FAIL;
  for (let k = i + 1; k <= i + 64; k++) if (LOWER_HEX[bytes[k] as number] === 0) return FAIL;
  return i + 66;
}

