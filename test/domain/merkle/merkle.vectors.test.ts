import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/domain/encoding/bytes.js';
import { MerkleError } from '../../../src/domain/errors.js';
import { rootFromLeafHashes } from '../../../src/domain/merkle/compact-range.js';
import { consistencyProofRanges, verifyConsistency } from '../../../src/domain/merkle/consistency-proof.js';
import { eventLeafHash, eventLeafInput } from '../../../src/domain/merkle/event-leaf.js';
import { inclusionProofRanges, verifyInclusion } from '../../../src/domain/merkle/inclusion-proof.js';
import { leafHash } from '../../../src/domain/merkle/tree-hash.js';
import { expectCode } from '../../support/expect-code.js';
import { hexBytes, loadVectors } from '../load-vectors.js';
import type { LeafRange } from '../../../src/domain/merkle/subtree-range.js';

type Input = Record<string, unknown> & { kind: string };
type Expected = Record<string, unknown>;

const vectors = loadVectors<Input, Expected>('merkle.json');
const ofKind = (kind: string) => vectors.filter((v) => v.input.kind === kind);
const hexList = (list: unknown) => (list as string[]).map(hexBytes);

// The eight CT test leaves, whose hashes the "leaf" vectors give.
const leafHashes = ofKind('leaf').map((v) => hexBytes(v.expected?.leafHashHex as string));
/** The Merkle tree hash of leaves [start, end) of the test tree, as the domain computes it. */
const rangeHash = (r: LeafRange) => rootFromLeafHashes(leafHashes.slice(r.start, r.end));

describe('test/vectors/merkle.json', () => {
  it('holds every kind of vector', () => {
    expect(new Set(vectors.map((v) => v.input.kind))).toEqual(new Set(['leaf', 'root', 'inclusion', 'consistency', 'inclusion-check', 'consistency-check', 'event-leaf', 'event-root']));
    expect(leafHashes).toHaveLength(8);
  });

  describe.each(ofKind('leaf'))('$description', (v) => {
    it('leafHash gives the RFC 6962 leaf hash', () => {
      expect(toHex(leafHash(hexBytes(v.input.leafHex as string)))).toBe(v.expected?.leafHashHex);
    });
  });

  describe.each(ofKind('root'))('$description', (v) => {
    it('rootFromLeafHashes gives the published root', () => {
      expect(toHex(rootFromLeafHashes(leafHashes.slice(0, v.input.treeSize as number)))).toBe(v.expected?.rootHex);
    });
  });

  describe.each(ofKind('inclusion'))('$description', (v) => {
    const { index, treeSize } = v.input as unknown as { index: number; treeSize: number };
    it('inclusionProofRanges hashes to the expected audit path, which verifies', () => {
      const proof = inclusionProofRanges(index, treeSize).map(rangeHash);
      expect(proof.map(toHex)).toEqual(v.expected?.proofHex);
      verifyInclusion(index, treeSize, hexBytes(v.expected?.leafHashHex as string), proof, hexBytes(v.expected?.rootHex as string));
    });
  });

  describe.each(ofKind('consistency'))('$description', (v) => {
    const { fromSize, toSize } = v.input as unknown as { fromSize: number; toSize: number };
    it('consistencyProofRanges hashes to the expected proof, which verifies', () => {
      const proof = consistencyProofRanges(fromSize, toSize).map(rangeHash);
      expect(proof.map(toHex)).toEqual(v.expected?.proofHex);
      verifyConsistency(fromSize, toSize, proof, hexBytes(v.expected?.fromRootHex as string), hexBytes(v.expected?.toRootHex as string));
    });
  });

  describe.each(ofKind('inclusion-check'))('$description', (v) => {
    const i = v.input as unknown as { index: number; treeSize: number; leafHashHex: string; rootHex: string; proofHex: string[] };
    const check = () => verifyInclusion(i.index, i.treeSize, hexBytes(i.leafHashHex), hexList(i.proofHex), hexBytes(i.rootHex));
    it(v.expected?.verifies ? 'verifies (the root does not commit to its size)' : 'verifyInclusion throws MERKLE_PROOF_INVALID', () => {
      if (v.expected?.verifies) check();
      else expectCode(check, MerkleError, 'MERKLE_PROOF_INVALID');
    });
  });

  describe.each(ofKind('consistency-check'))('$description', (v) => {
    const i = v.input as unknown as { fromSize: number; toSize: number; fromRootHex: string; toRootHex: string; proofHex: string[] };
    const check = () => verifyConsistency(i.fromSize, i.toSize, hexList(i.proofHex), hexBytes(i.fromRootHex), hexBytes(i.toRootHex));
    it(v.expected?.verifies ? 'verifies (the roots do not commit to their sizes)' : 'verifyConsistency throws MERKLE_PROOF_INVALID', () => {
      if (v.expected?.verifies) check();
      else expectCode(check, MerkleError, 'MERKLE_PROOF_INVALID');
    });
  });

  it('refuses nearly every changed proof', () => {
    const checks = [...ofKind('inclusion-check'), ...ofKind('consistency-check')];
    const accepted = checks.filter((v) => v.expected?.verifies === true);
    expect(accepted.length).toBeLessThan(checks.length / 10);
    // Only size changes can ever verify: a changed hash, index or root never does.
    for (const v of accepted) expect(v.description).toMatch(/size/);
  });

  const eventLeaves = ofKind('event-leaf');
  describe.each(eventLeaves)('$description', (v) => {
    it('eventLeafInput and eventLeafHash give its leaf', () => {
      const event = { contentHash: v.input.content_hash as string, witnessSignature: v.input.witness_signature as string, witnessId: v.input.witness_id as string };
      expect(toHex(eventLeafInput(event))).toBe(v.expected?.leafInputHex);
      expect(toHex(eventLeafHash(event))).toBe(v.expected?.leafHashHex);
    });
  });

  describe.each(ofKind('event-root'))('$description', (v) => {
    it('is the root of those event leaves', () => {
      const hashes = eventLeaves.slice(0, v.input.treeSize as number).map((e) => hexBytes(e.expected?.leafHashHex as string));
      expect(toHex(rootFromLeafHashes(hashes))).toBe(v.expected?.rootHex);
    });
  });
});
