/**
 * Byte encodings used by the protocol: lowercase hex and padded standard base64 (RFC 4648 §4).
 * Pure and platform-neutral (TextEncoder, btoa and atob exist in Node 20 and every browser), so the
 * server, the CLI and the browser verifier decode exactly alike.
 */

const HEX = /^(?:[0-9a-f]{2})*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8Encoder = new TextEncoder();

/** UTF-8 bytes of a string. The caller guarantees well-formed Unicode (canonicalize checks it). */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Decodes lowercase hex; returns undefined for anything else (odd length, uppercase, other characters). */
export function fromHex(text: string): Uint8Array | undefined {
  if (!HEX.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Padded standard base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * Decodes padded standard base64 and requires the canonical encoding (re-encoding gives the same text),
 * so one byte string has exactly one accepted spelling. Returns undefined otherwise.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return toBase64(out) === text ? out : undefined;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
