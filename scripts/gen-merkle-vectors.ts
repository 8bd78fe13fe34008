/**
 * Generates test/vectors/merkle.json: RFC 6962 / RFC 9162 Merkle tree hashes, inclusion and consistency proofs, and
 * archon72 event leaves (docs/PROTOCOL.md §15). scripts/gen-vectors.ts calls merkleVectorFiles(); see
 * test/vectors/README.md.
 *
 * Like gen-vectors.ts, this imports nothing from src/domain. It is a second, deliberately literal implementation:
 * the RFC 6962 §2.1 recursive definitions of MTH, PATH and PROOF (src/domain/merkle computes them iteratively, from
 * a compact range and from leaf ranges). The Certificate Transparency reference vectors (the eight test leaves, the
 * roots of trees of 0–8 of them, and the published inclusion and consistency proofs) are transcribed with their
 * expected values, and the generator refuses to write anything when its own hashing disagrees with them.
 */
import { createHash } from 'node:crypto';
import type { Vector } from './gen-vectors.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const sha256 = (...parts: Uint8Array[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`gen-merkle-vectors: ${what}`);
}

// ---------------------------------------------------------------------------------------------------------------
// RFC 6962 §2.1, recursively, exactly as written.

const leafHash = (input: Uint8Array): Buffer => sha256(Buffer.of(0x00), input);
const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(Buffer.of(0x01), left, right);

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes. */
function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256(Buffer.alloc(0));
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** PATH(m, D[n]) (§2.1.1). */
function path(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** SUBPROOF(m, D[n], b) (§2.1.2). */
function subproof(m: number, leaves: readonly Buffer[], b: boolean): Buffer[] {
  if (m === leaves.length) return b ? [] : [mth(leaves)];
  const k = split(leaves.length);
  return m <= k ? [...subproof(m, leaves.slice(0, k), b), mth(leaves.slice(k))] : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

/** PROOF(m, D[n]); empty for m = 0 (nothing to prove). */
const proof = (m: number, leaves: readonly Buffer[]): Buffer[] => (m === 0 ? [] : subproof(m, leaves, true));

// RFC 9162 §2.1.3.2 and §2.1.4.2, step by step, with BigInt bit operations: the answer every verifier must give.

const equal = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
const lsb = (x: bigint): boolean => (x & 1n) === 1n;

function verifiesInclusion(index: number, size: number, leaf: Buffer, p: readonly Buffer[], root: Buffer): boolean {
  if (index < 0 || index >= size || [leaf, root, ...p].some((h) => h.length !== 32)) return false;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const h of p) {
    if (sn === 0n) return false;
    if (lsb(fn) || fn === sn) {
      r = nodeHash(h, r);
      while (!lsb(fn) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, h);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

function verifiesConsistency(m: number, n: number, p: readonly Buffer[], r1: Buffer, r2: Buffer): boolean {
  if (m < 0 || m > n || [r1, r2, ...p].some((h) => h.length !== 32)) return false;
  // Outside the RFC's 0 < first < second: equal sizes need equal roots, size 0 the empty root; no proof either way.
  if (m === 0 || m === n) return p.length === 0 && equal(r1, m === 0 ? sha256(Buffer.alloc(0)) : r2);
  if (p.length === 0) return false;
  const path = (BigInt(m) & BigInt(m - 1)) === 0n ? [r1, ...p] : [...p];
  let fn = BigInt(m - 1);
  let sn = BigInt(n - 1);
  while (lsb(fn)) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0] as Buffer;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!lsb(fn) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, r1) && equal(sr, r2);
}

// ---------------------------------------------------------------------------------------------------------------
// Transcribed: the Certificate Transparency test tree (google/certificate-transparency merkle_tree_test.cc, carried
// over to transparency-dev/merkle proof/verify_test.go: `leaves`, `roots`, `inclusionProofs`, `consistencyProofs`).

const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];

/** Roots of the trees of the first 0, 1, …, 8 leaves (size 0: SHA-256 of the empty string). */
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Published inclusion proofs: 0-based leaf index (the source counts leaves from 1), tree size, audit path. */
const CT_INCLUSION: Array<[number, number, string[]]> = [
  [0, 1, []],
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];

/** Published consistency proofs: old size, new size, proof. */
const CT_CONSISTENCY: Array<[number, number, string[]]> = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];

const PUBLISHED = 'transcribed from transparency-dev/merkle proof/verify_test.go';

/** Flips bit `bit` (0 = least significant of byte 0) of a copy. */
function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const out = Buffer.from(bytes);
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// archon72 event leaves (docs/PROTOCOL.md §15.1).

const LEAF_DOMAIN = 'archon72/merkle-leaf/v1';

/** The members of a stored event that its leaf commits to (protocol JSON names). */
export interface LeafEventJson {
  sequence: number;
  content_hash: string;
  witness_signature: string;
  witness_id: string;
}

