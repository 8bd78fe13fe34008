import { MerkleError } from '../errors.js';
import { EMPTY_ROOT, hashesEqual, HASH_SIZE, nodeHash } from './tree-hash.js';
import { isPowerOfTwo, isTreeCount, splitPoint, type LeafRange } from './subtree-range.js';

/**
 * RFC 6962 §2.1.2 PROOF(fromSize, D[0:toSize]) as leaf ranges, in proof order: the consistency proof is the Merkle
 * tree hash of each range. Empty when fromSize is 0 or equals toSize. At most one range (on the right edge) is not
 * a perfect subtree. Throws MerkleError MERKLE_RANGE_INVALID unless 0 ≤ fromSize ≤ toSize.
 */
export function consistencyProofRanges(fromSize: number, toSize: number): LeafRange[] {
  if (!isTreeCount(fromSize) || !isTreeCount(toSize) || fromSize > toSize) {
    throw new MerkleError({ code: 'MERKLE_RANGE_INVALID', message: `no consistency proof from tree size ${fromSize} to ${toSize}`, details: { fromSize, toSize } });
  }
  if (fromSize === 0) return [];
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = toSize;
  let m = fromSize;
  // SUBPROOF(m, D[start:end], complete): `complete` stays true while the old tree is a prefix of the left half.
  let complete = true;
  for (;;) {
    if (m === end - start) {
      // The old tree's own subtree: the verifier knows it already when it is the whole old tree.
      if (!complete) ranges.push({ start, end });
      break;
    }
    const mid = start + splitPoint(end - start);
    if (m <= mid - start) {
      ranges.push({ start: mid, end });
      end = mid;
    } else {
      ranges.push({ start, end: mid });
      m -= mid - start;
      start = mid;
      complete = false;
    }
  }
  return ranges.reverse();
}

function fail(reason: string, details: Record<string, unknown>): MerkleError {
  return new MerkleError({ code: 'MERKLE_PROOF_INVALID', message: `consistency proof does not verify: ${reason}`, details });
}

/**
 * RFC 9162 §2.1.4.2: checks that the tree of size `toSize` with root `toRoot` extends the tree of size `fromSize`
 * with root `fromRoot`. Edge cases the RFC leaves out: equal sizes need an empty proof and equal roots; size 0
 * needs an empty proof and the empty tree's root. Returns nothing; throws MerkleError MERKLE_PROOF_INVALID
 * otherwise, including for fromSize > toSize and malformed sizes or hashes (all attacker-controlled).
 */
export function verifyConsistency(fromSize: number, toSize: number, proof: readonly Uint8Array[], fromRoot: Uint8Array, toRoot: Uint8Array): void {
  const details = { fromSize, toSize };
  if (!isTreeCount(fromSize) || !isTreeCount(toSize) || fromSize > toSize) throw fail(`tree size ${fromSize} cannot precede ${toSize}`, details);
  if ([fromRoot, toRoot, ...proof].some((h) => h.length !== HASH_SIZE)) throw fail('every hash must be 32 bytes', details);
  if (fromSize === 0 || fromSize === toSize) {
    if (proof.length > 0) throw fail('the proof must be empty', details);
    const expected = fromSize === 0 ? EMPTY_ROOT : toRoot;
    if (!hashesEqual(fromRoot, expected)) throw fail(fromSize === 0 ? 'the old root is not the empty tree root' : 'the roots differ', details);
    return;
  }
  const computed = rootsFromConsistencyProof(fromSize, toSize, proof, fromRoot, details);
  if (!hashesEqual(computed.fromRoot, fromRoot)) throw fail('the computed old root differs', details);
  if (!hashesEqual(computed.toRoot, toRoot)) throw fail('the computed new root differs', details);
}

/** RFC 9162 §2.1.4.2 steps 1–7 for 0 < fromSize < toSize: the two roots the proof leads to. */
function rootsFromConsistencyProof(
  fromSize: number,
  toSize: number,
  proof: readonly Uint8Array[],
  fromRoot: Uint8Array,
  details: Record<string, unknown>,
): { fromRoot: Uint8Array; toRoot: Uint8Array } {
  if (proof.length === 0) throw fail('the proof is empty', details);
  // Step 2: when the old tree is a perfect subtree, the proof omits its root; the verifier supplies it.
  const path = isPowerOfTwo(fromSize) ? [fromRoot, ...proof] : [...proof];
  let fn = fromSize - 1;
  let sn = toSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) throw fail('the proof is too long', details);
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw fail('the proof is too short', details);
  return { fromRoot: fr, toRoot: sr };
}
