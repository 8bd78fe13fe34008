/**
 * Typed errors with stable codes. Codes are string-literal unions so a typo does not compile;
 * once released a code never changes meaning. HTTP statuses live in src/api/errors.ts, never here.
 */

export type InputErrorCode =
  | 'INPUT_FIELD_INVALID'
  | 'INPUT_INVALID_JSON'
  | 'INPUT_PAYLOAD_NOT_OBJECT'
  | 'INPUT_PAYLOAD_INVALID'
  | 'INPUT_PAYLOAD_TOO_LARGE'
  | 'INPUT_TIMESTAMP_OUTSIDE_WINDOW'
  | 'INPUT_UNSUPPORTED_MEDIA_TYPE'
  | 'INPUT_URL_INVALID'
  | 'INPUT_REQUEST_MALFORMED'
  | 'INPUT_NOTE_MALFORMED'
  | 'INPUT_CHECKPOINT_MALFORMED'
  | 'INPUT_ADD_CHECKPOINT_MALFORMED';

export type ChainErrorCode =
  | 'CHAIN_SEQUENCE_GAP'
  | 'CHAIN_PREV_HASH_MISMATCH'
  | 'CHAIN_CONTENT_HASH_MISMATCH'
  | 'CHAIN_TIMESTAMP_REGRESSION';

export type SignatureErrorCode =
  | 'SIG_MALFORMED'
  | 'SIG_INVALID'
  | 'SIG_WITNESS_INVALID'
  | 'SIG_WITNESS_NOT_SELECTED'
  | 'SIG_KEY_UNKNOWN'
  | 'SIG_KEY_INACTIVE'
  | 'SIG_KEY_AGENT_MISMATCH'
  | 'SIG_DEVELOPMENT_KEY'
  | 'SIG_NOTE_SIGNATURE_MISSING'
  | 'SIG_COSIGNATURE_QUORUM_NOT_MET';

export type StoreErrorCode =
  | 'STORE_UNAVAILABLE'
  | 'STORE_FAILED'
  | 'STORE_REJECTED'
  | 'STORE_CONFLICT'
  | 'STORE_SCHEMA_MISMATCH'
  | 'STORE_MIGRATION_FAILED'
  | 'STORE_MIGRATION_EDITED'
  | 'STORE_MIGRATIONS_PENDING';

export type CustodyErrorCode =
  | 'CUSTODY_KEY_NOT_FOUND'
  | 'CUSTODY_KEY_FILE_INVALID'
  | 'CUSTODY_KEY_INVALID'
  | 'CUSTODY_PASSPHRASE_INCORRECT'
  | 'CUSTODY_NOT_CONFIGURED'
  | 'CUSTODY_HSM_NOT_CONFIGURED'
  | 'CUSTODY_HSM_LIBRARY_UNLOADABLE'
  | 'CUSTODY_HSM_TOKEN_NOT_FOUND'
  | 'CUSTODY_HSM_PIN_INCORRECT'
  | 'CUSTODY_HSM_MECHANISM_UNSUPPORTED'
  | 'CUSTODY_HSM_UNAVAILABLE'
  | 'CUSTODY_SIGN_FAILED';

export type WitnessErrorCode =
  | 'WITNESS_POOL_EMPTY'
  | 'WITNESS_POOL_BELOW_FLOOR'
  | 'WITNESS_BOOTSTRAP_DISABLED'
  | 'WITNESS_BOOTSTRAP_REFUSED';

export type HaltErrorCode =
  | 'SYSTEM_HALTED'
  | 'HALT_STATE_UNKNOWN'
  | 'HALT_CHANNEL_UNAVAILABLE'
  | 'HALT_REASON_REQUIRED'
  | 'HALT_UNAUTHORIZED'
  | 'HALT_NOT_HALTED'
  | 'HALT_CEREMONY_INVALID'
  | 'HALT_CEREMONY_EXPIRED'
  | 'HALT_CEREMONY_REPLAYED'
  | 'HALT_RESUMING';

