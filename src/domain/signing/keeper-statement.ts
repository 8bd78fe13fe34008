import { canonicalize, type JsonObject } from '../chain/canonical-json.js';
import { isEventType, isIdentifier, MAX_IDENTIFIER } from '../chain/identifiers.js';
import { validatePayload } from '../chain/validate-submission.js';
import { concatBytes, fromBase64, utf8 } from '../encoding/bytes.js';
import { AppError, InputError, SignatureError } from '../errors.js';
import { decodeSignature } from './verify-signatures.js';
import type { Ed25519Verify } from './ed25519.js';
import type { Keyring } from './keyring.js';
import { isKeeperId, type PublicKeyRecord } from './key.types.js';

/**
 * Domain-separation prefix of keeper statements (docs/PROTOCOL.md §14). Distinct from the event and witness
 * prefixes of messages.ts, so a keeper signature can never be replayed as an event or witness signature.
 */
export const KEEPER_STATEMENT_DOMAIN = 'archon72/keeper-statement/v1';

/** A statement a keeper signs offline: a JSON object with at least a `type` (e.g. `halt.clear`). */
export interface KeeperStatement extends JsonObject {
  type: string;
}

/** A keeper statement with the keeper's signature over keeperStatementMessage(statement). */
export interface SignedKeeperStatement {
  statement: KeeperStatement;
  /** `KEEPER:{name}`. */
  keeperId: string;
  /** The keeper key (a keeper_keys row) that signed. */
  keyId: string;
  /** 64-byte Ed25519 signature in padded standard base64. */
  signature: string;
}

/** The signed statement document in protocol (snake_case) JSON, as files and requests carry it. */
export interface SignedKeeperStatementJson {
  statement: KeeperStatement;
  keeper_id: string;
  key_id: string;
  signature: string;
}

const DOCUMENT_MEMBERS = ['statement', 'keeper_id', 'key_id', 'signature'];
const SEPARATOR = new Uint8Array([0]);

/** Bytes a keeper signs: "archon72/keeper-statement/v1" || 0x00 || UTF8(JCS(statement)). Throws INPUT_PAYLOAD_INVALID if JCS cannot encode it. */
export function keeperStatementMessage(statement: KeeperStatement): Uint8Array {
  return concatBytes(utf8(KEEPER_STATEMENT_DOMAIN), SEPARATOR, utf8(canonicalize(statement)));
}

/**
 * Checks untrusted input is a keeper statement: a JSON object whose `type` is dot-separated lowercase words
 * (like an event type) and whose members obey the payload rules (PROTOCOL.md §2.5: depth, size, no U+0000 or
 * noncharacters, canonicalisable), so a statement can later be stored inside an event payload.
 * Throws INPUT_FIELD_INVALID (`details.field` = `field` or `field.type`) or the INPUT_PAYLOAD_* codes.
 */
export function parseKeeperStatement(input: unknown, field = 'statement'): KeeperStatement {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw fieldError(field, 'must be a JSON object');
  const type = (input as Record<string, unknown>).type;
  if (typeof type !== 'string' || !isEventType(type)) {
    throw fieldError(`${field}.type`, 'must be a string of dot-separated lowercase words, e.g. halt.clear');
  }
  try {
    validatePayload(input);
  } catch (err) {
    // validatePayload speaks of "payload"; say which document the problem is in, keeping the code and path.
    const inner = err as InputError;
    throw new InputError({ code: inner.code, message: `${field}: ${inner.message}`, details: inner.details, cause: err });
  }
  return input as KeeperStatement;
}

/**
 * Parses a signed statement document `{ statement, keeper_id, key_id, signature }` from untrusted JSON. Strict:
 * any other member, a malformed keeper id or key id, or a signature that is not 64 bytes of canonical padded
 * base64 is refused. Throws InputError INPUT_FIELD_INVALID naming the member (`details.field`), or the codes of
 * parseKeeperStatement. Checks shape only; verifySignedStatement checks the signature.
 */
export function parseSignedStatement(input: unknown): SignedKeeperStatement {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw fieldError('signed statement', 'must be a JSON object');
  const record = input as Record<string, unknown>;
  const extra = Object.keys(record).find((name) => !DOCUMENT_MEMBERS.includes(name));
  if (extra !== undefined) throw fieldError(extra, `is not a member of a signed statement (expected ${DOCUMENT_MEMBERS.join(', ')})`);
  const statement = parseKeeperStatement(record.statement);
  const keeperId = record.keeper_id;
  if (typeof keeperId !== 'string' || !isKeeperId(keeperId)) {
    throw fieldError('keeper_id', `must be KEEPER: then a letter or digit, then letters, digits, _ . - (at most ${MAX_IDENTIFIER} characters)`);
  }
  const keyId = record.key_id;
  if (typeof keyId !== 'string' || !isIdentifier(keyId)) {
    throw fieldError('key_id', `must be 1–${MAX_IDENTIFIER} characters of A–Z a–z 0–9 : _ . - starting with a letter or digit`);
  }
  const signature = record.signature;
  const bytes = typeof signature === 'string' ? fromBase64(signature) : undefined;
  if (bytes === undefined || bytes.length !== 64) throw fieldError('signature', 'must be a 64-byte Ed25519 signature in padded base64 (88 characters)');
  return { statement, keeperId, keyId, signature: signature as string };
}

