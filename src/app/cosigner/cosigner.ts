import { AppError, CosignerError, InputError, MerkleError, SignatureError } from '../../domain/errors.js';
import { verifyConsistency } from '../../domain/merkle/consistency-proof.js';
import { hashesEqual } from '../../domain/merkle/tree-hash.js';
import { parseAddCheckpointRequest, type AddCheckpointRequest } from '../../domain/note/add-checkpoint-request.js';
import { parseCheckpointBody, type CheckpointBody } from '../../domain/note/checkpoint-note.js';
import { cosignatureKeyId, cosignatureLine, cosignatureMessage } from '../../domain/note/cosignature.js';
import { parseSignedNote } from '../../domain/note/signed-note.js';
import { verifyNoteSignature } from '../../domain/note/verify-note.js';
import { KeyedLock } from './keyed-lock.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { Clock, CosignedCheckpoint, CosignerSigner, CosignerStateStore } from '../ports.js';

/** How the cosigner logs; refused requests of a known log are worth keeping (tlog-witness: evidence of misbehaviour). */
export type CosignerLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** What a Cosigner needs: the logs it witnesses, its state and key, a clock and an Ed25519 verifier. */
export interface CosignerDeps {
  /** The logs this cosigner witnesses: origin → the log's Ed25519 public key (its key name is the origin). */
  logs: ReadonlyMap<string, Uint8Array>;
  state: CosignerStateStore;
  signer: CosignerSigner;
  clock: Clock;
  verify: Ed25519Verify;
  log: CosignerLog;
}

/**
 * A checkpoint cosigner (C2SP tlog-witness, docs/PROTOCOL.md §16.4): cosigns a log's checkpoint only when the log
 * signed it and it is consistent with the last checkpoint this cosigner cosigned for that log, which it records
 * durably before answering. Requests for one origin are serialised, so two of them can never both be cosigned
 * from the same old size.
 */
export class Cosigner {
  private readonly lock = new KeyedLock();
  private readonly keyId: Uint8Array;

  constructor(private readonly deps: CosignerDeps) {
    this.keyId = cosignatureKeyId(deps.signer.name, deps.signer.publicKey);
  }

  /**
   * Handles one add-checkpoint request body; resolves with the cosignature line (ending in a newline). Throws, in
   * the order tlog-witness checks: InputError INPUT_ADD_CHECKPOINT_MALFORMED / INPUT_NOTE_MALFORMED /
   * INPUT_CHECKPOINT_MALFORMED (400; also for an old size above the checkpoint's), CosignerError
   * COSIGNER_LOG_UNKNOWN (404), COSIGNER_LOG_SIGNATURE_INVALID (403), COSIGNER_OLD_SIZE_MISMATCH (409,
   * details.knownSize), COSIGNER_ROOT_MISMATCH (409: same size, other root), COSIGNER_CONSISTENCY_PROOF_INVALID
   * (422), COSIGNER_STATE_WRITE_FAILED (503: nothing was cosigned).
   */
  async addCheckpoint(requestBody: string): Promise<string> {
    const request = parseAddCheckpointRequest(requestBody);
    const note = parseSignedNote(request.checkpoint);
    const checkpoint = parseCheckpointBody(note.text);
    const { origin } = checkpoint;
    const logKey = this.deps.logs.get(origin);
    if (logKey === undefined) throw new CosignerError({ code: 'COSIGNER_LOG_UNKNOWN', message: `this cosigner does not witness the log ${origin}`, details: { origin } });
    try {
      verifyNoteSignature(note, { keyName: origin, publicKey: logKey }, this.deps.verify);
    } catch (err) {
      if (!(err instanceof SignatureError)) throw err;
      throw new CosignerError({ code: 'COSIGNER_LOG_SIGNATURE_INVALID', message: `the checkpoint carries no valid signature of the log ${origin}`, details: { origin }, cause: err });
    }
    if (request.oldSize > checkpoint.treeSize) {
      throw new InputError({
        code: 'INPUT_ADD_CHECKPOINT_MALFORMED',
        message: `old size ${request.oldSize} is larger than the checkpoint's tree size ${checkpoint.treeSize}`,
        details: { reason: 'old size above tree size', oldSize: request.oldSize, treeSize: checkpoint.treeSize },
      });
    }
    return this.lock.run(origin, () => this.cosign(request, checkpoint, note.text));
  }

  /** Runs under the origin's lock: the check against the state and the commit cannot interleave with another. */
  private async cosign(request: AddCheckpointRequest, checkpoint: CheckpointBody, text: string): Promise<string> {
    const { origin, treeSize } = checkpoint;
    const known = this.deps.state.latest(origin);
    const knownSize = known?.treeSize ?? 0;
    if (request.oldSize !== knownSize) {
      throw new CosignerError({
        code: 'COSIGNER_OLD_SIZE_MISMATCH',
        message: `old size ${request.oldSize} is not the size of the latest checkpoint cosigned for ${origin}, ${knownSize}`,
        details: { origin, knownSize, oldSize: request.oldSize },
      });
    }
    this.requireConsistent(request, checkpoint, known);
    const cosignedAt = Math.floor(Date.parse(this.deps.clock.now()) / 1000);
    const record: CosignedCheckpoint = { treeSize, rootHash: checkpoint.rootHash, checkpoint: text, cosignedAt };
    // tlog-witness: persist the new checkpoint before answering; if that fails, nothing is cosigned.
    await this.deps.state.commit(origin, record);
    const signature = this.deps.signer.sign(cosignatureMessage(text, cosignedAt));
    this.deps.log('info', `cosigned ${origin} at tree size ${treeSize}`, { origin, treeSize, oldSize: request.oldSize });
    return cosignatureLine(this.deps.signer.name, this.keyId, cosignedAt, signature);
  }

  /** tlog-witness: the consistency proof from the old size, or equal roots when the size did not change. */
  private requireConsistent(request: AddCheckpointRequest, checkpoint: CheckpointBody, known: CosignedCheckpoint | undefined): void {
    const { origin, treeSize, rootHash } = checkpoint;
    const details = { origin, oldSize: request.oldSize, treeSize };
    if (known === undefined) {
      // Nothing cosigned yet: there is nothing to be consistent with, and the proof MUST be empty.
      if (request.consistencyProof.length > 0) throw this.proofInvalid('the proof must be empty when the old size is 0', details);
      return;
    }
    if (request.oldSize === treeSize && !hashesEqual(known.rootHash, rootHash)) {
      this.deps.log('warn', `refused a checkpoint of ${origin} at the cosigned size ${treeSize} with another root: the log may have forked`, details);
      throw new CosignerError({ code: 'COSIGNER_ROOT_MISMATCH', message: `the checkpoint has the cosigned tree size ${treeSize} but another root hash`, details: { ...details, knownSize: treeSize } });
    }
    try {
      verifyConsistency(request.oldSize, treeSize, request.consistencyProof, known.rootHash, rootHash);
    } catch (err) {
      if (!(err instanceof MerkleError)) throw err;
      throw this.proofInvalid(err.message, details, err);
    }
  }

  private proofInvalid(reason: string, details: Record<string, unknown>, cause?: AppError): CosignerError {
    // The log signed it, so a checkpoint that fails the proof may be evidence of a fork: keep a record.
    this.deps.log('warn', `refused a signed checkpoint: ${reason}`, details);
    return new CosignerError({ code: 'COSIGNER_CONSISTENCY_PROOF_INVALID', message: `the consistency proof does not verify: ${reason}`, details, cause });
  }
}