export type KeyErrorCode =
  | 'KEY_NOT_FOUND'
  | 'KEY_ALREADY_OPEN'
  | 'KEY_NOT_OPEN'
  | 'KEY_ALREADY_REVOKED'
  | 'KEY_REVOCATION_NEEDS_REPLACEMENT'
  | 'KEY_ID_INVALID';

export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_FORBIDDEN' | 'CONFIG_DEV_MODE_ENVIRONMENT_MISMATCH' | 'CONFIG_FLOOR_VIOLATION';

export type VerificationErrorCode = 'VERIFICATION_FAILED' | 'VERIFICATION_BYPASS_REFUSED';

/** No route answers this path (ROUTE_NOT_FOUND) or this method on it (ROUTE_METHOD_NOT_ALLOWED). */
export type RouteErrorCode = 'ROUTE_NOT_FOUND' | 'ROUTE_METHOD_NOT_ALLOWED';

/** A read asked for an event the log does not hold. */
export type EventErrorCode = 'EVENT_NOT_FOUND';

/** An unexpected fault, answered as 500 "Internal error" (never thrown on purpose). */
export type InternalErrorCode = 'INTERNAL';

/**
 * A limit every client shares equally (runbook FR48): too many requests from one client address in the window
 * (RATE_LIMITED), or every slot for a live event stream taken (STREAM_CAPACITY_REACHED).
 */
export type LimitErrorCode = 'RATE_LIMITED' | 'STREAM_CAPACITY_REACHED';

/**
 * The Merkle tree (docs/PROTOCOL.md §15): a proof or tree size asked for outside the tree, a proof that does not
 * verify, a checkpoint that is not stored, or a tree that is not consistent with an earlier checkpoint.
 */
export type MerkleErrorCode = 'MERKLE_RANGE_INVALID' | 'MERKLE_PROOF_INVALID' | 'MERKLE_CHECKPOINT_NOT_FOUND' | 'MERKLE_TREE_INCONSISTENT';

/**
 * A checkpoint cosigner (`archon72 witness serve`, C2SP tlog-witness) refuses an add-checkpoint request, or cannot
 * keep its state. Statuses follow the tlog-witness protocol (src/api/errors.ts).
 */
export type CosignerErrorCode =
  | 'COSIGNER_LOG_UNKNOWN'
  | 'COSIGNER_LOG_SIGNATURE_INVALID'
  | 'COSIGNER_OLD_SIZE_MISMATCH'
  | 'COSIGNER_ROOT_MISMATCH'
  | 'COSIGNER_CONSISTENCY_PROOF_INVALID'
  | 'COSIGNER_STATE_INVALID'
  | 'COSIGNER_STATE_LOCKED'
  | 'COSIGNER_STATE_WRITE_FAILED';

/**
 * The Conclave (deliberation): a motion file or request that breaks its rules, a keeper's signed opening that is
 * malformed or expired, a roster that is not the 72, a session the log does not hold, already holds, or that has ended, a session's events that do not replay (the procedure refuses
 * them), an archon without a usable key.
 */
export type DeliberationErrorCode =
  | 'DELIBERATION_MOTION_INVALID'
  | 'DELIBERATION_ROSTER_INVALID'
  | 'DELIBERATION_SESSION_NOT_FOUND'
  | 'DELIBERATION_SESSION_FINISHED'
  | 'DELIBERATION_SESSION_BUSY'
  | 'DELIBERATION_SESSION_EXISTS'
  | 'DELIBERATION_AUTHORIZATION_INVALID'
  | 'DELIBERATION_AUTHORIZATION_EXPIRED'
  | 'DELIBERATION_SESSION_CORRUPT'
  | 'DELIBERATION_ARCHON_KEY_MISSING';

/**
 * A language-model provider call failed. Transient (retried with backoff): LLM_TIMEOUT, LLM_UNREACHABLE,
 * LLM_RATE_LIMITED and LLM_HTTP_ERROR with a 5xx status. Not retried: LLM_HTTP_ERROR with a 4xx status and
 * LLM_BAD_RESPONSE. The session records the archon's failure and goes on.
 */
