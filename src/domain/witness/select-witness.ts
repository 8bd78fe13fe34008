import { sha256 } from '../encoding/sha256.js';
import { concatBytes, fromHex, utf8 } from '../encoding/bytes.js';
import { InputError, WitnessError } from '../errors.js';

/** Domain-separation prefix of the witness selection digest (docs/PROTOCOL.md §6). */
export const WITNESS_SELECTION_DOMAIN = 'archon72/witness-selection/v1';

/**
 * The witness that must attest the event at `sequence`, chosen from public data only so any observer can
 * recompute it (docs/PROTOCOL.md §6):
 *   digest = SHA-256("archon72/witness-selection/v1" || 0x00 || prev_hash (32 raw bytes) || sequence (uint64 big-endian))
 *   index  = (first 8 bytes of digest as uint64 big-endian) mod len(pool)
 * `pool` is the ids of witnesses active at the event's authority time, sorted (Keyring.witnessPoolAt).
 * Throws WitnessError WITNESS_POOL_EMPTY when the pool is empty, InputError INPUT_FIELD_INVALID for a bad prev_hash.
 */
export function selectWitness(pool: readonly string[], prevHash: string, sequence: number): string {
  if (pool.length === 0) {
    throw new WitnessError({ code: 'WITNESS_POOL_EMPTY', message: 'no witness key is active; provision the witness pool' });
  }
  const prev = fromHex(prevHash);
  if (prev === undefined || prev.length !== 32) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: 'prev_hash must be 64 lowercase hex digits' });
  }
  const seq = new Uint8Array(8);
  new DataView(seq.buffer).setBigUint64(0, BigInt(sequence));
  const digest = sha256(concatBytes(utf8(WITNESS_SELECTION_DOMAIN), new Uint8Array([0]), prev, seq));
  const index = new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0) % BigInt(pool.length);
  return pool[Number(index)] as string;
}
