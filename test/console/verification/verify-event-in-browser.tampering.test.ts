import { describe, expect, it } from 'vitest';
import { signEd25519 } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { verifyEventInBrowser } from '../../../src/console/verification/verify-event-in-browser.js';
import { computeContentHash } from '../../../src/domain/chain/content-hash.js';
import { toEventJson } from '../../../src/domain/chain/event-json.js';
import { fromBase64, toBase64, utf8 } from '../../../src/domain/encoding/bytes.js';
import { checkpointBody, logKeyId, signatureLine } from '../../../src/domain/note/checkpoint-note.js';
import { formatSignedNote } from '../../../src/domain/note/signed-note.js';
import { witnessSignatureMessage } from '../../../src/domain/signing/messages.js';
import { buildChain, newSigner } from '../../app/offline-verify/chain-fixture.js';
import { toStoredEvent } from '../../domain/load-vectors.js';
import { observerDocuments, type ObserverDocuments } from './observer-documents.js';
import { expectFailureAt, nodeWebCrypto } from './step-assertions.js';
import type { VerificationStepId } from '../../../src/console/verification/verify-event-in-browser.js';
import type { ErrorCode } from '../../../src/domain/errors.js';
import type { StoredEvent } from '../../../src/domain/chain/event.types.js';

const chain = buildChain(9);
const SEQUENCE = 5;
const TREE_SIZE = 8;
const valid = (): ObserverDocuments => observerDocuments({ events: chain.events, keys: chain.keys, log: chain.log, sequence: SEQUENCE, treeSize: TREE_SIZE });

/** Base64 of `text`'s bytes with bit 0 of byte `index` flipped. */
function flipBit(text: string, index = 0): string {
  const bytes = fromBase64(text) as Uint8Array;
  bytes[index] = (bytes[index] as number) ^ 1;
  return toBase64(bytes);
}

/** A checkpoint object whose note is signed by `signer`, over the body `body` (default: the valid one). */
function signedCheckpoint(docs: ObserverDocuments, signer: { record: { publicKey: Uint8Array }; secretKey: Buffer }, body?: string) {
  const checkpoint = docs.checkpoint as NonNullable<ObserverDocuments['checkpoint']>;
  const text = body ?? checkpoint.note.slice(0, checkpoint.note.indexOf('\n\n') + 1);
  const origin = text.slice(0, text.indexOf('\n'));
  const note = formatSignedNote(text, [signatureLine(origin, logKeyId(origin, signer.record.publicKey), signEd25519(signer.secretKey, utf8(text)))]);
  return { ...checkpoint, note };
}

/**
 * Each tampering breaks one rule. The report must fail exactly at the step that checks that rule, pass every step
 * before it and skip every step after it.
 */
