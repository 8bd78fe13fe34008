import { parseEventLine } from '../../domain/chain/parse-event-line.js';
import { parseJsonText } from '../../domain/encoding/parse-json.js';
import { fromBase64 } from '../../domain/encoding/bytes.js';
import { InputError } from '../../domain/errors.js';
import { parsePinnedCheckpoint, type PinnedCheckpoint } from '../../app/offline-verify/pinned-checkpoint.js';
import type { StoredEvent } from '../../domain/chain/event.types.js';

/**
 * Readers for the observer API's JSON documents as the console fetched them (attacker-controlled: the server, or
 * anything between it and the browser, may send anything). Each takes the body either as text or as already parsed
 * by `response.json()`, and throws InputError naming the document and the member at fault.
 */

/** A checkpoint as GET /v1/observer/checkpoints/latest?format=json answers it, read: the note parsed, not yet verified. */
export interface CheckpointDocument {
  pinned: PinnedCheckpoint;
  /** The object's own tree_size and root_hash, outside the signed note: they must state what the note says. */
  claimedTreeSize: number;
  claimedRootHash: string;
}

/** An inclusion proof as GET /v1/observer/proofs/inclusion answers it, read (hashes decoded; nothing verified). */
export interface InclusionProofDocument {
  leafIndex: number;
  treeSize: number;
  inclusionPath: Uint8Array[];
}

/**
 * A stored event from GET /v1/observer/events/sequence/{n}, read by parseEventLine: the API serves exactly the
 * protocol JSON of an export line (docs/PROTOCOL.md §2.1). Throws InputError INPUT_INVALID_JSON or
 * INPUT_FIELD_INVALID (parseEventLine's messages speak of "line 1": the document is one such line).
 */
export function readEventDocument(body: unknown, what: string): StoredEvent {
  let text: string | undefined;
  try {
    text = typeof body === 'string' ? body : JSON.stringify(body);
  } catch (cause) {
    throw new InputError({ code: 'INPUT_INVALID_JSON', message: `${what} cannot be read as JSON`, cause });
  }
  if (text === undefined) throw invalid(what, 'is missing'); // JSON.stringify(undefined)
  try {
    return parseEventLine(text, 1);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError({ code: err.code, message: `${what} is not a stored event: ${err.message}`, details: err.details, cause: err });
  }
}

/** The parsed JSON value of a body given as text, or the body itself when it is already parsed. */
export function readJsonDocument(body: unknown, what: string): unknown {
  return typeof body === 'string' ? parseJsonText(body, what) : body;
}

/**
 * A checkpoint object: `note` the signed note (parsePinnedCheckpoint: a C2SP signed note whose text is a
 * tlog-checkpoint body), `tree_size` a whole number, `root_hash` a string. Throws InputError INPUT_FIELD_INVALID,
 * INPUT_NOTE_MALFORMED or INPUT_CHECKPOINT_MALFORMED.
 */
export function readCheckpointDocument(body: unknown, what: string): CheckpointDocument {
  const json = object(readJsonDocument(body, what), what);
  if (typeof json.note !== 'string') throw invalid(`${what} note`, 'must be a string (the signed note)');
  if (!isCount(json.tree_size)) throw invalid(`${what} tree_size`, 'must be a whole number ≥ 0');
  if (typeof json.root_hash !== 'string') throw invalid(`${what} root_hash`, 'must be a string');
  return { pinned: parsePinnedCheckpoint(json.note, 'latest'), claimedTreeSize: json.tree_size, claimedRootHash: json.root_hash };
}

/**
 * An inclusion proof object: `leaf_index` and `tree_size` whole numbers, `inclusion_path` an array of 32-byte hashes
 * in padded canonical base64. Its leaf_hash and root_hash are not read: the verifier computes the leaf hash from the
 * event and takes the root from the signed checkpoint. Throws InputError INPUT_FIELD_INVALID.
 */
export function readInclusionProofDocument(body: unknown, what: string): InclusionProofDocument {
  const json = object(readJsonDocument(body, what), what);
  if (!isCount(json.leaf_index)) throw invalid(`${what} leaf_index`, 'must be a whole number ≥ 0');
  if (!isCount(json.tree_size)) throw invalid(`${what} tree_size`, 'must be a whole number ≥ 0');
  if (!Array.isArray(json.inclusion_path)) throw invalid(`${what} inclusion_path`, 'must be an array');
  const inclusionPath = json.inclusion_path.map((hash: unknown, i) => {
    const bytes = typeof hash === 'string' ? fromBase64(hash) : undefined;
    if (bytes?.length !== 32) throw invalid(`${what} inclusion_path[${i}]`, 'must be a 32-byte hash in padded base64');
    return bytes;
  });
  return { leafIndex: json.leaf_index, treeSize: json.tree_size, inclusionPath };
}

function object(json: unknown, what: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid(what, 'must be a JSON object');
  return json as Record<string, unknown>;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function invalid(what: string, problem: string): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message: `${what} ${problem}`, details: { field: what } });
}