/** The protocol JSON of a signed statement (the inverse of parseSignedStatement). */
export function toSignedStatementJson(signed: SignedKeeperStatement): SignedKeeperStatementJson {
  return { statement: signed.statement, keeper_id: signed.keeperId, key_id: signed.keyId, signature: signed.signature };
}

/**
 * Verifies one signed statement against already-loaded keeper keys (records with agentId = `KEEPER:{name}`):
 * the key must belong to the keeper and be active at canonical timestamp `at`, and the Ed25519 signature must
 * hold over keeperStatementMessage(statement). Returns the key that signed.
 * Throws InputError INPUT_FIELD_INVALID (keeper_id is not a keeper id, so agent and witness keys never count),
 * SignatureError SIG_KEY_UNKNOWN, SIG_KEY_AGENT_MISMATCH, SIG_KEY_INACTIVE, SIG_MALFORMED or SIG_INVALID.
 */
export function verifySignedStatement(signed: SignedKeeperStatement, keyring: Keyring, at: string, verify: Ed25519Verify): PublicKeyRecord {
  if (!isKeeperId(signed.keeperId)) throw fieldError('keeper_id', `${JSON.stringify(signed.keeperId)} is not a keeper id (KEEPER:{name})`);
  const key = keyring.requireSigningKey(signed.keyId, signed.keeperId, at);
  const signature = decodeSignature(signed.signature, 'signature');
  if (!verify(signature, keeperStatementMessage(signed.statement), key.publicKey)) {
    throw new SignatureError({
      code: 'SIG_INVALID',
      message: `keeper signature of ${signed.keeperId} does not verify with key ${key.keyId}`,
      details: { keeperId: signed.keeperId, keyId: key.keyId },
    });
  }
  return key;
}

/** Why one signed statement did not count towards a quorum. */
export interface QuorumFailure {
  keeperId: string;
  keyId: string;
  /** The error code, or undefined when the keeper signed a different statement. */
  code: string | undefined;
  reason: string;
}

/**
 * The distinct keepers (sorted by UTF-16 code units) with at least one valid signature (verifySignedStatement)
 * over exactly `expectedStatement`: the JCS bytes must be equal, so member order does not matter but any other
 * difference does. A keeper who signs twice, or with two keys, counts once.
 * Throws SignatureError SIG_INVALID when fewer than `quorum` distinct keepers signed validly; its message names
 * each statement that did not count and why (`details.failures`). Throws InputError INPUT_FIELD_INVALID when
 * `quorum` is not a whole number ≥ 1, and INPUT_PAYLOAD_INVALID when `expectedStatement` cannot be canonicalised.
 */
export function verifyKeeperQuorum(
  signedStatements: readonly SignedKeeperStatement[],
  expectedStatement: KeeperStatement,
  keyring: Keyring,
  at: string,
  quorum: number,
  verify: Ed25519Verify,
): string[] {
  if (!Number.isSafeInteger(quorum) || quorum < 1) throw fieldError('quorum', `must be a whole number ≥ 1, got ${quorum}`);
  // Equal JCS text is equal JCS bytes: UTF-8 encodes well-formed strings one to one, and canonicalize refuses the rest.
  const expected = canonicalize(expectedStatement);
  const valid = new Set<string>();
  const failures: QuorumFailure[] = [];
  for (const signed of signedStatements) {
    const { keeperId, keyId } = signed;
    try {
      if (canonicalize(signed.statement) !== expected) {
        failures.push({ keeperId, keyId, code: undefined, reason: 'signed a different statement' });
        continue;
      }
      verifySignedStatement(signed, keyring, at, verify);
      valid.add(keeperId);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      failures.push({ keeperId, keyId, code: err.code, reason: `${err.code}: ${err.message}` });
    }
  }
  const keepers = [...valid].sort();
  if (keepers.length < quorum) {
    const failed = failures.map((f) => `${f.keeperId} (key ${f.keyId}): ${f.reason}`).join('; ');
    throw new SignatureError({
      code: 'SIG_INVALID',
      message: `keeper quorum not met: ${keepers.length} of ${quorum} required keepers signed validly${keepers.length > 0 ? ` (${keepers.join(', ')})` : ''}${failed === '' ? '' : `; ${failed}`}`,
      details: { quorum, keepers, failures },
    });
  }
  return keepers;
}

function fieldError(field: string, problem: string): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message: `${field} ${problem}`, details: { field } });
}
