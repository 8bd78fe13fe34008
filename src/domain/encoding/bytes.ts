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
  if (text.length % 2 !== 0) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = text.charCodeAt(2 * i);
    const lo = text.charCodeAt(2 * i + 1);
    const h = hi < 128 ? HEX_VALUE[hi]! : -1;
    const l = lo < 128 ? HEX_VALUE[lo]! : -1;
    if (h < 0 || l < 0) return undefined;
    out[i] = (h << 4) | l;
  }
  return out;
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
  if (text.length % 4 !== 0) return undefined;
  const padding = text.length === 0 ? 0 : text.charCodeAt(text.length - 1) !== PAD ? 0 : text.charCodeAt(text.length - 2) === PAD ? 2 : 1;
  const chars = text.length - padding;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  let n = 0;
  for (let i = 0; i < chars; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? BASE64_VALUE[c]! : -1;
    if (v < 0) return undefined;
    n = (n << 6) | v;
    if ((i & 3) === 3) {
      out[o++] = n >> 16;
      out[o++] = (n >> 8) & 255;
      out[o++] = n & 255;
      n = 0;
    }
  }
  if (padding === 2) {
    if ((n & 0x0f) !== 0) return undefined;
    out[o] = n >> 4;
  } else if (padding === 1) {
    if ((n & 0x03) !== 0) return undefined;
    out[o++] = n >> 10;
    out[o] = (n >> 2) & 255;
  }
  return out;
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
