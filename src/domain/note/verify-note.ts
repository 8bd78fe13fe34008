import { utf8 } from '../encoding/bytes.js';
import { SignatureError } from '../errors.js';
import type { Ed25519Verify } from '../signing/ed25519.js';
import { noteKeyId, NOTE_SIGNATURE_TYPE, type NoteSignature, type SignedNote } from './signed-note.js';

/** A trusted note key: its name and its raw public key. */
export interface NoteVerifierKey {
  keyName: string;
  /** Raw Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
}

/** True when two 4-byte key IDs are equal. */
export function sameKeyId(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * The signature lines of `note` made by the key (name, key ID): lines of other names or IDs are another key's,
 * which signed-note says to ignore, even when they share the name or the ID (but not both).
 */
export function signaturesByKey(note: SignedNote, keyName: string, keyId: Uint8Array): NoteSignature[] {
  return note.signatures.filter((s) => s.keyName === keyName && sameKeyId(s.keyId, keyId));
}

/**
 * Verifies the Ed25519 note signature (signed-note type 0x01) of `key` over the note text, and returns it.
 * Throws SignatureError SIG_NOTE_SIGNATURE_MISSING when no line has the key's name and key ID, and SIG_INVALID
 * when a line of the key does not verify (signed-note: a failed signature from a known key rejects the note,
 * even when another line of the same key verifies).
 */
export function verifyNoteSignature(note: SignedNote, key: NoteVerifierKey, verify: Ed25519Verify): NoteSignature {
  const keyId = noteKeyId(key.keyName, NOTE_SIGNATURE_TYPE.ed25519, key.publicKey);
  const lines = signaturesByKey(note, key.keyName, keyId);
  const [first] = lines;
  if (first === undefined) {
    throw new SignatureError({ code: 'SIG_NOTE_SIGNATURE_MISSING', message: `the note carries no signature of key ${key.keyName}`, details: { keyName: key.keyName } });
  }
  const message = utf8(note.text);
  for (const line of lines) {
    if (!verify(line.signature, message, key.publicKey)) {
      throw new SignatureError({ code: 'SIG_INVALID', message: `the signature of key ${key.keyName} on the note does not verify`, details: { keyName: key.keyName } });
    }
  }
  return first;
}
