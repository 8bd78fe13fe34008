import { fromBase64, toBase64 } from '../encoding/bytes.js';
import { InputError } from '../errors.js';
import { isValidKeyName, noteKeyId, noteSignatureLine, NOTE_SIGNATURE_TYPE } from './signed-note.js';

/**
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the note text of a checkpoint, and the log's Ed25519 signature
 * line. The log's key name is its origin (docs/PROTOCOL.md §16.1).
 */

export { noteKeyId } from './signed-note.js';

/** A log's tree head as a checkpoint states it. */
export interface Checkpoint {
  /** The log's identity, the first line (non-empty). */
  origin: string;
  /** Number of leaves, a safe integer ≥ 0. */
  treeSize: number;
  /** RFC 6962 root hash of the tree of that size, 32 bytes. */
  rootHash: Uint8Array;
}

/** A parsed checkpoint body: the three mandatory lines and any extension lines (opaque, each non-empty). */
export interface CheckpointBody extends Checkpoint {
  extensions: string[];
}

const TREE_SIZE = /^(?:0|[1-9][0-9]*)$/;

/**
 * The note text of a checkpoint: "<origin>\n<tree size in decimal>\n<base64 root hash>\n" (no extension lines).
 * Throws InputError INPUT_CHECKPOINT_MALFORMED when the origin is not a valid key name (ours signs under its
 * origin, so it must be one), the size is not a safe integer ≥ 0 or the root is not 32 bytes.
 */
export function checkpointBody({ origin, treeSize, rootHash }: Checkpoint): string {
  if (!isValidKeyName(origin)) throw malformed(`origin ${JSON.stringify(origin)} must be non-empty, without spaces or '+'`);
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) throw malformed(`tree size ${treeSize} is not a whole number ≥ 0`);
  if (rootHash.length !== 32) throw malformed(`the root hash is ${rootHash.length} bytes, not 32`);
  return `${origin}\n${treeSize}\n${toBase64(rootHash)}\n`;
}

/**
 * Parses a checkpoint's note text (attacker-controlled). tlog-checkpoint: at least three non-empty lines, each
 * ending in a newline; the origin; the tree size in decimal without leading zeros ("0" for the empty tree; we also
 * refuse sizes above 2^53 - 1); the root hash in padded canonical base64, 32 bytes; then optional extension lines,
 * which must be non-empty. Throws InputError INPUT_CHECKPOINT_MALFORMED (details.reason) otherwise.
 */
export function parseCheckpointBody(text: string): CheckpointBody {
  if (!text.endsWith('\n')) throw malformed('the text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('a checkpoint has at least three lines: origin, tree size, root hash');
  const [origin, size, root] = lines as [string, string, string];
  if (origin === '') throw malformed('the origin line is empty');
  if (!TREE_SIZE.test(size)) throw malformed('the tree size must be decimal digits without leading zeros');
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw malformed('the tree size is above 2^53 - 1');
  const rootHash = fromBase64(root);
  if (rootHash?.length !== 32) throw malformed('the root hash must be 32 bytes in padded canonical base64');
  const extensions = lines.slice(3);
  // tlog-checkpoint: extension lines, if any, MUST be non-empty.
  if (extensions.includes('')) throw malformed('an extension line is empty');
  return { origin, treeSize, rootHash, extensions };
}

/**
 * The log's signature line on a checkpoint (signed-note Ed25519, type 0x01), with its terminating newline:
 * "— <keyName> <base64(keyId4 || signature64)>\n". `keyId4` is noteKeyId(keyName, 0x01, public key). Throws
 * InputError INPUT_NOTE_MALFORMED for an invalid key name, a key ID that is not 4 bytes or a signature that is not
 * 64 bytes. A signed checkpoint is `checkpointBody(...) + '\n' + signatureLine(...)`.
 */
export function signatureLine(keyName: string, keyId4: Uint8Array, signature64: Uint8Array): string {
  if (signature64.length !== 64) {
    throw new InputError({ code: 'INPUT_NOTE_MALFORMED', message: `an Ed25519 signature is 64 bytes, got ${signature64.length}`, details: { reason: 'signature length' } });
  }
  return noteSignatureLine(keyName, keyId4, signature64);
}

/** The key ID of a log's Ed25519 key named `keyName` (its origin): noteKeyId(keyName, 0x01, publicKey). */
export function logKeyId(keyName: string, publicKey: Uint8Array): Uint8Array {
  return noteKeyId(keyName, NOTE_SIGNATURE_TYPE.ed25519, publicKey);
}

function malformed(reason: string): InputError {
  return new InputError({ code: 'INPUT_CHECKPOINT_MALFORMED', message: `malformed checkpoint: ${reason}`, details: { reason } });
}
