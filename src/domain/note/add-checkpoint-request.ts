import { fromBase64, toBase64 } from '../encoding/bytes.js';
import { InputError } from '../errors.js';

/**
 * The body of C2SP tlog-witness `POST <prefix>/add-checkpoint`: an "old <size>" line, zero to 63 consistency proof
 * lines (one base64 hash each), an empty line, then the signed checkpoint. Every line ends in a newline.
 */

/** tlog-witness: a client MUST NOT send more than 63 consistency proof lines. */
export const MAX_CONSISTENCY_PROOF_LINES = 63;

/** A parsed add-checkpoint request. */
export interface AddCheckpointRequest {
  /** Size of the checkpoint the client believes the witness last cosigned (0 when none). */
  oldSize: number;
  /** RFC 6962 §2.1.2 consistency proof from oldSize to the checkpoint's size: 32-byte hashes. */
  consistencyProof: Uint8Array[];
  /** The signed checkpoint note, as sent (not parsed here). */
  checkpoint: string;
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/**
 * The request body for `request`. Throws InputError INPUT_ADD_CHECKPOINT_MALFORMED when the old size is not a
 * safe integer ≥ 0, the proof has more than 63 hashes or one that is not 32 bytes.
 */
export function formatAddCheckpointRequest(request: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(request.oldSize) || request.oldSize < 0) throw malformed(`old size ${request.oldSize} is not a whole number ≥ 0`);
  if (request.consistencyProof.length > MAX_CONSISTENCY_PROOF_LINES) throw malformed(`more than ${MAX_CONSISTENCY_PROOF_LINES} consistency proof hashes`);
  if (request.consistencyProof.some((hash) => hash.length !== 32)) throw malformed('a consistency proof hash is not 32 bytes');
  return `old ${request.oldSize}\n${request.consistencyProof.map((hash) => `${toBase64(hash)}\n`).join('')}\n${request.checkpoint}`;
}

/**
 * Parses an add-checkpoint request body (attacker-controlled). Strict: the first line "old <decimal, no leading
 * zeros>", at most 63 proof lines of padded canonical base64 decoding to 32 bytes, the empty line, and a non-empty
 * remainder (the checkpoint, parsed by the caller). Throws InputError INPUT_ADD_CHECKPOINT_MALFORMED otherwise.
 */
export function parseAddCheckpointRequest(body: string): AddCheckpointRequest {
  const blank = body.indexOf('\n\n');
  if (blank < 0) throw malformed('no empty line separates the old size and proof from the checkpoint');
  const [oldLine, ...proofLines] = body.slice(0, blank).split('\n') as [string, ...string[]];
  const oldSize = parseOldSize(oldLine);
  if (proofLines.length > MAX_CONSISTENCY_PROOF_LINES) throw malformed(`more than ${MAX_CONSISTENCY_PROOF_LINES} consistency proof lines`);
  const consistencyProof = proofLines.map((line, i) => {
    const hash = fromBase64(line);
    if (hash?.length !== 32) throw malformed(`consistency proof line ${i + 1} is not a 32-byte hash in padded canonical base64`);
    return hash;
  });
  const checkpoint = body.slice(blank + 2);
  if (checkpoint === '') throw malformed('the checkpoint is missing');
  return { oldSize, consistencyProof, checkpoint };
}

/** The 409 body of tlog-witness (Content-Type text/x.tlog.size): the witness's latest cosigned size and a newline. */
export function formatTreeSizeBody(treeSize: number): string {
  return `${treeSize}\n`;
}

/**
 * Parses a text/x.tlog.size body: decimal digits without leading zeros, then a newline. Throws InputError
 * INPUT_ADD_CHECKPOINT_MALFORMED otherwise (the answer of a faulty or hostile witness).
 */
export function parseTreeSizeBody(text: string): number {
  const digits = text.endsWith('\n') ? text.slice(0, -1) : undefined;
  const size = digits !== undefined && DECIMAL.test(digits) ? Number(digits) : Number.NaN;
  if (!Number.isSafeInteger(size)) throw malformed('the text/x.tlog.size body is not a tree size and a newline');
  return size;
}

function parseOldSize(line: string): number {
  const match = /^old (.*)$/.exec(line);
  const digits = match?.[1];
  if (digits === undefined || !DECIMAL.test(digits)) throw malformed('the first line must be "old <tree size>" in decimal without leading zeros');
  const size = Number(digits);
  if (!Number.isSafeInteger(size)) throw malformed('the old size is above 2^53 - 1');
  return size;
}

function malformed(reason: string): InputError {
  return new InputError({ code: 'INPUT_ADD_CHECKPOINT_MALFORMED', message: `malformed add-checkpoint request: ${reason}`, details: { reason } });
}
