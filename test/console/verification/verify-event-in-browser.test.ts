import { describe, expect, it } from 'vitest';
import { verifyEventInBrowser } from '../../../src/console/verification/verify-event-in-browser.js';
import { toHex } from '../../../src/domain/encoding/bytes.js';
import { buildChain, newSigner } from '../../app/offline-verify/chain-fixture.js';
import { chainEventVectors, chainKeys, toStoredEvent } from '../../domain/load-vectors.js';
import { logSigner, observerDocuments } from './observer-documents.js';
import { expectFailureAt, nodeWebCrypto, outcomes, STEP_IDS } from './step-assertions.js';

const chain = buildChain(7);
const documents = (sequence: number, treeSize = 7) => observerDocuments({ events: chain.events, keys: chain.keys, log: chain.log, sequence, treeSize });

describe('verifyEventInBrowser', () => {
  describe('when given an event of a valid log, its predecessor, the keys and a checkpoint covering it', () => {
    it.each([1, 2, 4, 7])('passes every step for sequence %i', async (sequence) => {
      const steps = await verifyEventInBrowser(documents(sequence), nodeWebCrypto);
      expect(outcomes(steps)).toEqual(STEP_IDS.map((id) => [id, 'passed']));
    });

    it('labels every step and says what it checked: the hash, the keys, the witness, the checkpoint and the root', async () => {
      const docs = documents(4);
      const steps = await verifyEventInBrowser(docs, nodeWebCrypto);
      const detail = Object.fromEntries(steps.map((s) => [s.id, s.detail]));
      expect(steps.every((s) => s.label !== '')).toBe(true);
      expect(detail['chain-link']).toContain(docs.event.prev_hash);
      expect(detail['content-hash']).toContain(docs.event.content_hash);
      expect(detail['agent-signature']).toContain(docs.event.signing_key_id);
      expect(detail['witness-selection']).toContain(docs.event.witness_id);
      expect(detail['witness-signature']).toContain(docs.event.witness_id);
      expect(detail['checkpoint-signature']).toContain(chain.log.record.keyId);
      expect(detail['inclusion']).toContain(docs.checkpoint?.root_hash);
      expect(detail['inclusion']).toContain(docs.proof?.leaf_hash);
      expect(steps.some((s) => s.detail.includes('development key'))).toBe(false);
    });

    it('reads the documents as text just as well as parsed', async () => {
      const docs = documents(3);
      const text = {
        event: JSON.stringify(docs.event),
        previous: JSON.stringify(docs.previous),
        keys: JSON.stringify(docs.keys),
        checkpoint: JSON.stringify(docs.checkpoint),
        proof: JSON.stringify(docs.proof),
      };
      expect(outcomes(await verifyEventInBrowser(text, nodeWebCrypto))).toEqual(STEP_IDS.map((id) => [id, 'passed']));
    });

    it('ignores a previous event given for sequence 1, which links to 64 zeros', async () => {
      const steps = await verifyEventInBrowser({ ...documents(1), previous: documents(2).event }, nodeWebCrypto);
      expect(steps.every((s) => s.outcome === 'passed')).toBe(true);
    });
  });

  describe('when no checkpoint has been published', () => {
    it('passes the event checks and skips the checkpoint and the inclusion', async () => {
      const steps = await verifyEventInBrowser(documents(5, 0), nodeWebCrypto);
      expect(outcomes(steps).slice(0, 5).every(([, o]) => o === 'passed')).toBe(true);
      expect(outcomes(steps).slice(5)).toEqual([
        ['checkpoint-signature', 'skipped'],
        ['inclusion', 'skipped'],
      ]);
    });
  });

  describe('when the event is newer than the latest checkpoint', () => {
    it('verifies the checkpoint and skips the inclusion, saying why', async () => {
      const steps = await verifyEventInBrowser(documents(6, 4), nodeWebCrypto);
      expect(outcomes(steps).slice(0, 6).every(([, o]) => o === 'passed')).toBe(true);
      expect(steps[6]).toMatchObject({ id: 'inclusion', outcome: 'skipped' });
      expect(steps[6]?.detail).toContain('tree size 4');
    });
  });

  describe('when the checkpoint covers the event but no proof was given', () => {
    it('fails the inclusion (MERKLE_PROOF_INVALID)', async () => {
      expectFailureAt(await verifyEventInBrowser({ ...documents(3), proof: undefined }, nodeWebCrypto), 'inclusion', 'MERKLE_PROOF_INVALID');
    });
  });

  describe('when the keys are development keys (test/vectors/event-chain.json)', () => {
    const events = chainEventVectors().map((v) => toStoredEvent(v.expected?.event ?? (undefined as never)));
    const log = logSigner('dev-log-1');
    const keys = [...chainKeys(), log.record];

    it('accepts them, as a development server does, and says in each signature step that a development key signed', async () => {
      const steps = await verifyEventInBrowser(observerDocuments({ events, keys, log, sequence: 3, treeSize: 4 }), nodeWebCrypto);
      expect(outcomes(steps)).toEqual(STEP_IDS.map((id) => [id, 'passed']));
      const marked = steps.filter((s) => s.detail.includes('(a development key)')).map((s) => s.id);
      expect(marked).toEqual(['agent-signature', 'witness-signature', 'checkpoint-signature']);
    });
  });

  describe('when a witness has two keys active at the event’s authority time', () => {
    // A key closed with a future active_until overlaps its successor (docs/PROTOCOL.md §5.1): any of them may verify.
    it('passes the witness signature with the key that verifies, and names both', async () => {
      const docs = documents(2);
      const witness = docs.event.witness_id;
      const entry = docs.keys.keys.find((k) => k.actor_id === witness) ?? (undefined as never);
      // The newer key comes first (witnessKeysAt: newest first) and does not verify; the older one does.
      const newer = { ...entry, key_id: `${entry.key_id}-newer`, public_key: toHex(newSigner(witness).record.publicKey), active_from: '2026-01-01T00:00:30.000000Z' };
      const steps = await verifyEventInBrowser({ ...docs, keys: { ...docs.keys, keys: [...docs.keys.keys, newer] } }, nodeWebCrypto);
      expect(outcomes(steps)).toEqual(STEP_IDS.map((id) => [id, 'passed']));
      expect(steps[4]?.detail).toContain(entry.key_id);
      expect(steps[4]?.detail).toContain(newer.key_id);
    });
  });

  describe('when the log is small', () => {
    it('speaks of one witness and one hash in the singular', async () => {
      const docs = documents(1, 2);
      const only = { ...docs.keys, keys: docs.keys.keys.filter((k) => k.kind !== 'witness' || k.actor_id === docs.event.witness_id) };
      const steps = await verifyEventInBrowser({ ...docs, keys: only }, nodeWebCrypto);
      expect(outcomes(steps)).toEqual(STEP_IDS.map((id) => [id, 'passed']));
      expect(steps[3]?.detail).toContain('from the 1 witness active');
      expect(steps[6]?.detail).toContain('an audit path of 1 hash leads');
    });
  });

  describe('when the verifier says no to every signature', () => {
    it('fails the agent signature (SIG_INVALID)', async () => {
      expectFailureAt(await verifyEventInBrowser(documents(2), async () => false), 'agent-signature', 'SIG_INVALID');
    });
  });

  describe('when the verifier rejects instead of answering', () => {
    it('fails the first signature step with the error rather than rejecting', async () => {
      const steps = await verifyEventInBrowser(documents(2), () => Promise.reject(new Error('no WebCrypto here')));
      expect(expectFailureAt(steps, 'agent-signature', 'unexpected error').detail).toContain('no WebCrypto here');
      const odd = await verifyEventInBrowser(documents(2), () => Promise.reject('a string, not an Error'));
      expect(expectFailureAt(odd, 'agent-signature', 'unexpected error').detail).toContain('a string, not an Error');
    });
  });
});
