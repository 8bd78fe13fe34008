import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/domain/encoding/bytes.js';
import { EMPTY_ROOT, hashesEqual, leafHash, nodeHash } from '../../../src/domain/merkle/tree-hash.js';
import { sha256 } from './merkle-tree-model.js';

describe('tree hashing (RFC 6962 §2.1)', () => {
  it('the empty tree root is SHA-256 of the empty string', () => {
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('prefixes leaves with 0x00 and nodes with 0x01, so a leaf never hashes like a node', () => {
    const [a, b] = [sha256(Buffer.from('a')), sha256(Buffer.from('b'))];
    expect(leafHash(Buffer.from('x'))).toEqual(sha256(Buffer.of(0), Buffer.from('x')));
    expect(nodeHash(a, b)).toEqual(sha256(Buffer.of(1), a, b));
    expect(leafHash(new Uint8Array([...a, ...b]))).not.toEqual(nodeHash(a, b));
  });

  describe('hashesEqual', () => {
    it('compares bytes and lengths', () => {
      expect(hashesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
      expect(hashesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
      expect(hashesEqual(Uint8Array.of(1, 2), Uint8Array.of(1))).toBe(false);
    });
  });
});
