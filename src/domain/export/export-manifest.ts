import { canonicalize } from '../chain/canonical-json.js';
import { isCanonicalTimestamp } from '../chain/timestamp.js';
import { isIdentifier } from '../chain/identifiers.js';
import { concatBytes, utf8 } from '../encoding/bytes.js';
import { InputError, SignatureError } from '../errors.js';
import { decodeSignature } from '../signing/verify-signatures.js';
import type { Ed25519Verify } from '../signing/ed25519.js';

/** Domain-separation prefix of export manifest signatures (docs/PROTOCOL.md §17.2). */
export const EXPORT_MANIFEST_DOMAIN = 'archon72/export-manifest/v1';
/** Format tag inside every export manifest. */
export const EXPORT_MANIFEST_FORMAT = 'archon72-export-manifest/v1';

/** The latest checkpoint when the manifest was made, as the manifest cites it (docs/PROTOCOL.md §16). */
export interface ManifestCheckpoint {
  tree_size: number;
  /** Base64 (standard, padded) of the 32-byte root hash, as in the checkpoint body. */
  root_hash: string;
  /** The whole signed note: body, blank line, signature lines. */
  note: string;
}

/**
 * What the log signs about one export range (docs/PROTOCOL.md §17.2). Hashes are lowercase hex. An empty range
 * has `count` 0, `end_sequence` = `start_sequence` − 1 and both hashes null.
 */
export interface ExportManifest {
  format: typeof EXPORT_MANIFEST_FORMAT;
  /** The log signer's actor id (SYSTEM:LOG) and the key that signed. */
  signer_id: string;
  key_id: string;
  start_sequence: number;
  end_sequence: number;
  /** Lines in the NDJSON export of the range: the events stored in it. */
  count: number;
  /** prev_hash of the first event of the range: where the range hangs on the chain before it. */
  first_prev_hash: string | null;
  /** content_hash of the last event of the range. */
  head_hash: string | null;
  /** SHA-256 of the exact NDJSON bytes of the range (§17.1). */
  ndjson_sha256: string;
  checkpoint: ManifestCheckpoint | null;
  /** When the manifest was made (canonical timestamp of the server's clock; informative). */
  generated_at: string;
}

/** A manifest with the log signer's Ed25519 signature over exportManifestMessage(manifest), padded base64. */
export interface SignedExportManifest {
  manifest: ExportManifest;
  signature: string;
}

const SEPARATOR = new Uint8Array([0]);
const HASH = /^[0-9a-f]{64}$/;
const BASE64_HASH = /^[A-Za-z0-9+/]{43}=$/;
const MANIFEST_MEMBERS = ['format', 'signer_id', 'key_id', 'start_sequence', 'end_sequence', 'count', 'first_prev_hash', 'head_hash', 'ndjson_sha256', 'checkpoint', 'generated_at'];

/**
 * The bytes the log signs: UTF8("archon72/export-manifest/v1") || 0x00 || UTF8(JCS(manifest)). The prefix keeps a
 * manifest signature from passing as a checkpoint, event or witness signature made with the same kind of key.
 */
export function exportManifestMessage(manifest: ExportManifest): Uint8Array {
  return concatBytes(utf8(EXPORT_MANIFEST_DOMAIN), SEPARATOR, utf8(canonicalize(manifest)));
}

/**
 * Checks untrusted input is a signed export manifest document: exactly `manifest` and `signature`, and a manifest
 * with exactly the members of ExportManifest, each of its type and form, the counts consistent with the range.
 * Does not check the signature (verifyExportManifest does). Throws InputError INPUT_FIELD_INVALID naming the member.
 */
export function parseSignedExportManifest(input: unknown): SignedExportManifest {
  const doc = requireObject(input, '', ['manifest', 'signature']);
  if (typeof doc.signature !== 'string') fail('signature', 'must be a string');
  const m = requireObject(doc.manifest, 'manifest.', MANIFEST_MEMBERS);
  if (m.format !== EXPORT_MANIFEST_FORMAT) fail('manifest.format', `must be "${EXPORT_MANIFEST_FORMAT}"`);
  for (const field of ['signer_id', 'key_id'] as const) if (typeof m[field] !== 'string' || !isIdentifier(m[field])) fail(`manifest.${field}`, 'must be an identifier');
  for (const field of ['start_sequence', 'end_sequence', 'count'] as const) if (!isCount(m[field])) fail(`manifest.${field}`, 'must be an integer ≥ 0');
  const start = m.start_sequence as number;
  if (start < 1) fail('manifest.start_sequence', 'must be ≥ 1');
  if ((m.end_sequence as number) < start - 1 || m.count !== (m.end_sequence as number) - start + 1) fail('manifest.count', 'must be end_sequence − start_sequence + 1');
  const empty = m.count === 0;
  for (const field of ['first_prev_hash', 'head_hash'] as const) {
    if (empty ? m[field] !== null : typeof m[field] !== 'string' || !HASH.test(m[field])) fail(`manifest.${field}`, empty ? 'must be null for an empty range' : 'must be 64 lowercase hex digits');
  }
  if (typeof m.ndjson_sha256 !== 'string' || !HASH.test(m.ndjson_sha256)) fail('manifest.ndjson_sha256', 'must be 64 lowercase hex digits');
  if (m.checkpoint !== null) parseCheckpoint(m.checkpoint);
  if (typeof m.generated_at !== 'string' || !isCanonicalTimestamp(m.generated_at)) fail('manifest.generated_at', 'must be a canonical timestamp');
  return { manifest: m as unknown as ExportManifest, signature: doc.signature };
}

/**
 * Verifies the log signer's signature on a parsed manifest with `publicKey` (the key `manifest.key_id` names, taken
 * from a trusted public key set). Throws SignatureError SIG_MALFORMED or SIG_INVALID.
 */
export function verifyExportManifest(signed: SignedExportManifest, publicKey: Uint8Array, verify: Ed25519Verify): void {
  const signature = decodeSignature(signed.signature, 'signature');
  if (!verify(signature, exportManifestMessage(signed.manifest), publicKey)) {
    throw new SignatureError({ code: 'SIG_INVALID', message: `export manifest signature does not verify with key ${signed.manifest.key_id}`, details: { keyId: signed.manifest.key_id } });
  }
}

function parseCheckpoint(input: unknown): void {
  const c = requireObject(input, 'manifest.checkpoint.', ['tree_size', 'root_hash', 'note']);
  if (!isCount(c.tree_size)) fail('manifest.checkpoint.tree_size', 'must be an integer ≥ 0');
  if (typeof c.root_hash !== 'string' || !BASE64_HASH.test(c.root_hash)) fail('manifest.checkpoint.root_hash', 'must be 32 bytes in padded base64');
  if (typeof c.note !== 'string' || c.note === '') fail('manifest.checkpoint.note', 'must be a non-empty string');
}

/** A plain JSON object with exactly `members`. */
function requireObject(input: unknown, at: string, members: readonly string[]): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail(at === '' ? '$' : at.slice(0, -1), 'must be a JSON object');
  const record = input as Record<string, unknown>;
  const extra = Object.keys(record).find((key) => !members.includes(key));
  if (extra !== undefined) fail(`${at}${extra}`, 'is not a member of an export manifest');
  const missing = members.find((key) => !(key in record));
  if (missing !== undefined) fail(`${at}${missing}`, 'is missing');
  return record;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function fail(field: string, rule: string): never {
  throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `export manifest: ${field} ${rule}`, details: { field } });
}
