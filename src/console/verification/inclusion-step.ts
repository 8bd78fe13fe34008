import { toBase64 } from '../../domain/encoding/bytes.js';
import { MerkleError } from '../../domain/errors.js';
import { eventLeafHash } from '../../domain/merkle/event-leaf.js';
import { verifyInclusion } from '../../domain/merkle/inclusion-proof.js';
import type { FetchedDocuments } from './fetched-documents.js';
import type { StepResult } from './verification-step.js';

/**
 * The event is leaf sequence − 1 of the tree the latest checkpoint signs (docs/PROTOCOL.md §15.4): its leaf hash,
 * computed here from the event (eventLeafHash, §15.1), with the served audit path, leads to the checkpoint's signed
 * root (RFC 9162 §2.1.3.2, verifyInclusion). The proof's own leaf_hash and root_hash are not used. Runs after the
 * checkpoint step passed or was skipped. Skipped when there is no checkpoint or the event is newer than it.
 * Throws MerkleError MERKLE_PROOF_INVALID (no proof, a proof of another leaf or tree size, a path that does not
 * lead to the root) or InputError for a malformed proof.
 */
export function checkInclusion(documents: FetchedDocuments): StepResult {
  const checkpoint = documents.checkpoint();
  if (checkpoint === undefined) return { outcome: 'skipped', detail: 'no checkpoint to prove inclusion against' };
  const { sequence } = documents.event();
  const { treeSize, rootHash } = checkpoint.pinned.checkpoint;
  if (sequence > treeSize) {
    return { outcome: 'skipped', detail: `sequence ${sequence} is newer than the latest checkpoint (tree size ${treeSize}): it can be proven once a checkpoint covers it` };
  }
  const proof = documents.proof();
  const index = sequence - 1;
  if (proof === undefined) throw invalid(`no inclusion proof was given, though the checkpoint of tree size ${treeSize} covers sequence ${sequence}`, index, treeSize);
  if (proof.treeSize !== treeSize) throw invalid(`the proof is for tree size ${proof.treeSize}, the checkpoint's is ${treeSize}`, index, treeSize);
  if (proof.leafIndex !== index) throw invalid(`the proof is for leaf ${proof.leafIndex}, sequence ${sequence} is leaf ${index}`, index, treeSize);
  const leafHash = eventLeafHash(documents.event());
  verifyInclusion(index, treeSize, leafHash, proof.inclusionPath, rootHash);
  return {
    outcome: 'passed',
    detail: `leaf hash ${toBase64(leafHash)} of sequence ${sequence} with an audit path of ${proof.inclusionPath.length} hash${proof.inclusionPath.length === 1 ? '' : 'es'} leads to the checkpoint's root ${toBase64(rootHash)} (tree size ${treeSize})`,
  };
}

function invalid(reason: string, index: number, treeSize: number): MerkleError {
  return new MerkleError({ code: 'MERKLE_PROOF_INVALID', message: `inclusion proof does not verify: ${reason}`, details: { index, treeSize } });
}
