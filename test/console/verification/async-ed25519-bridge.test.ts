import { describe, expect, it } from 'vitest';
import { runWithAsyncEd25519 } from '../../../src/console/verification/async-ed25519-bridge.js';
import { verifyEd25519Portable, type Ed25519Verify } from '../../../src/domain/signing/ed25519.js';
import { SignatureError } from '../../../src/domain/errors.js';
import { verifyWitnessSignature } from '../../../src/domain/signing/verify-signatures.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { chainKeys, chainEventVectors, toStoredEvent } from '../../domain/load-vectors.js';
import type { AsyncEd25519Verify } from '../../../src/console/verification/webcrypto-ed25519.js';

/** The portable verifier made asynchronous, counting its calls. */
function countingAsync(verify: Ed25519Verify = verifyEd25519Portable): AsyncEd25519Verify & { calls: number } {
  const f = Object.assign(
    async (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => {
      f.calls++;
      return verify(signature, message, publicKey);
    },
    { calls: 0 },
  );
  return f;
}

const [vector] = chainEventVectors();
const event = toStoredEvent(vector?.expected?.event ?? (undefined as never));
const keys = chainKeys();
const witnessKey = keys.find((k) => k.agentId === event.witnessId) ?? (undefined as never);
const otherKey = keys.find((k) => k.agentId !== event.witnessId) ?? (undefined as never);

describe('runWithAsyncEd25519', () => {
  describe('when the check verifies nothing', () => {
    it('runs it once and returns its value', async () => {
      let runs = 0;
      const verify = countingAsync();
      await expect(runWithAsyncEd25519(() => ++runs, verify)).resolves.toBe(1);
      expect(verify.calls).toBe(0);
    });

    it('rethrows its error', async () => {
      const err = new SignatureError({ code: 'SIG_MALFORMED', message: 'bad' });
      await expect(
        runWithAsyncEd25519(() => {
          throw err;
        }, countingAsync()),
      ).rejects.toBe(err);
    });
  });

  describe('when the check verifies a valid signature', () => {
    it('asks the asynchronous verifier once and lets the check pass', async () => {
      const verify = countingAsync();
      await runWithAsyncEd25519((v) => verifyWitnessSignature(event, [witnessKey], v), verify);
      expect(verify.calls).toBe(1);
    });
  });

  describe('when the check verifies an invalid signature', () => {
    it('throws the error the check throws with the real answer (SIG_WITNESS_INVALID)', async () => {
      await expectRejection(runWithAsyncEd25519((v) => verifyWitnessSignature(event, [otherKey], v), countingAsync()), SignatureError, 'SIG_WITNESS_INVALID');
    });
  });

  describe('when an answer changes which signatures the check verifies', () => {
    // keys.some(verify): the first round's optimistic true stops at the first key; only a later round reaches the
    // second key, the one that verifies.
    it('replays until no new signature is asked for, and the outcome is the real one', async () => {
      const verify = countingAsync();
      await runWithAsyncEd25519((v) => verifyWitnessSignature(event, [otherKey, witnessKey], v), verify);
      expect(verify.calls).toBe(2);
    });

    it('fails when none of the keys verifies', async () => {
      await expectRejection(runWithAsyncEd25519((v) => verifyWitnessSignature(event, [otherKey, otherKey], v), countingAsync()), SignatureError, 'SIG_WITNESS_INVALID');
    });
  });

  describe('when the check asks about the same signature several times', () => {
    it('asks the asynchronous verifier once per distinct (signature, message, key)', async () => {
      const verify = countingAsync();
      const sig = new Uint8Array(64);
      const result = await runWithAsyncEd25519((v) => [v(sig, Uint8Array.of(1), new Uint8Array(32)), v(sig, Uint8Array.of(1), new Uint8Array(32)), v(sig, Uint8Array.of(2), new Uint8Array(32))], verify);
      expect(result).toEqual([false, false, false]);
      expect(verify.calls).toBe(2);
    });
  });

  describe('when the check reuses its buffers after asking', () => {
    it('verifies what was asked, not what the buffer holds later', async () => {
      const asked: string[] = [];
      const verify: AsyncEd25519Verify = async (_s, message) => {
        asked.push(Array.from(message).join(','));
        return true;
      };
      await runWithAsyncEd25519((v) => {
        const buffer = Uint8Array.of(7);
        v(new Uint8Array(64), buffer, new Uint8Array(32));
        buffer[0] = 9;
      }, verify);
      expect(asked).toEqual(['7']);
    });
  });

  describe('when the asynchronous verifier answers a non-boolean', () => {
    it('takes anything but true as false', async () => {
      const verify = (async () => 'yes') as unknown as AsyncEd25519Verify;
      await expect(runWithAsyncEd25519((v) => v(new Uint8Array(64), new Uint8Array(0), new Uint8Array(32)), verify)).resolves.toBe(false);
    });
  });

  describe('when the check asks for a new signature in every round', () => {
    it('gives up with an error instead of looping forever', async () => {
      let n = 0;
      await expect(runWithAsyncEd25519((v) => v(new Uint8Array(64), Uint8Array.of(n++ & 255, n >> 8), new Uint8Array(32)), countingAsync())).rejects.toThrow(/rounds/);
    });
  });
});
