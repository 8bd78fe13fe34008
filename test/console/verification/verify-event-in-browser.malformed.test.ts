import { describe, expect, it } from 'vitest';
import { verifyEventInBrowser, type EventVerificationInput } from '../../../src/console/verification/verify-event-in-browser.js';
import { buildChain } from '../../app/offline-verify/chain-fixture.js';
import { observerDocuments } from './observer-documents.js';
import { expectFailureAt, nodeWebCrypto, STEP_IDS } from './step-assertions.js';
import type { VerificationStepId } from '../../../src/console/verification/verify-event-in-browser.js';
import type { ErrorCode } from '../../../src/domain/errors.js';

const chain = buildChain(4);
const valid = (): EventVerificationInput => observerDocuments({ events: chain.events, keys: chain.keys, log: chain.log, sequence: 3, treeSize: 4 });

/**
 * What the page fetched is attacker-controlled. A document that is missing or not what the API serves fails the
 * first step that reads it, with the parser's typed error; verifyEventInBrowser never throws.
 */
const malformed: Array<[string, Partial<EventVerificationInput>, VerificationStepId, ErrorCode]> = [
  ['the event is text that does not parse as JSON', { event: '{"sequence": 3,' }, 'chain-link', 'INPUT_INVALID_JSON'],
  ['the event is missing', { event: undefined }, 'chain-link', 'INPUT_FIELD_INVALID'],
  ['the event is null', { event: null }, 'chain-link', 'INPUT_FIELD_INVALID'],
  ['the event is an array', { event: [] }, 'chain-link', 'INPUT_FIELD_INVALID'],
  ['the event is an API error body', { event: { error: { code: 'EVENT_NOT_FOUND', message: 'no event' } } }, 'chain-link', 'INPUT_FIELD_INVALID'],
  ['the event lacks its witness_signature', { event: { ...(observerDocuments({ events: chain.events, keys: chain.keys, log: chain.log, sequence: 3, treeSize: 0 }).event as object), witness_signature: undefined } }, 'chain-link', 'INPUT_FIELD_INVALID'],
  ['the event holds a BigInt (not JSON at all)', { event: { sequence: 3n } }, 'chain-link', 'INPUT_INVALID_JSON'],
  ['the previous event is missing for sequence 3', { previous: undefined }, 'chain-link', 'INPUT_FIELD_INVALID'],
  ['the previous event does not parse', { previous: 'not json' }, 'chain-link', 'INPUT_INVALID_JSON'],
  ['the keys document does not parse', { keys: '<html>' }, 'agent-signature', 'INPUT_INVALID_JSON'],
  ['the keys document is not a public key set', { keys: { keys: [] } }, 'agent-signature', 'INPUT_FIELD_INVALID'],
  ['the keys document is missing', { keys: undefined }, 'agent-signature', 'INPUT_FIELD_INVALID'],
  ['the checkpoint is not an object', { checkpoint: 'null' }, 'checkpoint-signature', 'INPUT_FIELD_INVALID'],
  ['the checkpoint has no note', { checkpoint: { tree_size: 4, root_hash: 'x' } }, 'checkpoint-signature', 'INPUT_FIELD_INVALID'],
  ['the checkpoint has no tree_size', { checkpoint: { note: 'x', root_hash: 'x' } }, 'checkpoint-signature', 'INPUT_FIELD_INVALID'],
  ['the checkpoint has no root_hash', { checkpoint: { note: 'x', tree_size: 4 } }, 'checkpoint-signature', 'INPUT_FIELD_INVALID'],
  ['the checkpoint note is not a signed note', { checkpoint: { note: 'archon72.invalid/x\n4\n', tree_size: 4, root_hash: 'x' } }, 'checkpoint-signature', 'INPUT_NOTE_MALFORMED'],
  ['the checkpoint note is signed but not a checkpoint', { checkpoint: { note: 'hello\n\n— k AAAAAAA=\n', tree_size: 4, root_hash: 'x' } }, 'checkpoint-signature', 'INPUT_CHECKPOINT_MALFORMED'],
  ['the proof is not an object', { proof: [1, 2] }, 'inclusion', 'INPUT_FIELD_INVALID'],
  ['the proof has no leaf_index', { proof: { tree_size: 4, inclusion_path: [] } }, 'inclusion', 'INPUT_FIELD_INVALID'],
  ['the proof has a negative tree_size', { proof: { leaf_index: 2, tree_size: -1, inclusion_path: [] } }, 'inclusion', 'INPUT_FIELD_INVALID'],
  ['the proof has no inclusion_path', { proof: { leaf_index: 2, tree_size: 4 } }, 'inclusion', 'INPUT_FIELD_INVALID'],
  ['a proof hash is not 32 bytes of base64', { proof: { leaf_index: 2, tree_size: 4, inclusion_path: ['AAAA'] } }, 'inclusion', 'INPUT_FIELD_INVALID'],
  ['a proof hash is not a string', { proof: { leaf_index: 2, tree_size: 4, inclusion_path: [7] } }, 'inclusion', 'INPUT_FIELD_INVALID'],
];

describe('verifyEventInBrowser on malformed documents', () => {
  describe.each(malformed)('when %s', (_name, override, step, code) => {
    it(`fails ${step} (${code}) and skips the rest, without throwing`, async () => {
      const failed = expectFailureAt(await verifyEventInBrowser({ ...valid(), ...override }, nodeWebCrypto), step, code);
      expect(failed.detail.length).toBeGreaterThan(code.length + 2);
    });
  });

  it('names the document at fault in the detail', async () => {
    const [link] = await verifyEventInBrowser({ ...valid(), previous: '{}' }, nodeWebCrypto);
    expect(link?.detail).toMatch(/the previous event is not a stored event/);
    const steps = await verifyEventInBrowser({ ...valid(), keys: { format: 'archon72-public-keys/v1', keys: [{}] } }, nodeWebCrypto);
    expect(steps[2]?.detail).toMatch(/public key set: keys\[0\]\.actor_id/);
  });

  it('returns a complete report, never a rejection, whatever the input', async () => {
    for (const junk of [undefined, null, 0, '', 'x', [], {}, { event: 1 }]) {
      const steps = await verifyEventInBrowser({ event: junk, previous: junk, keys: junk, checkpoint: junk, proof: junk }, nodeWebCrypto);
      expect(steps.map((s) => s.id)).toEqual(STEP_IDS);
      expect(steps[0]?.outcome).toBe('failed');
    }
  });
});
