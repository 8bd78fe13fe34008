import { checkCheckpointSignatures } from '../../app/offline-verify/pinned-checkpoint.js';
import { toBase64 } from '../../domain/encoding/bytes.js';
import { InputError } from '../../domain/errors.js';
import { runWithAsyncEd25519 } from './async-ed25519-bridge.js';
import { keyName } from './event-check-details.js';
import type { FetchedDocuments } from './fetched-documents.js';
import type { PublicKeyRecord } from '../../domain/signing/key.types.js';
import type { StepResult } from './verification-step.js';
import type { AsyncEd25519Verify } from './webcrypto-ed25519.js';

/**
 * The latest checkpoint is the log's: its note carries a valid signature of a SYSTEM:LOG key of the keys document
 * under the checkpoint's origin (checkCheckpointSignatures, as `archon72 verify --checkpoint` checks it; no
 * cosigners are trusted here), and the object's tree_size and root_hash state what the signed body says.
 * Skipped when no checkpoint has been published. Fails with the fault's code (SIG_NOTE_SIGNATURE_MISSING,
 * SIG_INVALID) or throws InputError (a malformed checkpoint, or one whose fields contradict its note).
 */
export async function checkCheckpointSignature(documents: FetchedDocuments, verify: AsyncEd25519Verify): Promise<StepResult> {
  const checkpoint = documents.checkpoint();
  if (checkpoint === undefined) return { outcome: 'skipped', detail: 'no checkpoint has been published yet: nothing signs a tree holding this event' };
  const { keys } = documents.keys();
  const signatures = await runWithAsyncEd25519((v) => checkCheckpointSignatures(checkpoint.pinned, { keys, cosigners: [], quorum: 1, verify: v }), verify);
  if ('code' in signatures) return { outcome: 'failed', detail: `${signatures.code}: ${signatures.message}` };
  const { origin, treeSize, rootHash } = checkpoint.pinned.checkpoint;
  const root = toBase64(rootHash);
  // The object's fields are not signed: a reader who trusted them over the note would trust the server, not the log.
  if (checkpoint.claimedTreeSize !== treeSize || checkpoint.claimedRootHash !== root) {
    throw new InputError({
      code: 'INPUT_CHECKPOINT_MALFORMED',
      message: `the checkpoint states tree size ${checkpoint.claimedTreeSize} and root ${checkpoint.claimedRootHash}, but its signed note says ${treeSize} and ${root}`,
      details: { reason: 'fields disagree with the note' },
    });
  }
  const signer = keys.find((key) => key.keyId === signatures.logKeyId) as PublicKeyRecord; // the key that verified
  return { outcome: 'passed', detail: `the note of origin ${origin}, tree size ${treeSize} and root ${root} is signed by SYSTEM:LOG key ${keyName(signer)}` };
}
