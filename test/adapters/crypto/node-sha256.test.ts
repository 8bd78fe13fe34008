import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeSha256, useNodeSha256 } from '../../../src/adapters/crypto/node-sha256.js';
import { installSha256, portableSha256, sha256Hex } from '../../../src/domain/encoding/sha256.js';
import { toHex } from '../../../src/domain/encoding/bytes.js';

const installed = installSha256(portableSha256);
installSha256(installed);

afterEach(() => {
  installSha256(installed);
});

describe('nodeSha256', () => {
  describe('when given any bytes', () => {
    it('computes what the portable implementation computes, as bytes and as hex', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (data) => {
          const digest = nodeSha256.bytes(data);
          expect(digest).toBeInstanceOf(Uint8Array);
          expect(toHex(digest)).toBe(toHex(portableSha256.bytes(data)));
          expect(nodeSha256.hex(data)).toBe(portableSha256.hex(data));
        }),
      );
    });
  });

  describe('when given text, astral characters included', () => {
    it('hashes its UTF-8 bytes as the portable implementation does', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 512 }), (text) => {
          expect(nodeSha256.hex(text)).toBe(portableSha256.hex(text));
          expect(toHex(nodeSha256.bytes(text))).toBe(portableSha256.hex(text));
        }),
      );
    });
  });
});

describe('useNodeSha256', () => {
  it('installs the native implementation as the domain sha256', () => {
    installSha256(portableSha256);
    useNodeSha256();
    expect(installSha256(portableSha256)).toBe(nodeSha256);
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