const eventLeafInput = (e: LeafEventJson): Buffer =>
  Buffer.concat([Buffer.from(LEAF_DOMAIN, 'utf8'), Buffer.of(0x00), Buffer.from(e.content_hash, 'hex'), Buffer.from(e.witness_signature, 'base64'), Buffer.from(e.witness_id, 'utf8')]);

// ---------------------------------------------------------------------------------------------------------------

function ctVectors(leaves: Buffer[]): Vector[] {
  const vectors: Vector[] = [];
  CT_LEAVES.forEach((leaf, i) => {
    vectors.push({ description: `CT test leaf ${i} (${leaf === '' ? 'empty' : leaf})`, input: { kind: 'leaf', leafHex: leaf }, expected: { leafHashHex: hex(leaves[i] as Buffer) } });
  });
  for (let size = 0; size <= leaves.length; size++) {
    const root = hex(mth(leaves.slice(0, size)));
    check(root === CT_ROOTS[size], `root of ${size} CT leaves`);
    vectors.push({ description: `root of the first ${size} CT test leaves (published)`, input: { kind: 'root', treeSize: size }, expected: { rootHex: root } });
  }
  for (let size = 1; size <= leaves.length; size++) {
    const root = mth(leaves.slice(0, size));
    for (let index = 0; index < size; index++) check(verifiesInclusion(index, size, leaves[index] as Buffer, path(index, leaves.slice(0, size)), root), `own inclusion ${index} in ${size}`);
    for (let m = 0; m <= size; m++) check(verifiesConsistency(m, size, proof(m, leaves.slice(0, size)), mth(leaves.slice(0, m)), root), `own consistency ${m} to ${size}`);
  }
  for (const [index, size, published] of CT_INCLUSION) check(path(index, leaves.slice(0, size)).map(hex).join() === published.join(), `inclusion ${index} in ${size}`);
  for (const [m, n, published] of CT_CONSISTENCY) check(proof(m, leaves.slice(0, n)).map(hex).join() === published.join(), `consistency ${m} to ${n}`);
  const isPublished = (list: Array<[number, number, string[]]>, a: number, b: number) => list.some(([x, y]) => x === a && y === b);
  for (let size = 1; size <= leaves.length; size++) {
    for (let index = 0; index < size; index++) {
      vectors.push({
        description: `inclusion of leaf ${index} in the tree of ${size}${isPublished(CT_INCLUSION, index, size) ? ` (${PUBLISHED})` : ''}`,
        input: { kind: 'inclusion', index, treeSize: size },
        expected: { leafHashHex: hex(leaves[index] as Buffer), rootHex: CT_ROOTS[size], proofHex: path(index, leaves.slice(0, size)).map(hex) },
      });
    }
  }
  for (let to = 1; to <= leaves.length; to++) {
    for (let from = 1; from <= to; from++) {
      vectors.push({
        description: `consistency of the tree of ${from} with the tree of ${to}${isPublished(CT_CONSISTENCY, from, to) ? ` (${PUBLISHED})` : ''}`,
        input: { kind: 'consistency', fromSize: from, toSize: to },
        expected: { fromRootHex: CT_ROOTS[from], toRootHex: CT_ROOTS[to], proofHex: proof(from, leaves.slice(0, to)).map(hex) },
      });
    }
  }
  return vectors;
}

/**
 * A proof that verifies, changed in one way, with the answer of the RFC 9162 verifier above. Nearly all are refused;
 * a few size changes verify, because a root does not commit to its tree size (the signed checkpoint binds them): a
 * proof for leaf 5 of 8 also proves leaf 5 "of 7" against the root of 8, since the verifier takes the same turns.
 */
