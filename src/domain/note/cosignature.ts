import { concatBytes, toHex, utf8 } from '../encoding/bytes.js';
import { InputError, SignatureError } from '../errors.js';
import type { Ed25519Verify } from '../signing/ed25519.js';
import { noteKeyId, noteSignatureLine, NOTE_SIGNATURE_TYPE, type NoteSignature, type SignedNote } from './signed-note.js';
import { signaturesByKey } from './verify-note.js';

/**
 * C2SP tlog-cosignature, Ed25519 cosignature/v1 (signed-note type 0x04): a cosigner's timestamped statement that
 * the checkpoint is the largest consistent tree head it has seen for the log.
 */

/** A trusted cosigner: its name (the key name of its lines) and its raw Ed25519 public key. */
export interface CosignerKey {
  name: string;
  /** 32 bytes. */
  publicKey: Uint8Array;
}

/** A parsed cosignature line. */
export interface Cosignature {
  cosignerName: string;
  keyId: Uint8Array;
  /** POSIX seconds at which it was made. */
  timestamp: number;
  /** The Ed25519 signature, 64 bytes. */
  signature: Uint8Array;
}

/** Bytes after the key ID: an 8-byte big-endian timestamp and a 64-byte Ed25519 signature. */
const TIMESTAMPED_SIGNATURE_BYTES = 8 + 64;
const MAX_TIMESTAMP = 2n ** 63n - 1n;

/** The key ID of a cosigner's key: SHA-256(name || 0x0A || 0x04 || public key)[:4]. */
export function cosignatureKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  return noteKeyId(name, NOTE_SIGNATURE_TYPE.cosignatureV1, publicKey);
}

/**
 * The message a cosigner signs: "cosignature/v1\ntime <timestamp>\n" followed by the whole note text of the
 * checkpoint (extension lines included, signature lines not). Throws InputError INPUT_FIELD_INVALID when the
 * timestamp is not a safe integer ≥ 0 or the text does not end with a newline.
 */
export function cosignatureMessage(noteText: string, timestamp: number): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw fieldInvalid('timestamp', `cosignature timestamp ${timestamp} is not a whole number of seconds ≥ 0`);
  if (!noteText.endsWith('\n')) throw fieldInvalid('note', 'the cosigned note text must end with a newline');
  return concatBytes(utf8(`cosignature/v1\ntime ${timestamp}\n`), utf8(noteText));
}

/**
 * A cosignature line with its newline: "— <name> <base64(keyId4 || uint64be(timestamp) || signature64)>\n".
 * Throws InputError INPUT_FIELD_INVALID for a bad timestamp or a signature that is not 64 bytes, and
 * INPUT_NOTE_MALFORMED for an invalid name or a key ID that is not 4 bytes.
 */
export function cosignatureLine(name: string, keyId4: Uint8Array, timestamp: number, signature64: Uint8Array): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw fieldInvalid('timestamp', `cosignature timestamp ${timestamp} is not a whole number of seconds ≥ 0`);
  if (signature64.length !== 64) throw fieldInvalid('signature', `an Ed25519 signature is 64 bytes, got ${signature64.length}`);
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigUint64(0, BigInt(timestamp));
  return noteSignatureLine(name, keyId4, concatBytes(time, signature64));
}

/**
 * Reads a signature line as a cosignature. Throws SignatureError SIG_MALFORMED when it is not 8 + 64 bytes after
 * the key ID, or its timestamp exceeds 2^63 - 1 (tlog-cosignature) or 2^53 - 1 (what we can represent).
 */
export function parseCosignature(line: NoteSignature): Cosignature {
  if (line.signature.length !== TIMESTAMPED_SIGNATURE_BYTES) {
    throw new SignatureError({ code: 'SIG_MALFORMED', message: `a cosignature is 4 + 8 + 64 bytes, got 4 + ${line.signature.length}`, details: { cosigner: line.keyName } });
  }
  const time = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0);
  if (time > MAX_TIMESTAMP || time > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new SignatureError({ code: 'SIG_MALFORMED', message: `cosignature timestamp ${time} is out of range`, details: { cosigner: line.keyName } });
  }
  return { cosignerName: line.keyName, keyId: line.keyId, timestamp: Number(time), signature: line.signature.slice(8) };
}

