import { describe, expect, it } from 'vitest';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { CosignerError, InputError } from '../../../src/domain/errors.js';
import { formatAddCheckpointRequest } from '../../../src/domain/note/add-checkpoint-request.js';
import { verifyCosignature } from '../../../src/domain/note/cosignature.js';
import { formatSignedNote, parseSignedNote } from '../../../src/domain/note/signed-note.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { TestLog } from '../../support/tlog-fixture.js';
import { MemoryCosignerState, NOW_SECONDS, testCosigner } from './cosigner-fixture.js';

const ORIGIN = 'log.test/archon72';

/** The cosignature in `line` verified over the checkpoint `note`; returns its timestamp. */
function verifyLine(note: string, line: string, signer: { name: string; publicKey: Uint8Array }): number {
  const text = parseSignedNote(note).text;
  return verifyCosignature(parseSignedNote(formatSignedNote(text, [line])), signer, verifyEd25519Sodium).timestamp;
}

describe('Cosigner.addCheckpoint', () => {
  describe('when the log grows consistently', () => {
    it('cosigns the first checkpoint from old size 0, records it, and answers one verifiable line', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner, state, signer } = testCosigner([log]);
      const line = await cosigner.addCheckpoint(log.request(0, 5));
      expect(line).toMatch(/^\u2014 witness-a\.test\/w1 [A-Za-z0-9+/=]+\n$/);
      expect(verifyLine(log.checkpoint(5), line, signer)).toBe(NOW_SECONDS);
      expect(state.latest(ORIGIN)).toMatchObject({ treeSize: 5, rootHash: log.root(5), cosignedAt: NOW_SECONDS });
    });

    it('cosigns each larger checkpoint with a consistency proof from the last cosigned size', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner, state } = testCosigner([log]);
      await cosigner.addCheckpoint(log.request(0, 1));
      for (const [from, to] of [[1, 2], [2, 7], [7, 8], [8, 64], [64, 100]] as const) await cosigner.addCheckpoint(log.request(from, to));
      expect(state.latest(ORIGIN)?.treeSize).toBe(100);
    });

    it('cosigns the same checkpoint again (old size = size, same root, empty proof)', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner, state } = testCosigner([log]);
      await cosigner.addCheckpoint(log.request(0, 5));
      await cosigner.addCheckpoint(log.request(5, 5));
      expect(state.commits).toBe(2);
    });

    it('cosigns the empty tree', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner, state } = testCosigner([log]);
      await cosigner.addCheckpoint(log.request(0, 0));
      expect(state.latest(ORIGIN)?.treeSize).toBe(0);
    });

    it('covers extension lines in the cosignature', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner, signer } = testCosigner([log]);
      const note = log.checkpoint(3, 'an extension\n');
      const line = await cosigner.addCheckpoint(formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: note }));
      expect(verifyLine(note, line, signer)).toBe(NOW_SECONDS);
      expect(() => verifyLine(note.replace('an extension', 'an extensioN'), line, signer)).toThrow();
    });
  });

  describe('when the old size is not the last cosigned size', () => {
    it('throws COSIGNER_OLD_SIZE_MISMATCH with details.knownSize, and cosigns nothing', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner, state } = testCosigner([log]);
      await cosigner.addCheckpoint(log.request(0, 5));
      const err = await expectRejection(cosigner.addCheckpoint(log.request(0, 9)), CosignerError, 'COSIGNER_OLD_SIZE_MISMATCH');
      expect(err.details?.knownSize).toBe(5);
      await expectRejection(cosigner.addCheckpoint(log.request(3, 9)), CosignerError, 'COSIGNER_OLD_SIZE_MISMATCH');
      expect(state.latest(ORIGIN)?.treeSize).toBe(5);
    });

    it('throws COSIGNER_OLD_SIZE_MISMATCH (known size 0) for a first request with an old size', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner } = testCosigner([log]);
      const err = await expectRejection(cosigner.addCheckpoint(log.request(3, 9)), CosignerError, 'COSIGNER_OLD_SIZE_MISMATCH');
      expect(err.details?.knownSize).toBe(0);
    });

    it('throws INPUT_ADD_CHECKPOINT_MALFORMED when the old size exceeds the checkpoint size', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner } = testCosigner([log]);
      await expectRejection(cosigner.addCheckpoint(log.request(6, 5, [])), InputError, 'INPUT_ADD_CHECKPOINT_MALFORMED');
    });
  });

  describe('when the checkpoint is not consistent with the last cosigned one', () => {
    it('throws COSIGNER_CONSISTENCY_PROOF_INVALID for a proof with a flipped bit, and logs it', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner, state, lines } = testCosigner([log]);
      await cosigner.addCheckpoint(log.request(0, 5));
      const proof = log.proof(5, 9);
      const first = proof[0] as Uint8Array;
      first[3] = (first[3] as number) ^ 0x10;
      await expectRejection(cosigner.addCheckpoint(log.request(5, 9, proof)), CosignerError, 'COSIGNER_CONSISTENCY_PROOF_INVALID');
      expect(state.latest(ORIGIN)?.treeSize).toBe(5);
      expect(lines.some((l) => l.level === 'warn')).toBe(true);
    });

    it('refuses a fork: a checkpoint signed by the log whose tree does not extend the cosigned one', async () => {
      const log = new TestLog(ORIGIN, 1);
      const fork = log.fork('fork', 3);
      const { cosigner, state } = testCosigner([log]);
      await cosigner.addCheckpoint(log.request(0, 5));
      await expectRejection(cosigner.addCheckpoint(fork.request(5, 9)), CosignerError, 'COSIGNER_CONSISTENCY_PROOF_INVALID');
      expect(state.latest(ORIGIN)?.rootHash).toEqual(log.root(5));
    });

    it('throws COSIGNER_ROOT_MISMATCH for another root at the cosigned size', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner } = testCosigner([log]);
      await cosigner.addCheckpoint(log.request(0, 5));
      await expectRejection(cosigner.addCheckpoint(log.fork('fork', 4).request(5, 5)), CosignerError, 'COSIGNER_ROOT_MISMATCH');
    });

    it.each([
      ['old size 0', 0, 5],
      ['old size = size', 5, 5],
    ])('throws COSIGNER_CONSISTENCY_PROOF_INVALID for a non-empty proof with %s', async (_, oldSize, size) => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner } = testCosigner([log]);
      if (oldSize > 0) await cosigner.addCheckpoint(log.request(0, oldSize));
      await expectRejection(cosigner.addCheckpoint(log.request(oldSize, size, [log.root(1)])), CosignerError, 'COSIGNER_CONSISTENCY_PROOF_INVALID');
    });
  });

  describe('when the log or its signature is wrong', () => {
    it('throws COSIGNER_LOG_UNKNOWN for an origin it does not witness', async () => {
      const { cosigner } = testCosigner([new TestLog(ORIGIN, 1)]);
      await expectRejection(cosigner.addCheckpoint(new TestLog('other.test/log', 2).request(0, 5)), CosignerError, 'COSIGNER_LOG_UNKNOWN');
    });

    it('throws COSIGNER_LOG_SIGNATURE_INVALID for a checkpoint signed by another key', async () => {
      const { cosigner, state } = testCosigner([new TestLog(ORIGIN, 1)]);
      await expectRejection(cosigner.addCheckpoint(new TestLog(ORIGIN, 2).request(0, 5)), CosignerError, 'COSIGNER_LOG_SIGNATURE_INVALID');
      expect(state.commits).toBe(0);
    });

    it('throws COSIGNER_LOG_SIGNATURE_INVALID for a checkpoint altered after signing', async () => {
      const log = new TestLog(ORIGIN, 1);
      const { cosigner } = testCosigner([log]);
      await expectRejection(cosigner.addCheckpoint(log.request(0, 5).replace('\n5\n', '\n6\n')), CosignerError, 'COSIGNER_LOG_SIGNATURE_INVALID');
    });

    it('throws INPUT_NOTE_MALFORMED / INPUT_CHECKPOINT_MALFORMED for a checkpoint that is not one', async () => {
      const { cosigner } = testCosigner([new TestLog(ORIGIN, 1)]);
      await expectRejection(cosigner.addCheckpoint('old 0\n\nno signature\n'), InputError, 'INPUT_NOTE_MALFORMED');
      await expectRejection(cosigner.addCheckpoint(`old 0\n\nhello\n\n\u2014 k AAAAAAE=\n`), InputError, 'INPUT_CHECKPOINT_MALFORMED');
    });
  });

  describe('when the state cannot be written', () => {
    it('throws COSIGNER_STATE_WRITE_FAILED and answers no cosignature', async () => {
      const log = new TestLog(ORIGIN, 1);
      const state = new MemoryCosignerState();
      state.failCommits = true;
      const { cosigner } = testCosigner([log], { state });
      await expectRejection(cosigner.addCheckpoint(log.request(0, 5)), CosignerError, 'COSIGNER_STATE_WRITE_FAILED');
      expect(state.latest(ORIGIN)).toBeUndefined();
    });
  });

  describe('when requests for one origin race', () => {
    it('cosigns only one of two divergent checkpoints from the same old size; the other gets 409', async () => {
      const log = new TestLog(ORIGIN, 1);
      const fork = log.fork('fork', 5);
      const state = new MemoryCosignerState();
      const { cosigner } = testCosigner([log], { state });
      await cosigner.addCheckpoint(log.request(0, 5));
      let open = (): void => undefined;
      state.gate = new Promise((resolve) => (open = resolve));
      const results = Promise.allSettled([cosigner.addCheckpoint(log.request(5, 9)), cosigner.addCheckpoint(fork.request(5, 9))]);
      await new Promise((r) => setTimeout(r, 20));
      open();
      const [a, b] = await results;
      expect(a.status).toBe('fulfilled');
      expect(b.status === 'rejected' && (b.reason as CosignerError).code).toBe('COSIGNER_OLD_SIZE_MISMATCH');
      expect(state.latest(ORIGIN)?.rootHash).toEqual(log.root(9));
    });

    it('does not hold one origin up behind another', async () => {
      const slow = new TestLog('slow.test/log', 1);
      const fast = new TestLog('fast.test/log', 2);
      const state = new MemoryCosignerState();
      const { cosigner } = testCosigner([slow, fast], { state });
      let open = (): void => undefined;
      state.gate = new Promise((resolve) => (open = resolve));
      const pending = cosigner.addCheckpoint(slow.request(0, 3));
      await new Promise((r) => setTimeout(r, 20)); // the slow commit is now waiting at the gate
      state.gate = undefined;
      await cosigner.addCheckpoint(fast.request(0, 3));
      expect(state.latest('fast.test/log')?.treeSize).toBe(3);
      expect(state.latest('slow.test/log')).toBeUndefined();
      open();
      await pending;
      expect(state.latest('slow.test/log')?.treeSize).toBe(3);
    });
  });
});
