import { createHash } from 'node:crypto';
import type { LeafRange } from '../../../src/domain/merkle/subtree-range.js';

/**
 * A test-only model of an RFC 6962 tree, by the §2.1 recursive definition with node:crypto (independent of
 * src/domain/merkle), over distinct leaf hashes derived from a seed.
 */
export class TreeModel {
  readonly leaves: Uint8Array[];
  private readonly memo = new Map<string, Uint8Array>();

  constructor(size: number, seed = 0) {
    this.leaves = Array.from({ length: size }, (_, i) => sha256(Buffer.of(0x00), Buffer.from(`leaf ${seed}/${i}`)));
  }

  /** MTH(D[start:end]). */
  hash(range: LeafRange): Uint8Array {
    const { start, end } = range;
    if (end - start === 0) return sha256();
    if (end - start === 1) return this.leaves[start] as Uint8Array;
    const key = `${start}:${end}`;
    let h = this.memo.get(key);
    if (h === undefined) {
      let k = 1;
      while (k * 2 < end - start) k *= 2;
      h = sha256(Buffer.of(0x01), this.hash({ start, end: start + k }), this.hash({ start: start + k, end }));
      this.memo.set(key, h);
    }
    return h;
  }

  root(size: number): Uint8Array {
    return this.hash({ start: 0, end: size });
  }
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
}

/** A copy of `bytes` with bit `bit` flipped (0 = least significant bit of byte 0). */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}