function checkVectors(leaves: Buffer[]): Vector[] {
  const vectors: Vector[] = [];
  const inclusion = (description: string, index: number, treeSize: number, leaf: Buffer, root: Buffer, p: Buffer[]) =>
    vectors.push({
      description,
      input: { kind: 'inclusion-check', index, treeSize, leafHashHex: hex(leaf), rootHex: hex(root), proofHex: p.map(hex) },
      expected: { verifies: verifiesInclusion(index, treeSize, leaf, p, root) },
    });
  const consistency = (description: string, fromSize: number, toSize: number, fromRoot: Buffer, toRoot: Buffer, p: Buffer[]) =>
    vectors.push({
      description,
      input: { kind: 'consistency-check', fromSize, toSize, fromRootHex: hex(fromRoot), toRootHex: hex(toRoot), proofHex: p.map(hex) },
      expected: { verifies: verifiesConsistency(fromSize, toSize, p, fromRoot, toRoot) },
    });
  for (const [index, size] of [[5, 8], [1, 5], [2, 3]] as const) {
    const p = path(index, leaves.slice(0, size));
    const root = mth(leaves.slice(0, size));
    const leaf = leaves[index] as Buffer;
    const at = `inclusion ${index} in ${size}`;
    p.forEach((_, i) => inclusion(`${at}: bit 3 of proof[${i}] flipped`, index, size, leaf, root, p.map((h, j) => (j === i ? flipBit(h, 3) : h))));
    inclusion(`${at}: leaf index + 1`, index + 1, size, leaf, root, p);
    inclusion(`${at}: leaf index - 1`, index - 1, size, leaf, root, p);
    inclusion(`${at}: tree size + 1`, index, size + 1, leaf, root, p);
    inclusion(`${at}: tree size - 1`, index, size - 1, leaf, root, p);
    inclusion(`${at}: tree size doubled`, index, size * 2, leaf, root, p);
    inclusion(`${at}: tree size halved`, index, Math.floor(size / 2), leaf, root, p);
    inclusion(`${at}: last hash removed`, index, size, leaf, root, p.slice(0, -1));
    inclusion(`${at}: the root appended`, index, size, leaf, root, [...p, root]);
    inclusion(`${at}: the leaf prepended`, index, size, leaf, root, [leaf, ...p]);
    inclusion(`${at}: bit 0 of the leaf hash flipped`, index, size, flipBit(leaf, 0), root, p);
    inclusion(`${at}: bit 255 of the root flipped`, index, size, leaf, flipBit(root, 255), p);
    inclusion(`${at}: the empty tree root`, index, size, leaf, sha256(Buffer.alloc(0)), p);
  }
  for (const [m, n] of [[6, 8], [2, 5], [6, 7], [1, 8]] as const) {
    const p = proof(m, leaves.slice(0, n));
    const r1 = mth(leaves.slice(0, m));
    const r2 = mth(leaves.slice(0, n));
    const at = `consistency ${m} to ${n}`;
    p.forEach((_, i) => consistency(`${at}: bit 4 of proof[${i}] flipped`, m, n, r1, r2, p.map((h, j) => (j === i ? flipBit(h, 4) : h))));
    consistency(`${at}: old size + 1`, m + 1, n, r1, r2, p);
    consistency(`${at}: old size - 1`, m - 1, n, r1, r2, p);
    consistency(`${at}: new size + 1`, m, n + 1, r1, r2, p);
    consistency(`${at}: new size doubled`, m, n * 2, r1, r2, p);
    consistency(`${at}: roots swapped`, m, n, r2, r1, p);
    consistency(`${at}: bit 0 of the old root flipped`, m, n, flipBit(r1, 0), r2, p);
    consistency(`${at}: bit 0 of the new root flipped`, m, n, r1, flipBit(r2, 0), p);
    consistency(`${at}: empty proof`, m, n, r1, r2, []);
    consistency(`${at}: last hash removed`, m, n, r1, r2, p.slice(0, -1));
    consistency(`${at}: old root appended`, m, n, r1, r2, [...p, r1]);
    consistency(`${at}: new root prepended`, m, n, r1, r2, [r2, ...p]);
  }
  consistency('equal sizes: roots differ', 3, 3, mth(leaves.slice(0, 3)), mth(leaves.slice(0, 4)), []);
  consistency('equal sizes: a non-empty proof', 3, 3, mth(leaves.slice(0, 3)), mth(leaves.slice(0, 3)), [leaves[0] as Buffer]);
  consistency('old size 0: not the empty tree root', 0, 4, mth(leaves.slice(0, 1)), mth(leaves.slice(0, 4)), []);
  consistency('old size larger than new size', 5, 4, mth(leaves.slice(0, 5)), mth(leaves.slice(0, 4)), []);
  return vectors;
}

function eventVectors(events: readonly LeafEventJson[]): Vector[] {
  const vectors: Vector[] = events.map((e) => ({
    description: `event ${e.sequence} of event-chain.json as a leaf`,
    input: { kind: 'event-leaf', content_hash: e.content_hash, witness_signature: e.witness_signature, witness_id: e.witness_id },
    expected: { leafInputHex: hex(eventLeafInput(e)), leafHashHex: hex(leafHash(eventLeafInput(e))) },
  }));
  const leaves = events.map((e) => leafHash(eventLeafInput(e)));
  for (let size = 1; size <= leaves.length; size++) {
    vectors.push({ description: `root of the tree of events 1–${size} of event-chain.json`, input: { kind: 'event-root', treeSize: size }, expected: { rootHex: hex(mth(leaves.slice(0, size))) } });
  }
  return vectors;
}

/** merkle.json, from the chain of event-chain.json. */
export function merkleVectorFiles(events: readonly LeafEventJson[]): Record<string, Vector[]> {
  const leaves = CT_LEAVES.map((h) => leafHash(Buffer.from(h, 'hex')));
  return { 'merkle.json': [...ctVectors(leaves), ...checkVectors(leaves), ...eventVectors(events)] };
}
