import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { utf8 } from '../../../src/domain/encoding/bytes.js';
import { InputError, SignatureError } from '../../../src/domain/errors.js';
import {
  formatSignedNote,
  isValidKeyName,
  MAX_NOTE_LENGTH,
  MAX_NOTE_SIGNATURES,
  noteKeyId,
  noteSignatureLine,
  NOTE_SIGNATURE_PREFIX,
  NOTE_SIGNATURE_TYPE,
  parseSignedNote,
} from '../../../src/domain/note/signed-note.js';
import { sameKeyId, verifyNoteSignature } from '../../../src/domain/note/verify-note.js';
import { expectCode } from '../../support/expect-code.js';
import { keyNameArb, noteTextArb } from './note-arbitraries.js';

const key = keyPairFromSeed(new Uint8Array(32).fill(7));
const NAME = 'example.com/log';

describe('isValidKeyName', () => {
  it.each(['example.com/log', 'a', 'transparency.dev/DEV:witness-little-garden', 'x\ufeffy', '\u00e9'])('accepts %j', (name) => expect(isValidKeyName(name)).toBe(true));
  it.each(['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2028b', '\ud800', 'a\u0001b'])('refuses %j', (name) => expect(isValidKeyName(name)).toBe(false));
});

describe('noteKeyId', () => {
  it('is 4 bytes and depends on the name, the type and the key', () => {
    const id = noteKeyId(NAME, 1, key.publicKey);
    expect(id).toHaveLength(4);
    expect(sameKeyId(id, noteKeyId(`${NAME}2`, 1, key.publicKey))).toBe(false);
    expect(sameKeyId(id, noteKeyId(NAME, 4, key.publicKey))).toBe(false);
  });

  describe('when the key name or type is invalid', () => {
    it.each([
      ['a name with a space', 'a b', 1],
      ['a negative type', NAME, -1],
      ['a type above 255', NAME, 256],
      ['a fractional type', NAME, 1.5],
    ])('throws INPUT_NOTE_MALFORMED for %s', (_, name, type) => {
      expectCode(() => noteKeyId(name as string, type as number, key.publicKey), InputError, 'INPUT_NOTE_MALFORMED');
    });
  });
});

describe('noteSignatureLine', () => {
  it('is the em dash, a space, the name, a space, base64(key ID || signature) and a newline', () => {
    expect(noteSignatureLine('n', Uint8Array.of(0, 0, 0, 1), Uint8Array.of(0xff))).toBe(`${NOTE_SIGNATURE_PREFIX}n AAAAAf8=\n`);
    expect(NOTE_SIGNATURE_PREFIX).toBe('\u2014 ');
  });

  it.each([
    ['an invalid name', 'a+b', 4, 1],
    ['a 3-byte key ID', 'n', 3, 1],
    ['an empty signature', 'n', 4, 0],
  ])('throws INPUT_NOTE_MALFORMED for %s', (_, name, idLength, sigLength) => {
    expectCode(() => noteSignatureLine(name as string, new Uint8Array(idLength as number), new Uint8Array(sigLength as number)), InputError, 'INPUT_NOTE_MALFORMED');
  });
});

describe('formatSignedNote', () => {
  it('throws INPUT_NOTE_MALFORMED when the text does not end with a newline', () => {
    expectCode(() => formatSignedNote('text', [noteSignatureLine('n', new Uint8Array(4), Uint8Array.of(1))]), InputError, 'INPUT_NOTE_MALFORMED');
  });

  it('throws INPUT_NOTE_MALFORMED without a signature line', () => {
    expectCode(() => formatSignedNote('text\n', []), InputError, 'INPUT_NOTE_MALFORMED');
  });
});

