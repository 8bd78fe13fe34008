import { keyPairFromSeed, signEd25519 } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { toEventJson, type EventJson } from '../../../src/domain/chain/event-json.js';
import { toBase64, utf8 } from '../../../src/domain/encoding/bytes.js';
import { rootFromLeafHashes } from '../../../src/domain/merkle/compact-range.js';
import { eventLeafHash } from '../../../src/domain/merkle/event-leaf.js';
import { inclusionProofRanges } from '../../../src/domain/merkle/inclusion-proof.js';
import { checkpointBody, logKeyId, signatureLine } from '../../../src/domain/note/checkpoint-note.js';
import { formatSignedNote } from '../../../src/domain/note/signed-note.js';
import { buildPublicKeySet, type PublicKeySet } from '../../../src/domain/signing/public-key-set.js';
import type { StoredEvent } from '../../../src/domain/chain/event.types.js';
import type { PublicKeyRecord } from '../../../src/domain/signing/key.types.js';

/** The documents the console fetches, shaped exactly as the observer API serves them (src/api/routes/observer). */
export interface ObserverDocuments {
  event: EventJson;
  previous: EventJson | undefined;
  keys: PublicKeySet;
  checkpoint: { tree_size: number; root_hash: string; note: string; signing_key_id: string; created_at: string } | undefined;
  proof: { sequence: number; leaf_index: number; tree_size: number; leaf_hash: string; root_hash: string; inclusion_path: string[] } | undefined;
}

/** A SYSTEM:LOG signer for checkpoints. */
export interface LogSigner {
  record: PublicKeyRecord;
  secretKey: Buffer;
}

/** A SYSTEM:LOG key from a fixed seed byte, with the given key id (dev-… for a development key). */
export function logSigner(keyId: string, seedByte = 0x4c): LogSigner {
  const { publicKey, secretKey } = keyPairFromSeed(new Uint8Array(32).fill(seedByte));
  return { record: { agentId: 'SYSTEM:LOG', keyId, publicKey, activeFrom: '2026-01-01T00:00:00.000000Z', activeUntil: undefined }, secretKey };
}

/**
 * What GET /v1/observer/events/sequence/{n}, …/{n-1}, /v1/observer/keys, /v1/observer/checkpoints/latest?format=json
 * and /v1/observer/proofs/inclusion?sequence=n&tree_size=T answer for a log of `events` with keys `keys` (the log's
 * SYSTEM:LOG key among them), whose latest checkpoint (of `treeSize` events, signed by `log` under `origin`) exists
 * when treeSize > 0.
 */
export function observerDocuments(options: {
  events: readonly StoredEvent[];
  keys: readonly PublicKeyRecord[];
  log: LogSigner;
  sequence: number;
  treeSize: number;
  origin?: string;
}): ObserverDocuments {
  const { events, sequence, treeSize, log } = options;
  const origin = options.origin ?? 'archon72.invalid/console-test';
  const event = events[sequence - 1] as StoredEvent;
  const previous = sequence > 1 ? toEventJson(events[sequence - 2] as StoredEvent) : undefined;
  const keys = buildPublicKeySet(options.keys, [], '2026-02-01T00:00:00.000000Z');
  if (treeSize === 0) return { event: toEventJson(event), previous, keys, checkpoint: undefined, proof: undefined };
  const leaves = events.slice(0, treeSize).map(eventLeafHash);
  const rootHash = rootFromLeafHashes(leaves);
  const body = checkpointBody({ origin, treeSize, rootHash });
  const note = formatSignedNote(body, [signatureLine(origin, logKeyId(origin, log.record.publicKey), signEd25519(log.secretKey, utf8(body)))]);
  const checkpoint = { tree_size: treeSize, root_hash: toBase64(rootHash), note, signing_key_id: log.record.keyId, created_at: '2026-02-01T00:00:00.000000Z' };
  const proof =
    sequence > treeSize
      ? undefined
      : {
          sequence,
          leaf_index: sequence - 1,
          tree_size: treeSize,
          leaf_hash: toBase64(leaves[sequence - 1] as Uint8Array),
          root_hash: toBase64(rootHash),
          inclusion_path: inclusionProofRanges(sequence - 1, treeSize).map((r) => toBase64(rootFromLeafHashes(leaves.slice(r.start, r.end)))),
        };
  return { event: toEventJson(event), previous, keys, checkpoint, proof };
}
