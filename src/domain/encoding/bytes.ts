/**
 * Byte encodings used by the protocol: lowercase hex and padded standard base64 (RFC 4648 §4).
 * Pure and platform-neutral (TextEncoder and lookup tables, nothing Node-only), so the
 * server, the CLI and the browser verifier decode exactly alike.
 */

const utf8Encoder = new TextEncoder();

// Lookup tables: these run several times per event on every append and every verification, where the regular
// expressions, parseInt and atob/btoa round trips they replace were a fifth of the verifier's time.
const HEX_DIGITS = '0123456789abcdef';
const BYTE_TO_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!);
/** Char code -> nibble for '0'-'9' and 'a'-'f'; -1 for every other code below 128 (uppercase included). */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX_DIGITS.charCodeAt(i)] = i;
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Char code -> sextet for the standard alphabet; -1 for every other code below 128 ('=' included). */
const BASE64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64_VALUE[BASE64_ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;

/** UTF-8 bytes of a string. The caller guarantees well-formed Unicode (canonicalize checks it). */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_HEX[bytes[i]!];
  return out;
}

/** Decodes lowercase hex; returns undefined for anything else (odd length, uppercase, other characters). */
export function fromHex(text: string): Uint8Array | undefined {
  const codes = utf8Encoder.encode(text);
  return fromHexAscii(codes, 0, codes.length);
}

/**
 * fromHex over the character codes bytes[from, to) (ASCII text held as bytes, such as a span of an export line):
 * lowercase hex decoded, or undefined for anything else.
 */
export function fromHexAscii(bytes: Uint8Array, from: number, to: number): Uint8Array | undefined {
  if ((to - from) % 2 !== 0) return undefined;
  const out = new Uint8Array((to - from) / 2);
  return decodeHexInto(bytes, from, to, out, 0) ? out : undefined;
}

/**
 * Decodes the lowercase hex character codes bytes[from, to) (an even count) into out[outAt..]; false, with out
 * partly written, at the first code that is not a lowercase hex digit.
 */
export function decodeHexInto(bytes: Uint8Array, from: number, to: number, out: Uint8Array, outAt: number): boolean {
  for (let i = from, o = outAt; i < to; i += 2, o++) {
    const hi = bytes[i]!;
    const lo = bytes[i + 1]!;
    const h = hi < 128 ? HEX_VALUE[hi]! : -1;
    const l = lo < 128 ? HEX_VALUE[lo]! : -1;
    if (h < 0 || l < 0) return false;
    out[o] = (h << 4) | l;
  }
  return true;
}

/** Padded standard base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + BASE64_ALPHABET[(n >> 6) & 63]! + BASE64_ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + BASE64_ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Decodes padded standard base64 and requires the canonical encoding (the unused low bits of the last sextet
 * before padding are zero), so one byte string has exactly one accepted spelling: the text is exactly what
 * toBase64 gives for the bytes. Returns undefined otherwise.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  const codes = utf8Encoder.encode(text);
  return fromBase64Ascii(codes, 0, codes.length);
}

/** fromBase64 over the character codes bytes[from, to) (ASCII text held as bytes): canonical padded base64 only. */
export function fromBase64Ascii(bytes: Uint8Array, from: number, to: number): Uint8Array | undefined {
  const length = base64DecodedLength(bytes, from, to);
  if (length < 0) return undefined;
  const out = new Uint8Array(length);
  return decodeBase64Into(bytes, from, to, out, 0) === length ? out : undefined;
}

/** How many bytes the padded base64 bytes[from, to) decodes to (from its length and padding); -1 for a length not a multiple of 4. */
export function base64DecodedLength(bytes: Uint8Array, from: number, to: number): number {
  const length = to - from;
  if (length % 4 !== 0) return -1;
  return (length / 4) * 3 - base64Padding(bytes, from, to);
}

/**
 * Decodes the canonical padded base64 character codes bytes[from, to) into out[outAt..] (base64DecodedLength(…)
 * bytes). Returns that count, or -1 (out partly written) for a length not a multiple of 4, a code outside the
 * alphabet, or non-zero unused bits before the padding.
 */
export function decodeBase64Into(bytes: Uint8Array, from: number, to: number, out: Uint8Array, outAt: number): number {
  const length = to - from;
  if (length % 4 !== 0) return -1;
  const padding = base64Padding(bytes, from, to);
  const chars = length - padding;
  let o = outAt;
  let n = 0;
  for (let i = 0; i < chars; i++) {
    const c = bytes[from + i]!;
    const v = c < 128 ? BASE64_VALUE[c]! : -1;
    if (v < 0) return -1;
    n = (n << 6) | v;
    if ((i & 3) === 3) {
      out[o++] = n >> 16;
      out[o++] = (n >> 8) & 255;
      out[o++] = n & 255;
      n = 0;
    }
  }
  if (padding === 2) {
    if ((n & 0x0f) !== 0) return -1;
    out[o++] = n >> 4;
  } else if (padding === 1) {
    if ((n & 0x03) !== 0) return -1;
    out[o++] = n >> 10;
    out[o++] = (n >> 2) & 255;
  }
  return o - outAt;
}

function base64Padding(bytes: Uint8Array, from: number, to: number): number {
  if (to === from || bytes[to - 1] !== PAD) return 0;
  return bytes[to - 2] === PAD ? 2 : 1;
}

/** Byte-wise (lexicographic) comparison of a[aAt, aEnd) with b[bAt, bEnd): negative, zero or positive. */
export function compareByteRanges(a: Uint8Array, aAt: number, aEnd: number, b: Uint8Array, bAt: number, bEnd: number): number {
  const n = Math.min(aEnd - aAt, bEnd - bAt);
  for (let k = 0; k < n; k++) {
    const d = a[aAt + k]! - b[bAt + k]!;
    if (d !== 0) return d;
  }
  return aEnd - aAt - (bEnd - bAt);
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (let i = 0; i < parts.length; i++) length += (parts[i] as Uint8Array).length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Uint8Array;
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
