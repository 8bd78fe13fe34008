import { performance } from 'node:perf_hooks';
import { verifyEd25519Sodium } from '../src/adapters/crypto/sodium-ed25519.js';
import { placeEvent } from '../src/domain/chain/place-event.js';
import { eventSignatureMessage, witnessSignatureMessage } from '../src/domain/signing/messages.js';
import { decodeSignature } from '../src/domain/signing/verify-signatures.js';
import { selectWitness } from '../src/domain/witness/select-witness.js';
import { toBase64 } from '../src/domain/encoding/bytes.js';
import type { Keyring } from '../src/domain/signing/keyring.js';
import type { KeyCustody } from '../src/app/ports.js';
import type { EventSubmission } from '../src/domain/chain/event.types.js';

/** Microseconds per call of each CPU step an append performs, measured in isolation on real submissions. */
export type MicroCosts = Record<string, number>;

/**
 * Times the pure steps of one append one by one over `subs` (each step repeated over all of them): the agent
 * message (JCS of the signed body), its Ed25519 verify, placing (JCS + SHA-256 of the content-hash object),
 * witness selection, the witness message and signature, and the JSON text of the payload sent to the database.
 */
export async function measureMicroCosts(subs: EventSubmission[], keyring: Keyring, custody: KeyCustody, authorityTime: string): Promise<MicroCosts> {
  const n = subs.length;
  const pool = keyring.witnessPoolAt(authorityTime, subs[0]?.agentId ?? '');
  const witnessKey = keyring.requireWitnessKey(pool[0] as string, authorityTime);
  const costs: MicroCosts = {};
  const time = async (name: string, step: (s: EventSubmission, i: number) => unknown) => {
    for (let i = 0; i < Math.min(n, 500); i++) await step(subs[i] as EventSubmission, i); // warm the JIT
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await step(subs[i] as EventSubmission, i);
    costs[name] = ((performance.now() - t0) * 1000) / n;
  };
  const messages = subs.map((s) => eventSignatureMessage(s));
  const placed = subs.map((s, i) => placeEvent({ sequence: i, contentHash: '0'.repeat(64) }, s, authorityTime));
  await time('agent message: JCS(signed body) + utf8 + concat', (s) => eventSignatureMessage(s));
  await time('agent signature: base64 decode + sodium verify', (s, i) =>
    verifyEd25519Sodium(decodeSignature(s.signature, 'signature'), messages[i] as Uint8Array, (keyring.get(s.signingKeyId) as { publicKey: Uint8Array }).publicKey),
  );
  await time('placeEvent: JCS(content object) + SHA-256 + hex', (s, i) => placeEvent({ sequence: i, contentHash: '0'.repeat(64) }, s, authorityTime));
  await time('witness pool (Keyring.witnessPoolAt) + selectWitness: SHA-256 + BigInt', (s, i) =>
    selectWitness(keyring.witnessPoolAt(authorityTime, s.agentId), (placed[i] as { prevHash: string }).prevHash, i + 1),
  );
  await time('witness message (hex decode) + custody.sign + base64', async (_, i) =>
    toBase64(await custody.sign(witnessKey.keyId, witnessSignatureMessage((placed[i] as { contentHash: string }).contentHash))),
  );
  await time('JSON.stringify(payload) for the insert', (s) => JSON.stringify(s.payload));
  return costs;
}