describe('parseSignedNote', () => {
  it(`refuses a note longer than ${MAX_NOTE_LENGTH} characters`, () => {
    const line = noteSignatureLine('n', new Uint8Array(4), Uint8Array.of(1));
    expectCode(() => parseSignedNote(formatSignedNote(`${'x'.repeat(MAX_NOTE_LENGTH)}\n`, [line])), InputError, 'INPUT_NOTE_MALFORMED');
  });

  it('says why in details.reason', () => {
    const err = expectCode(() => parseSignedNote('no blank line\n'), InputError, 'INPUT_NOTE_MALFORMED');
    expect(err.details?.reason).toMatch(/blank line/);
  });

  it(`accepts ${MAX_NOTE_SIGNATURES} lines and refuses one more`, () => {
    const line = noteSignatureLine('n', new Uint8Array(4), Uint8Array.of(1));
    expect(parseSignedNote(formatSignedNote('t\n', Array(MAX_NOTE_SIGNATURES).fill(line))).signatures).toHaveLength(MAX_NOTE_SIGNATURES);
    expectCode(() => parseSignedNote(formatSignedNote('t\n', Array(MAX_NOTE_SIGNATURES + 1).fill(line))), InputError, 'INPUT_NOTE_MALFORMED');
  });

  it('round-trips: formatting then parsing gives back the text and every line (property)', () => {
    const lineArb = fc.record({ keyName: keyNameArb, keyId: fc.uint8Array({ minLength: 4, maxLength: 4 }), signature: fc.uint8Array({ minLength: 1, maxLength: 100 }) });
    fc.assert(
      fc.property(noteTextArb, fc.array(lineArb, { minLength: 1, maxLength: 5 }), (text, lines) => {
        const note = parseSignedNote(formatSignedNote(text, lines.map((l) => noteSignatureLine(l.keyName, l.keyId, l.signature))));
        expect(note.text).toBe(text);
        expect(note.signatures).toEqual(lines);
      }),
    );
  });
});

describe('verifyNoteSignature', () => {
  const sign = (text: string) => formatSignedNote(text, [noteSignatureLine(NAME, noteKeyId(NAME, NOTE_SIGNATURE_TYPE.ed25519, key.publicKey), signEd25519(key.secretKey, utf8(text)))]);
  const open = (note: string) => verifyNoteSignature(parseSignedNote(note), { keyName: NAME, publicKey: key.publicKey }, verifyEd25519Sodium);

  it('accepts what it signed, for any text (property)', () => {
    fc.assert(fc.property(noteTextArb, (text) => void open(sign(text))));
  });

  it('refuses a note with any one byte changed (property)', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(noteTextArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (text, at, delta) => {
        const bytes = utf8(sign(text));
        const i = at % bytes.length;
        bytes[i] = ((bytes[i] as number) + delta) & 0xff;
        // Bytes that are not UTF-8 never reach the parser (the boundary decodes strictly); everything else is refused by it.
        expect(() => open(decoder.decode(bytes))).toThrow();
      }),
    );
  });

  it('names the failure: SIG_INVALID for a bad line of the key, SIG_NOTE_SIGNATURE_MISSING for none', () => {
    const note = sign('hello\n');
    expectCode(() => open(note.replace('hello', 'jello')), SignatureError, 'SIG_INVALID');
    expectCode(() => verifyNoteSignature(parseSignedNote(note), { keyName: 'other', publicKey: key.publicKey }, verifyEd25519Sodium), SignatureError, 'SIG_NOTE_SIGNATURE_MISSING');
  });
});

describe('sameKeyId', () => {
  it('compares lengths and bytes', () => {
    expect(sameKeyId(Uint8Array.of(1, 2, 3, 4), Uint8Array.of(1, 2, 3, 4))).toBe(true);
    expect(sameKeyId(Uint8Array.of(1, 2, 3, 4), Uint8Array.of(1, 2, 3, 5))).toBe(false);
    expect(sameKeyId(Uint8Array.of(1, 2, 3, 4), Uint8Array.of(1, 2, 3))).toBe(false);
  });
});