export type LlmErrorCode = 'LLM_TIMEOUT' | 'LLM_UNREACHABLE' | 'LLM_RATE_LIMITED' | 'LLM_HTTP_ERROR' | 'LLM_BAD_RESPONSE';

export type ErrorCode =
  | InputErrorCode
  | ChainErrorCode
  | SignatureErrorCode
  | StoreErrorCode
  | CustodyErrorCode
  | WitnessErrorCode
  | KeyErrorCode
  | HaltErrorCode
  | ConfigErrorCode
  | VerificationErrorCode
  | RouteErrorCode
  | EventErrorCode
  | InternalErrorCode
  | LimitErrorCode
  | MerkleErrorCode
  | CosignerErrorCode
  | DeliberationErrorCode
  | LlmErrorCode;

export interface AppErrorOptions<C extends ErrorCode> {
  code: C;
  message: string;
  /** Structured facts for logs and error bodies (never secrets). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** Base of every error the project throws on purpose. Callers branch on `code`, never on `message`. */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly details: Record<string, unknown> | undefined;

  constructor(options: AppErrorOptions<C>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.details = options.details;
    this.name = new.target.name;
  }
}

/** Bad input from outside: request bodies, CLI arguments, rows read back from storage. */
export class InputError extends AppError<InputErrorCode> {}
/** A broken hash chain: gap, wrong prev_hash, recomputed hash differs, time running backwards. */
export class ChainError extends AppError<ChainErrorCode> {}
/** A signature that is malformed, does not verify, or names a key that may not sign. */
export class SignatureError extends AppError<SignatureErrorCode> {}
/** The event store refused or could not be reached. */
export class StoreError extends AppError<StoreErrorCode> {}
/** Key custody (software HSM or PKCS#11) could not provide or use a key. */
export class CustodyError extends AppError<CustodyErrorCode> {}
/**
 * DEV_MODE=false and the PKCS#11 HSM cannot be used: library, token or PIN missing, or the token cannot be opened
 * (runbook §11.1 "HSMNotConfiguredError"). Raised before the server listens.
 */
export class HSMNotConfiguredError extends CustodyError {}
/** The witness pool cannot attest. */
export class WitnessError extends AppError<WitnessErrorCode> {}
/** A key lifecycle request (generate, rotate, revoke, register) that the registry's state does not allow. */
export class KeyError extends AppError<KeyErrorCode> {}
/**
 * The system is halted, or its halt state cannot be established (CT-11: refuse writes rather than guess), or a
 * halt or clear request is refused.
 */
export class HaltError extends AppError<HaltErrorCode> {}
/** Configuration rejected at startup. */
export class ConfigError extends AppError<ConfigErrorCode> {}
/**
 * A governance threshold outside its constitutional floor or ceiling, in configuration or constitutional_config
 * (runbook §11.1 "StartupFloorViolationError"): stops startup; seen at runtime, it halts the system.
 */
export class StartupFloorViolationError extends ConfigError {}
/** Pre-operational verification (FR146) failed, or a bypass of it was refused. */
export class VerificationError extends AppError<VerificationErrorCode> {}
/** The HTTP request names no route, or a method the route does not answer. */
export class RouteError extends AppError<RouteErrorCode> {}
/** A read names an event (by id or sequence) that is not stored. */
export class EventError extends AppError<EventErrorCode> {}
/** A client went over a limit that applies to every client alike: the request rate or the open event streams. */
export class LimitError extends AppError<LimitErrorCode> {}
/** A checkpoint cosigner refused a checkpoint (tlog-witness add-checkpoint) or could not read or write its state. */
export class CosignerError extends AppError<CosignerErrorCode> {}
/** A Merkle proof or tree size outside the tree, a proof that fails, an unknown checkpoint, an inconsistent tree. */
export class MerkleError extends AppError<MerkleErrorCode> {}

export class DeliberationError extends AppError<DeliberationErrorCode> {}

/** details.transient says whether a retry may help; details.status carries the HTTP status when there was one. */
export class LlmError extends AppError<LlmErrorCode> {}
