import { toHex } from '../../domain/encoding/bytes.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { AsyncEd25519Verify } from './webcrypto-ed25519.js';

/**
 * Most rounds a check may take. Each round after the first answers at least one more signature than the one
 * before, so a check needs at most one round more than the signatures it verifies (an event's checks verify one or
 * a few); hitting this bound means the check asks for ever new signatures, which is a bug.
 */
const MAX_ROUNDS = 32;

/**
 * Runs a synchronous domain check that takes an Ed25519Verify (verifyAgentSignature, verifyNoteSignature, …) with
 * an asynchronous verifier such as WebCrypto's, without re-implementing the check. WebCrypto cannot answer
 * synchronously, so the check is replayed:
 *
 * 1. run it with a verify that records each (signature, message, public key) it is asked about, answering true;
 * 2. await the asynchronous verifier on every triple recorded;
 * 3. run it again with a verify that answers from those results, recording any triple not seen before.
 *
 * Step 3 repeats until a run asks about no new triple. That run's every answer came from the real verifier, so its
 * outcome (the value it returned or the error it threw) is the check's outcome, and it is returned or rethrown.
 * Repeating matters when an answer changes the path: `keys.some(verify)` stops at the first key that (in round 1,
 * optimistically) verifies, and only learns of the next key when the first one turns out to fail.
 * The check must be deterministic and free of side effects, as the domain's checks are: it runs several times.
 * Throws Error when the check has not settled after MAX_ROUNDS rounds.
 */
export async function runWithAsyncEd25519<T>(check: (verify: Ed25519Verify) => T, verifyAsync: AsyncEd25519Verify): Promise<T> {
  const answers = new Map<string, boolean>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const asked = new Map<string, Triple>();
    const verify: Ed25519Verify = (signature, message, publicKey) => {
      const id = tripleId(signature, message, publicKey);
      const known = answers.get(id);
      if (known !== undefined) return known;
      // Copies: the check may reuse its buffers after the call, and the answer comes later.
      asked.set(id, { signature: signature.slice(), message: message.slice(), publicKey: publicKey.slice() });
      return true; // optimistic, so the check goes on to every signature it would verify after this one
    };
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = { value: check(verify) };
    } catch (error) {
      outcome = { error };
    }
    if (asked.size === 0) {
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    }
    const entries = [...asked];
    const results = await Promise.all(entries.map(([, t]) => verifyAsync(t.signature, t.message, t.publicKey)));
    entries.forEach(([id], i) => answers.set(id, results[i] === true));
  }
  throw new Error(`runWithAsyncEd25519: the check asked for new signatures in each of ${MAX_ROUNDS} rounds`);
}

interface Triple {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
}

/** One key per distinct triple. The lengths make the concatenation unambiguous even for malformed input. */
function tripleId(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): string {
  return `${signature.length}:${toHex(signature)}:${publicKey.length}:${toHex(publicKey)}:${toHex(message)}`;
}
