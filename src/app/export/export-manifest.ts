import { createHash } from 'node:crypto';
import { exportLine } from '../../domain/export/export-line.js';
import { EXPORT_MANIFEST_FORMAT, exportManifestMessage, type ExportManifest, type SignedExportManifest } from '../../domain/export/export-manifest.js';
import { toBase64 } from '../../domain/encoding/bytes.js';
import { ChainError, CustodyError } from '../../domain/errors.js';
import { LOG_SIGNER_ID, openKeyOf } from '../provision-keys.js';
import { storedPages } from './export-chunks.js';
import type { KeyCache } from '../key-cache.js';
import type { CheckpointReader, Clock, EventStore, KeyCustody } from '../ports.js';
import type { ExportRange } from './export-range.js';

/** Until checkpoints are published: no checkpoint to cite. */
export const NO_CHECKPOINTS: CheckpointReader = { latestCheckpoint: async () => undefined };

export interface ExportManifestDeps {
  store: Pick<EventStore, 'readRange'>;
  /** The key registry cache, to find the log signer's open key. */
  keys: KeyCache;
  custody: KeyCustody;
  checkpoints: CheckpointReader;
  clock: Clock;
}

/**
 * The signed manifest of `range` (docs/PROTOCOL.md §17.2): reads the range page by page (constant memory), hashing
 * exactly the NDJSON bytes the export of the same range sends, then signs the manifest with the open key of
 * SYSTEM:LOG in custody. Throws ChainError CHAIN_SEQUENCE_GAP when a sequence of the range is missing (the log
 * never signs a broken range), CustodyError CUSTODY_KEY_NOT_FOUND when SYSTEM:LOG has no open key in this
 * custody, StoreError when the store cannot be read.
 */
export async function createExportManifest(deps: ExportManifestDeps, range: ExportRange): Promise<SignedExportManifest> {
  const hash = createHash('sha256');
  let expected = range.start;
  let firstPrevHash: string | null = null;
  let headHash: string | null = null;
  for await (const page of storedPages(deps.store, range)) {
    for (const event of page) {
      if (event.sequence !== expected) throw gap(expected);
      firstPrevHash ??= event.prevHash;
      headHash = event.contentHash;
      hash.update(exportLine(event), 'utf8');
      expected++;
    }
  }
  if (expected !== range.end + 1) throw gap(expected);
  const now = deps.clock.now();
  const key = await openKeyOf(LOG_SIGNER_ID, deps.keys, now);
  if (key === undefined) {
    throw new CustodyError({ code: 'CUSTODY_KEY_NOT_FOUND', message: `${LOG_SIGNER_ID} has no open key; the service provisions one at startup`, details: { agentId: LOG_SIGNER_ID } });
  }
  const checkpoint = await deps.checkpoints.latestCheckpoint();
  const manifest: ExportManifest = {
    format: EXPORT_MANIFEST_FORMAT,
    signer_id: LOG_SIGNER_ID,
    key_id: key.keyId,
    start_sequence: range.start,
    end_sequence: range.end,
    count: range.end - range.start + 1,
    first_prev_hash: firstPrevHash,
    head_hash: headHash,
    ndjson_sha256: hash.digest('hex'),
    checkpoint: checkpoint === undefined ? null : { tree_size: checkpoint.treeSize, root_hash: checkpoint.rootHash, note: checkpoint.note },
    generated_at: now,
  };
  const signature = await deps.custody.sign(key.keyId, exportManifestMessage(manifest));
  return { manifest, signature: toBase64(signature) };
}

function gap(sequence: number): ChainError {
  return new ChainError({ code: 'CHAIN_SEQUENCE_GAP', message: `sequence ${sequence} is missing from the store; no manifest is signed for this range`, details: { sequence } });
}
