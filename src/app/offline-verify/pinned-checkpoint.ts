import { parseSignedNote, type SignedNote } from '../../domain/note/signed-note.js';
import { parseCheckpointBody, logKeyId, type CheckpointBody } from '../../domain/note/checkpoint-note.js';
import { verifyNoteSignature, signaturesByKey } from '../../domain/note/verify-note.js';
import { verifyCosignatureQuorum, type CosignerKey } from '../../domain/note/cosignature.js';
import { AppError, SignatureError } from '../../domain/errors.js';
import { LOG_SIGNER_ID } from '../provision-keys.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { PublicKeyRecord } from '../../domain/signing/key.types.js';
import type { FaultCheck, VerificationFault } from './verification-fault.js';

/** A checkpoint the verifier was given to check the events against (`--checkpoint FILE`). */
export interface PinnedCheckpoint {
  /** Where it came from (a file name), for reports. */
  name: string;
  note: SignedNote;
  checkpoint: CheckpointBody;
}

/** What a checkpoint's signatures are checked against: the log's keys and the trusted cosigners. */
export interface CheckpointTrust {
  /** Every key of the keys document; the log's are those of SYSTEM:LOG. */
  keys: readonly PublicKeyRecord[];
  /** Trusted cosigners (`--cosigner`); none: cosignatures are not checked. */
  cosigners: readonly CosignerKey[];
  /** Valid cosignatures required (k of n) when cosigners are given. */
  quorum: number;
  verify: Ed25519Verify;
}

/** What was established about one checkpoint's signatures. */
export interface CheckpointSignatures {
  /** The SYSTEM:LOG key that signed it. */
  logKeyId: string;
  /** Names of the trusted cosigners whose cosignature verified (empty when none were given). */
  cosigners: string[];
}

/**
 * Parses a pinned checkpoint: a C2SP signed note whose text is a tlog-checkpoint body (parseSignedNote,
 * parseCheckpointBody). Throws InputError INPUT_NOTE_MALFORMED or INPUT_CHECKPOINT_MALFORMED.
 */
export function parsePinnedCheckpoint(text: string, name: string): PinnedCheckpoint {
  const note = parseSignedNote(text);
  return { name, note, checkpoint: parseCheckpointBody(note.text) };
}

/**
 * Checks a checkpoint's signatures: the log's signature line by a SYSTEM:LOG key of the keys document, under the
 * checkpoint's origin as key name (verifyNoteSignature), then, when cosigners are trusted, a quorum of their
 * cosignatures (verifyCosignatureQuorum). Returns what verified, or the fault (at the checkpoint's tree size):
 * `checkpoint_signature` (SIG_NOTE_SIGNATURE_MISSING: no line of any log key, as for a checkpoint of another log;
 * SIG_INVALID) or `checkpoint_cosignatures` (SIG_COSIGNATURE_QUORUM_NOT_MET).
 */
export function checkCheckpointSignatures(pinned: PinnedCheckpoint, trust: CheckpointTrust): CheckpointSignatures | VerificationFault {
  const { origin, treeSize } = pinned.checkpoint;
  const logKeys = trust.keys.filter((k) => k.agentId === LOG_SIGNER_ID);
  // A log key signs under the log's origin; a line whose key ID is none of ours is another log's (or no one's).
  const signer = logKeys.find((k) => signaturesByKey(pinned.note, origin, logKeyId(origin, k.publicKey)).length > 0);
  try {
    if (signer === undefined) {
      throw new SignatureError({
        code: 'SIG_NOTE_SIGNATURE_MISSING',
        message: `checkpoint ${pinned.name} (origin ${origin}, tree size ${treeSize}) carries no signature of any ${LOG_SIGNER_ID} key in the keys document: it is not this log's`,
        details: { origin, treeSize },
      });
    }
    verifyNoteSignature(pinned.note, { keyName: origin, publicKey: signer.publicKey }, trust.verify);
  } catch (err) {
    return checkpointFault(err, pinned, 'checkpoint_signature');
  }
  if (trust.cosigners.length === 0) return { logKeyId: signer.keyId, cosigners: [] };
  try {
    const quorum = verifyCosignatureQuorum(pinned.note, trust.cosigners, trust.quorum, trust.verify);
    return { logKeyId: signer.keyId, cosigners: quorum.cosignatures.map((c) => c.cosignerName) };
  } catch (err) {
    return checkpointFault(err, pinned, 'checkpoint_cosignatures');
  }
}

/** A fault about checkpoint `pinned`, placed at its tree size (the sequence its root covers up to). */
export function checkpointFault(err: unknown, pinned: PinnedCheckpoint, check: FaultCheck): VerificationFault {
  if (!(err instanceof AppError)) throw err;
  return { sequence: pinned.checkpoint.treeSize, line: 0, check, code: err.code, message: `checkpoint ${pinned.name}: ${err.message}` };
}
