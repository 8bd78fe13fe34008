import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { utf8 } from '../../../src/domain/encoding/bytes.js';
import { InputError } from '../../../src/domain/errors.js';
import { checkpointBody, logKeyId, noteKeyId, parseCheckpointBody, signatureLine } from '../../../src/domain/note/checkpoint-note.js';
import { NOTE_SIGNATURE_TYPE, parseSignedNote } from '../../../src/domain/note/signed-note.js';
import { sameKeyId, verifyNoteSignature } from '../../../src/domain/note/verify-note.js';
import { expectCode } from '../../support/expect-code.js';
import { hashArb, keyNameArb } from './note-arbitraries.js';

const ORIGIN = 'archon72.invalid/dev';
const ROOT = new Uint8Array(32).fill(9);
const log = keyPairFromSeed(new Uint8Array(32).fill(0x4c));

describe('checkpointBody', () => {
  it('is origin, size and base64 root, each ending in a newline', () => {
    expect(checkpointBody({ origin: ORIGIN, treeSize: 12, rootHash: ROOT })).toBe(`${ORIGIN}\n12\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n`);
  });

  describe('when an argument cannot make a checkpoint', () => {
    it.each([
      ['an origin with a space', { origin: 'my log', treeSize: 1, rootHash: ROOT }],
      ['an empty origin', { origin: '', treeSize: 1, rootHash: ROOT }],
      ['a negative size', { origin: ORIGIN, treeSize: -1, rootHash: ROOT }],
      ['a fractional size', { origin: ORIGIN, treeSize: 1.5, rootHash: ROOT }],
      ['a size of 2^53', { origin: ORIGIN, treeSize: 2 ** 53, rootHash: ROOT }],
      ['a 31-byte root', { origin: ORIGIN, treeSize: 1, rootHash: ROOT.subarray(1) }],
    ])('throws INPUT_CHECKPOINT_MALFORMED for %s', (_, checkpoint) => {
      expectCode(() => checkpointBody(checkpoint), InputError, 'INPUT_CHECKPOINT_MALFORMED');
    });
  });

  it('round-trips through parseCheckpointBody (property)', () => {
    fc.assert(
      fc.property(keyNameArb, fc.maxSafeNat(), hashArb, (origin, treeSize, rootHash) => {
        expect(parseCheckpointBody(checkpointBody({ origin, treeSize, rootHash }))).toEqual({ origin, treeSize, rootHash, extensions: [] });
      }),
    );
  });
});

describe('signatureLine', () => {
  const keyId = logKeyId(ORIGIN, log.publicKey);

  it('is the log key ID (type 0x01) and the 64-byte signature', () => {
    expect(sameKeyId(keyId, noteKeyId(ORIGIN, NOTE_SIGNATURE_TYPE.ed25519, log.publicKey))).toBe(true);
    const body = checkpointBody({ origin: ORIGIN, treeSize: 3, rootHash: ROOT });
    const note = parseSignedNote(`${body}\n${signatureLine(ORIGIN, keyId, signEd25519(log.secretKey, utf8(body)))}`);
    expect(verifyNoteSignature(note, { keyName: ORIGIN, publicKey: log.publicKey }, verifyEd25519Sodium).keyName).toBe(ORIGIN);
  });

  it.each([63, 65, 0])('throws INPUT_NOTE_MALFORMED for a %i-byte signature', (length) => {
    expectCode(() => signatureLine(ORIGIN, keyId, new Uint8Array(length)), InputError, 'INPUT_NOTE_MALFORMED');
  });

  it('throws INPUT_NOTE_MALFORMED for a 5-byte key ID', () => {
    expectCode(() => signatureLine(ORIGIN, new Uint8Array(5), new Uint8Array(64)), InputError, 'INPUT_NOTE_MALFORMED');
  });

  it('any changed byte of a signed checkpoint fails verification (property)', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.maxSafeNat(), hashArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (treeSize, rootHash, at, delta) => {
        const body = checkpointBody({ origin: ORIGIN, treeSize, rootHash });
        const bytes = utf8(`${body}\n${signatureLine(ORIGIN, keyId, signEd25519(log.secretKey, utf8(body)))}`);
        const i = at % bytes.length;
        bytes[i] = ((bytes[i] as number) + delta) & 0xff;
        expect(() => {
          const note = parseSignedNote(decoder.decode(bytes));
          parseCheckpointBody(note.text);
          verifyNoteSignature(note, { keyName: ORIGIN, publicKey: log.publicKey }, verifyEd25519Sodium);
        }).toThrow();
      }),
    );
  });
});
