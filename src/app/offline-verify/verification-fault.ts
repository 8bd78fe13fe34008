import type { AppError, ErrorCode } from '../../domain/errors.js';

/**
 * Which check an offline verification failed, finer than the error code where the code is shared: a sequence fault
 * (CHAIN_SEQUENCE_GAP) is a `gap` (the sequence is missing), `order` (it comes later) or `duplicate` (an event is
 * repeated); a key fault is the agent's or the witness's. Stable names: the `--json` report carries them.
 */
export type FaultCheck =
  | 'format'
  | 'gap'
  | 'order'
  | 'duplicate'
  | 'prev_hash'
  | 'timestamp'
  | 'content_hash'
  | 'agent_key'
  | 'agent_signature'
  | 'witness_selection'
  | 'witness_key'
  | 'witness_signature'
  | 'development_key'
  | 'truncated'
  | 'checkpoint_signature'
  | 'checkpoint_cosignatures'
  | 'checkpoint_root'
  | 'checkpoint_consistency';

/** The first thing that did not verify: where (sequence and line of the export), which check, and why. */
export interface VerificationFault {
  /**
   * The sequence where the log breaks. For a sequence fault it is the sequence expected at that line (the missing
   * one, as verify-db reports it), for a checkpoint fault the checkpoint's tree size.
   */
  sequence: number;
  /** 1-based line of the export (or position in the fetched stream) where the fault shows; 0 when none. */
  line: number;
  check: FaultCheck;
  code: ErrorCode;
  message: string;
}

/**
 * The check an AppError from verifyStoredEvent (or the line parser) belongs to. `sequenceCheck` classifies a
 * CHAIN_SEQUENCE_GAP, which needs the neighbouring lines (see classifySequenceFault).
 */
export function checkOf(err: AppError, sequenceCheck: 'gap' | 'order' | 'duplicate' = 'gap'): FaultCheck {
  switch (err.code) {
    case 'CHAIN_SEQUENCE_GAP':
      return sequenceCheck;
    case 'CHAIN_PREV_HASH_MISMATCH':
      return 'prev_hash';
    case 'CHAIN_TIMESTAMP_REGRESSION':
      return 'timestamp';
    case 'CHAIN_CONTENT_HASH_MISMATCH':
    case 'INPUT_PAYLOAD_INVALID': // canonicalize refused the payload while recomputing content_hash
      return 'content_hash';
    case 'SIG_KEY_AGENT_MISMATCH':
    case 'SIG_KEY_INACTIVE':
      return 'agent_key';
    case 'SIG_KEY_UNKNOWN':
      // requireWitnessKey names the witness; requireSigningKey names the key.
      return err.details?.witnessId === undefined ? 'agent_key' : 'witness_key';
    case 'SIG_INVALID':
      return 'agent_signature';
    case 'SIG_MALFORMED':
      return err.details?.field === 'witness_signature' ? 'witness_signature' : 'agent_signature';
    case 'SIG_WITNESS_INVALID':
      return 'witness_signature';
    case 'SIG_WITNESS_NOT_SELECTED':
    case 'WITNESS_POOL_EMPTY':
      return 'witness_selection';
    case 'SIG_DEVELOPMENT_KEY':
      return 'development_key';
    default:
      return 'format';
  }
}
