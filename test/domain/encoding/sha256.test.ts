import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { installSha256, portableSha256, sha256, sha256Hex, type Sha256Implementation } from '../../../src/domain/encoding/sha256.js';
import { toHex, utf8 } from '../../../src/domain/encoding/bytes.js';

/** FIPS 180-2 / NIST CSRC example vectors. */
const NIST = [
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
] as const;

/** Whatever the test setup installed (Node's native one): put back after each test. */
const installed = installSha256(portableSha256);
installSha256(installed);

afterEach(() => {
  installSha256(installed);
});

describe('portableSha256', () => {
  describe.each(NIST)('for the NIST message %j', (message, digest) => {
    it('gives the published digest, from text and from its bytes alike', () => {
      expect(portableSha256.hex(message)).toBe(digest);
      expect(toHex(portableSha256.bytes(utf8(message)))).toBe(digest);
    });
  });

  describe('when given text', () => {
    it('hashes its UTF-8 bytes', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (text) => {
          expect(portableSha256.hex(text)).toBe(toHex(portableSha256.bytes(utf8(text))));
        }),
      );
    });
  });
});

describe('installSha256', () => {
  const counting = (): Sha256Implementation & { calls: number } => {
    const impl = {
      calls: 0,
      bytes: (data: Uint8Array | string) => {
        impl.calls += 1;
        return portableSha256.bytes(data);
      },
      hex: (data: Uint8Array | string) => {
        impl.calls += 1;
        return portableSha256.hex(data);
      },
    };
    return impl;
  };

  describe('when given a correct implementation', () => {
    it('routes sha256 and sha256Hex through it and returns the one it replaced', () => {
      const impl = counting();
      expect(installSha256(impl)).toBe(installed);
      const before = impl.calls;
      expect(sha256Hex('abc')).toBe(NIST[1][1]);
      expect(toHex(sha256('abc'))).toBe(NIST[1][1]);
      expect(impl.calls).toBe(before + 2);
    });
  });

  describe.each([
    ['a wrong hex digest', { bytes: portableSha256.bytes, hex: () => '00'.repeat(32) }],
    ['wrong digest bytes', { bytes: () => new Uint8Array(32), hex: portableSha256.hex }],
    ['a digest of another length', { bytes: (d: Uint8Array | string) => portableSha256.bytes(d).subarray(0, 31), hex: portableSha256.hex }],
  ])('when given an implementation with %s', (_name, impl) => {
    it('refuses it and keeps the current one', () => {
      expect(() => installSha256(impl)).toThrow(/does not compute SHA-256/);
      expect(sha256Hex('abc')).toBe(NIST[1][1]);
      expect(installSha256(portableSha256)).toBe(installed);
    });
  });
});