const tamperings: Array<[string, (docs: ObserverDocuments) => void, VerificationStepId, ErrorCode]> = [
  ['the previous event is an earlier one (a sequence is skipped)', (d) => (d.previous = toEventJson(chain.events[SEQUENCE - 3] as StoredEvent)), 'chain-link', 'CHAIN_SEQUENCE_GAP'],
  ['prev_hash is changed', (d) => (d.event.prev_hash = d.event.prev_hash.replace(/^./, (c) => (c === '0' ? '1' : '0'))), 'chain-link', 'CHAIN_PREV_HASH_MISMATCH'],
  ['the predecessor’s content_hash is changed', (d) => d.previous !== undefined && (d.previous.content_hash = d.event.content_hash), 'chain-link', 'CHAIN_PREV_HASH_MISMATCH'],
  ['the payload is changed', (d) => (d.event.payload = { ...d.event.payload, n: 1000 }), 'content-hash', 'CHAIN_CONTENT_HASH_MISMATCH'],
  ['content_hash is changed', (d) => (d.event.content_hash = d.event.content_hash.replace(/.$/, (c) => (c === '0' ? '1' : '0'))), 'content-hash', 'CHAIN_CONTENT_HASH_MISMATCH'],
  ['the agent signature is flipped (content_hash recomputed to match it)', (d) => {
    d.event.signature = flipBit(d.event.signature, 40);
    d.event.content_hash = computeContentHash(toStoredEvent(d.event));
  }, 'agent-signature', 'SIG_INVALID'],
  ['the agent signature is flipped (content_hash left as it was)', (d) => (d.event.signature = flipBit(d.event.signature, 40)), 'content-hash', 'CHAIN_CONTENT_HASH_MISMATCH'],
  ['the keys document lacks the agent key', (d) => (d.keys.keys = d.keys.keys.filter((k) => k.key_id !== d.event.signing_key_id)), 'agent-signature', 'SIG_KEY_UNKNOWN'],
  ['the keys document gives the agent key to another actor', (d) => (d.keys.keys = d.keys.keys.map((k) => (k.key_id === d.event.signing_key_id ? { ...k, actor_id: 'agent-someone-else' } : k))), 'agent-signature', 'SIG_KEY_AGENT_MISMATCH'],
  ['the keys document closes the agent key before the event', (d) => (d.keys.keys = d.keys.keys.map((k) => (k.key_id === d.event.signing_key_id ? { ...k, active_until: '2026-01-01T00:00:01.000000Z' } : k))), 'agent-signature', 'SIG_KEY_INACTIVE'],
  ['the witness is another witness of the pool', (d) => {
    const other = chain.witnesses.find((w) => w.record.agentId !== d.event.witness_id) ?? (undefined as never);
    d.event.witness_id = other.record.agentId;
    d.event.witness_signature = toBase64(signEd25519(other.secretKey, witnessSignatureMessage(d.event.content_hash)));
  }, 'witness-selection', 'SIG_WITNESS_NOT_SELECTED'],
  ['the keys document lists no witness', (d) => (d.keys.keys = d.keys.keys.filter((k) => k.kind !== 'witness')), 'witness-selection', 'WITNESS_POOL_EMPTY'],
  ['the witness signature is flipped', (d) => (d.event.witness_signature = flipBit(d.event.witness_signature, 3)), 'witness-signature', 'SIG_WITNESS_INVALID'],
  ['the witness signature is not 64 bytes', (d) => (d.event.witness_signature = toBase64(new Uint8Array(63))), 'witness-signature', 'SIG_MALFORMED'],
  ['the checkpoint note is altered (its root line)', (d) => {
    const c = d.checkpoint as NonNullable<ObserverDocuments['checkpoint']>;
    const root = c.note.split('\n')[2] as string;
    c.note = c.note.replace(root, flipBit(root, 31));
  }, 'checkpoint-signature', 'SIG_INVALID'],
  ['the checkpoint is signed by a key that is not a SYSTEM:LOG key of the keys document', (d) => (d.checkpoint = signedCheckpoint(d, newSigner('SYSTEM:LOG'))), 'checkpoint-signature', 'SIG_NOTE_SIGNATURE_MISSING'],
  ['the keys document lacks the SYSTEM:LOG key', (d) => (d.keys.keys = d.keys.keys.filter((k) => k.actor_id !== 'SYSTEM:LOG')), 'checkpoint-signature', 'SIG_NOTE_SIGNATURE_MISSING'],
  ['the checkpoint object states another tree size than its note', (d) => d.checkpoint !== undefined && (d.checkpoint.tree_size = TREE_SIZE + 1), 'checkpoint-signature', 'INPUT_CHECKPOINT_MALFORMED'],
  ['the checkpoint object states another root than its note', (d) => d.checkpoint !== undefined && (d.checkpoint.root_hash = flipBit(d.checkpoint.root_hash)), 'checkpoint-signature', 'INPUT_CHECKPOINT_MALFORMED'],
  ['a proof hash is flipped', (d) => d.proof !== undefined && (d.proof.inclusion_path[1] = flipBit(d.proof.inclusion_path[1] as string, 7)), 'inclusion', 'MERKLE_PROOF_INVALID'],
  ['the proof is one hash short', (d) => d.proof?.inclusion_path.pop(), 'inclusion', 'MERKLE_PROOF_INVALID'],
  ['the proof is for another leaf', (d) => d.proof !== undefined && (d.proof.leaf_index = SEQUENCE), 'inclusion', 'MERKLE_PROOF_INVALID'],
  ['the proof is for another tree size', (d) => d.proof !== undefined && (d.proof.tree_size = TREE_SIZE - 1), 'inclusion', 'MERKLE_PROOF_INVALID'],
  ['the checkpoint (validly signed) is of another tree with this size', (d) => {
    const other = buildChain(TREE_SIZE);
    const docs = observerDocuments({ events: other.events, keys: chain.keys, log: chain.log, sequence: SEQUENCE, treeSize: TREE_SIZE });
    d.checkpoint = docs.checkpoint;
  }, 'inclusion', 'MERKLE_PROOF_INVALID'],
];

describe('verifyEventInBrowser on a tampered event, key set, checkpoint or proof', () => {
  it('passes every step on the untampered documents', async () => {
    const steps = await verifyEventInBrowser(valid(), nodeWebCrypto);
    expect(steps.every((s) => s.outcome === 'passed')).toBe(true);
  });

  describe.each(tamperings)('when %s', (_name, tamper, step, code) => {
    it(`fails ${step} (${code}), passes the steps before it and skips the rest`, async () => {
      const docs = valid();
      tamper(docs);
      const failed = expectFailureAt(await verifyEventInBrowser(docs, nodeWebCrypto), step, code);
      expect(failed.label).not.toBe('');
    });
  });
});
