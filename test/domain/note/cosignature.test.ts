import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { utf8 } from '../../../src/domain/encoding/bytes.js';
import { InputError } from '../../../src/domain/errors.js';
import { checkpointBody } from '../../../src/domain/note/checkpoint-note.js';
import { cosignatureKeyId, cosignatureLine, cosignatureMessage, parseCosignature, verifyCosignature, verifyCosignatureQuorum } from '../../../src/domain/note/cosignature.js';
import { formatSignedNote, parseSignedNote } from '../../../src/domain/note/signed-note.js';
import { expectCode } from '../../support/expect-code.js';
import { hashArb, noteTextArb } from './note-arbitraries.js';

const witness = { name: 'witness.example/w1', ...keyPairFromSeed(new Uint8Array(32).fill(0xc1)) };
const BODY = checkpointBody({ origin: 'example.com/log', treeSize: 5, rootHash: new Uint8Array(32) });
const cosign = (text: string, timestamp: number) =>
  cosignatureLine(witness.name, cosignatureKeyId(witness.name, witness.publicKey), timestamp, signEd25519(witness.secretKey, cosignatureMessage(text, timestamp)));

describe('cosignatureMessage', () => {
  it('is "cosignature/v1\\ntime <t>\\n" and the note text', () => {
    expect(new TextDecoder().decode(cosignatureMessage(BODY, 1679315147))).toBe(`cosignature/v1\ntime 1679315147\n${BODY}`);
  });

  it.each([-1, 1.5, 2 ** 53])('throws INPUT_FIELD_INVALID for timestamp %d', (timestamp) => {
    expectCode(() => cosignatureMessage(BODY, timestamp), InputError, 'INPUT_FIELD_INVALID');
  });

  it('throws INPUT_FIELD_INVALID for a text without its final newline', () => {
    expectCode(() => cosignatureMessage(BODY.slice(0, -1), 1), InputError, 'INPUT_FIELD_INVALID');
  });
});

describe('cosignatureLine', () => {
  it.each([-1, 0.5])('throws INPUT_FIELD_INVALID for timestamp %d', (timestamp) => {
    expectCode(() => cosignatureLine(witness.name, new Uint8Array(4), timestamp, new Uint8Array(64)), InputError, 'INPUT_FIELD_INVALID');
  });

  it('throws INPUT_FIELD_INVALID for a signature that is not 64 bytes', () => {
    expectCode(() => cosignatureLine(witness.name, new Uint8Array(4), 1, new Uint8Array(63)), InputError, 'INPUT_FIELD_INVALID');
  });

  it('round-trips its timestamp and signature through parseCosignature, and verifies (property)', () => {
    fc.assert(
      fc.property(noteTextArb, fc.maxSafeNat(), (text, timestamp) => {
        const note = parseSignedNote(formatSignedNote(text, [cosign(text, timestamp)]));
        const [line] = note.signatures;
        expect(parseCosignature(line as never).timestamp).toBe(timestamp);
        expect(verifyCosignature(note, witness, verifyEd25519Sodium).timestamp).toBe(timestamp);
      }),
    );
  });

  it('any changed byte of a cosigned checkpoint fails verification (property)', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(hashArb, fc.maxSafeNat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (root, timestamp, at, delta) => {
        const body = checkpointBody({ origin: 'example.com/log', treeSize: 7, rootHash: root });
        const bytes = utf8(formatSignedNote(body, [cosign(body, timestamp)]));
        const i = at % bytes.length;
        bytes[i] = ((bytes[i] as number) + delta) & 0xff;
        expect(() => verifyCosignature(parseSignedNote(decoder.decode(bytes)), witness, verifyEd25519Sodium)).toThrow();
      }),
    );
  });
});

describe('verifyCosignatureQuorum', () => {
  const note = parseSignedNote(formatSignedNote(BODY, [cosign(BODY, 10)]));

  it.each([0, -1, 1.5])('throws INPUT_FIELD_INVALID for quorum %d', (quorum) => {
    expectCode(() => verifyCosignatureQuorum(note, [witness], quorum, verifyEd25519Sodium), InputError, 'INPUT_FIELD_INVALID');
  });

  it('lets a trusted cosigner with an invalid name surface as INPUT_NOTE_MALFORMED (a configuration fault)', () => {
    expectCode(() => verifyCosignatureQuorum(note, [{ name: 'bad name', publicKey: witness.publicKey }], 1, verifyEd25519Sodium), InputError, 'INPUT_NOTE_MALFORMED');
  });

  it('accepts a quorum of 1 met by one cosigner', () => {
    expect(verifyCosignatureQuorum(note, [witness], 1, verifyEd25519Sodium).cosignatures.map((c) => c.timestamp)).toEqual([10]);
  });
});
