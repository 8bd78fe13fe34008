import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, toBase64, toHex, utf8 } from '../../../src/domain/encoding/bytes.js';
import { EncodedLeafHasher, eventLeafHash, type LeafSource } from '../../../src/domain/merkle/event-leaf.js';

/** Where a leaf's three encoded parts sit in a buffer (the arguments of EncodedLeafHasher.hash after `bytes`). */
interface Layout {
  bytes: Uint8Array;
  contentHashAt: number;
  signatureAt: number;
  signatureEnd: number;
  witnessIdAt: number;
  witnessIdEnd: number;
}

/**
 * The hex, base64 and UTF-8 spellings of a leaf's parts, in the order `order` gives (a permutation of 0, 1, 2),
 * with `gaps[i]` before part i and `gaps[3]` at the end.
 */
function layOut(parts: { hex: string; base64: string; witnessId: string }, order: readonly number[], gaps: readonly Uint8Array[]): Layout {
  const encoded = [utf8(parts.hex), utf8(parts.base64), utf8(parts.witnessId)];
  const at: number[] = [];
  const pieces: Uint8Array[] = [];
  let offset = 0;
  order.forEach((part, i) => {
    const gap = gaps[i] ?? new Uint8Array(0);
    pieces.push(gap, encoded[part] as Uint8Array);
    at[part] = offset + gap.length;
    offset = at[part] + (encoded[part] as Uint8Array).length;
  });
  pieces.push(gaps[3] ?? new Uint8Array(0));
  const [contentHashAt, signatureAt, witnessIdAt] = at as [number, number, number];
  return { bytes: concatBytes(...pieces), contentHashAt, signatureAt, signatureEnd: signatureAt + encoded[1]!.length, witnessIdAt, witnessIdEnd: witnessIdAt + encoded[2]!.length };
}

function hashLayout(hasher: EncodedLeafHasher, l: Layout): Uint8Array | undefined {
  return hasher.hash(l.bytes, l.contentHashAt, l.signatureAt, l.signatureEnd, l.witnessIdAt, l.witnessIdEnd);
}

// Gap bytes are hex digits, base64 letters, '=' and '"', so reading past a part's end would change the hash.
const gap = fc.array(fc.constantFrom(...utf8('0aA=+"\\')), { maxLength: 5 }).map((a) => Uint8Array.from(a));
const witnessId = fc.string({ unit: fc.oneof(fc.constantFrom('W', ':', '-', 'é', '€', '😀'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 120 }).map((s) => s.replaceAll('\\', '/'));
const leaf = fc.record({ contentHash: fc.uint8Array({ minLength: 32, maxLength: 32 }), signature: fc.uint8Array({ minLength: 64, maxLength: 64 }), witnessId });
const placement = fc.record({ order: fc.constantFrom([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]), gaps: fc.array(gap, { minLength: 4, maxLength: 4 }) });

const sourceOf = (l: { contentHash: Uint8Array; signature: Uint8Array; witnessId: string }): LeafSource => ({
  contentHash: toHex(l.contentHash),
  witnessSignature: toBase64(l.signature),
  witnessId: l.witnessId,
});
const layOutSource = (s: LeafSource, p: { order: readonly number[]; gaps: readonly Uint8Array[] }) => layOut({ hex: s.contentHash, base64: s.witnessSignature, witnessId: s.witnessId }, p.order, p.gaps);

describe('EncodedLeafHasher', () => {
  describe('for any leaf parts laid out anywhere in a buffer', () => {
    it('gives eventLeafHash of the same parts, one hasher reused across every call, and earlier results stay intact', () => {
      const hasher = new EncodedLeafHasher();
      fc.assert(
        fc.property(fc.array(fc.tuple(leaf, placement), { minLength: 1, maxLength: 4 }), (leaves) => {
          const results = leaves.map(([l, p]) => {
            const source = sourceOf(l);
            const got = hashLayout(hasher, layOutSource(source, p));
            expect(got).toEqual(eventLeafHash(source));
            return { got: got?.slice(), source };
          });
          for (const { got, source } of results) expect(got).toEqual(eventLeafHash(source));
        }),
        { numRuns: 300 },
      );
    });

    it('gives the right hash when witness ids grow past 64 bytes and shrink again', () => {
      const hasher = new EncodedLeafHasher();
      const base = { contentHash: new Uint8Array(32).fill(0xab), signature: new Uint8Array(64).fill(7) };
      for (const id of ['WITNESS:a', 'W'.repeat(64), 'é'.repeat(33), '😀'.repeat(100), 'W'.repeat(1000), '', 'WITNESS:b']) {
        const source = sourceOf({ ...base, witnessId: id });
        expect(hashLayout(hasher, layOutSource(source, { order: [0, 1, 2], gaps: [] })), `witness id of ${utf8(id).length} bytes`).toEqual(eventLeafHash(source));
      }
    });
  });

  describe('when a part is not in the form eventLeafInput accepts', () => {
    const valid = sourceOf({ contentHash: new Uint8Array(32).fill(0xab), signature: new Uint8Array(64).fill(0x5c), witnessId: 'WITNESS:t-01' });
    const signature = toBase64(new Uint8Array(64).fill(0x5c));

    it.each([
      ['uppercase hex', { contentHash: valid.contentHash.toUpperCase() }],
      ['a non-hex digit in the content hash', { contentHash: `${valid.contentHash.slice(0, 63)}g` }],
      ['a signature of 63 bytes', { witnessSignature: toBase64(new Uint8Array(63).fill(1)) }],
      ['a signature of 65 bytes', { witnessSignature: toBase64(new Uint8Array(65).fill(1)) }],
      ['non-zero unused bits before "=="', { witnessSignature: `${signature.slice(0, 85)}B==` }],
      ['88 characters ending in one "="', { witnessSignature: `${signature.slice(0, 86)}A=` }],
      ['88 characters without padding', { witnessSignature: `${signature.slice(0, 86)}AA` }],
      ['the URL-safe alphabet', { witnessSignature: signature.replace(/.{2}(?===$)/, '-_') }],
    ])('returns undefined for %s, as eventLeafHash throws', (_name, change: Partial<LeafSource>) => {
      const source = { ...valid, ...change };
      expect(() => eventLeafHash(source)).toThrow();
      expect(hashLayout(new EncodedLeafHasher(), layOutSource(source, { order: [0, 1, 2], gaps: [utf8('"')] }))).toBeUndefined();
    });

    it('still hashes the next valid leaf correctly after refusing one', () => {
      const hasher = new EncodedLeafHasher();
      const bad = { ...valid, witnessSignature: `${signature.slice(0, 85)}B==` };
      expect(hashLayout(hasher, layOutSource(bad, { order: [0, 1, 2], gaps: [] }))).toBeUndefined();
      const other = sourceOf({ contentHash: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2), witnessId: 'WITNESS:t-02' });
      expect(hashLayout(hasher, layOutSource(other, { order: [2, 1, 0], gaps: [] }))).toEqual(eventLeafHash(other));
    });
  });
});