/**
 * Verifies `cosigner`'s cosignature on the note and returns it. Lines of other names or key IDs are ignored.
 * Throws SignatureError SIG_NOTE_SIGNATURE_MISSING when the cosigner has no line, and SIG_INVALID when one of its
 * lines is malformed or does not verify.
 */
export function verifyCosignature(note: SignedNote, cosigner: CosignerKey, verify: Ed25519Verify): Cosignature {
  const lines = signaturesByKey(note, cosigner.name, cosignatureKeyId(cosigner.name, cosigner.publicKey));
  if (lines.length === 0) {
    throw new SignatureError({ code: 'SIG_NOTE_SIGNATURE_MISSING', message: `the note carries no cosignature of ${cosigner.name}`, details: { cosigner: cosigner.name } });
  }
  const verified = lines.map((line) => {
    let cosignature: Cosignature;
    try {
      cosignature = parseCosignature(line);
    } catch (cause) {
      throw invalid(cosigner.name, cause);
    }
    if (!verify(cosignature.signature, cosignatureMessage(note.text, cosignature.timestamp), cosigner.publicKey)) throw invalid(cosigner.name);
    return cosignature;
  });
  return verified[0] as Cosignature;
}

/** The outcome of a quorum check: who cosigned validly, and which trusted cosigners' lines failed. */
export interface CosignatureQuorum {
  cosignatures: Cosignature[];
  /** Names of trusted cosigners with a line that is malformed or does not verify (not counted). */
  invalid: string[];
}

/**
 * Checks that at least `quorum` distinct trusted cosigners cosigned the note (k of n). Lines of unknown keys are
 * ignored; a trusted cosigner's failing line is reported in `invalid` and not counted. Cosigners are counted by
 * public key: the cosignature/v1 message does not commit to the name, so one key listed under two names would
 * otherwise count twice. Throws SignatureError SIG_COSIGNATURE_QUORUM_NOT_MET (details: required, cosigners,
 * invalid) when fewer verify, InputError INPUT_FIELD_INVALID when `quorum` is not a whole number ≥ 1.
 */
export function verifyCosignatureQuorum(note: SignedNote, trusted: readonly CosignerKey[], quorum: number, verify: Ed25519Verify): CosignatureQuorum {
  if (!Number.isSafeInteger(quorum) || quorum < 1) throw fieldInvalid('quorum', `a cosignature quorum is a whole number ≥ 1, got ${quorum}`);
  const counted = new Set<string>();
  const result: CosignatureQuorum = { cosignatures: [], invalid: [] };
  for (const cosigner of trusted) {
    let cosignature: Cosignature;
    try {
      cosignature = verifyCosignature(note, cosigner, verify);
    } catch (err) {
      // A trusted cosigner with an invalid name is a configuration fault: let it surface.
      if (!(err instanceof SignatureError)) throw err;
      if (err.code === 'SIG_INVALID') result.invalid.push(cosigner.name);
      continue;
    }
    const key = toHex(cosigner.publicKey);
    if (counted.has(key)) continue;
    counted.add(key);
    result.cosignatures.push(cosignature);
  }
  if (result.cosignatures.length < quorum) {
    const cosigners = result.cosignatures.map((c) => c.cosignerName);
    throw new SignatureError({
      code: 'SIG_COSIGNATURE_QUORUM_NOT_MET',
      message: `${cosigners.length} of the required ${quorum} cosignatures verify`,
      details: { required: quorum, cosigners, invalid: result.invalid },
    });
  }
  return result;
}

function invalid(name: string, cause?: unknown): SignatureError {
  return new SignatureError({ code: 'SIG_INVALID', message: `the cosignature of ${name} does not verify`, details: { cosigner: name }, cause });
}

function fieldInvalid(field: string, message: string): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message, details: { field } });
}
