import { describe, expect, it } from 'vitest';
import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { canonicalize } from '../../../src/domain/chain/canonical-json.js';
import { concatBytes, toBase64, utf8 } from '../../../src/domain/encoding/bytes.js';
import { InputError, SignatureError } from '../../../src/domain/errors.js';
import {
  KEEPER_STATEMENT_DOMAIN,
  keeperStatementMessage,
  parseKeeperStatement,
  parseSignedStatement,
  toSignedStatementJson,
  verifyKeeperQuorum,
  verifySignedStatement,
  type KeeperStatement,
  type SignedKeeperStatement,
} from '../../../src/domain/signing/keeper-statement.js';
import { isKeeperId } from '../../../src/domain/signing/key.types.js';
import { Keyring } from '../../../src/domain/signing/keyring.js';
import { SIGNATURE_DOMAINS } from '../../../src/domain/signing/messages.js';
import { expectCode } from '../../support/expect-code.js';
import type { PublicKeyRecord } from '../../../src/domain/signing/key.types.js';

const T0 = '2026-01-01T00:00:00.000000Z';
const AT = '2026-03-01T00:00:00.000000Z';

function keeper(name: string, fill: number, activeUntil?: string) {
  const pair = keyPairFromSeed(new Uint8Array(32).fill(fill));
  const record: PublicKeyRecord = { keyId: `keeper-${name}-${fill}`, agentId: `KEEPER:${name}`, publicKey: pair.publicKey, activeFrom: T0, activeUntil };
  const sign = (statement: KeeperStatement): SignedKeeperStatement => ({
    statement,
    keeperId: record.agentId,
    keyId: record.keyId,
    signature: toBase64(signEd25519(pair.secretKey, keeperStatementMessage(statement))),
  });
  return { record, sign };
}

const alice = keeper('alice', 1);
const bob = keeper('bob', 2);
const carol = keeper('carol', 3, '2026-02-01T00:00:00.000000Z');
const witness: PublicKeyRecord = { ...keeper('x', 4).record, keyId: 'witness-key', agentId: 'WITNESS:alpha' };
const keyring = new Keyring([alice.record, bob.record, carol.record, witness]);
const statement: KeeperStatement = { type: 'halt.clear', ceremony_id: '018f3a00-0000-7000-8000-00000000c1ea', halt_sequence: 42 };

describe('isKeeperId', () => {
  it.each(['KEEPER:alice', 'KEEPER:0', 'KEEPER:a_b.c-d', `KEEPER:${'a'.repeat(121)}`])('accepts %s', (id) => expect(isKeeperId(id)).toBe(true));
  it.each(['KEEPER:', 'KEEPER:_a', 'keeper:alice', 'WITNESS:alice', 'KEEPER:a b', 'KEEPER:a:b', `KEEPER:${'a'.repeat(122)}`])('refuses %s', (id) =>
    expect(isKeeperId(id)).toBe(false),
  );
});

describe('keeperStatementMessage', () => {
  it('is "archon72/keeper-statement/v1" || 0x00 || JCS(statement)', () => {
    const message = keeperStatementMessage({ z: 1, type: 'a.b' });
    expect(new TextDecoder().decode(message)).toBe(`${KEEPER_STATEMENT_DOMAIN}\u0000{"type":"a.b","z":1}`);
    expect(KEEPER_STATEMENT_DOMAIN).toBe('archon72/keeper-statement/v1');
  });

  it('differs from every other signature domain', () => {
    expect(Object.values(SIGNATURE_DOMAINS)).not.toContain(KEEPER_STATEMENT_DOMAIN);
  });

  it('gives the same bytes whatever the member order', () => {
    expect(keeperStatementMessage({ a: 1, type: 't', b: { d: 1, c: 2 } })).toEqual(keeperStatementMessage({ b: { c: 2, d: 1 }, type: 't', a: 1 }));
  });
});

describe('parseKeeperStatement', () => {
  it('returns the object when it has a well-formed type', () => {
    expect(parseKeeperStatement(statement)).toBe(statement);
  });

  describe('when the input is not a statement', () => {
    it.each([
      ['null', null, 'statement'],
      ['an array', [statement], 'statement'],
      ['a string', 'halt.clear', 'statement'],
      ['an object without type', { ceremony_id: 'x' }, 'statement.type'],
      ['a numeric type', { type: 1 }, 'statement.type'],
      ['a type with capitals', { type: 'Halt.clear' }, 'statement.type'],
      ['an empty type', { type: '' }, 'statement.type'],
      ['a type of 129 characters', { type: 'a'.repeat(129) }, 'statement.type'],
    ])('throws INPUT_FIELD_INVALID for %s, naming %s', (_name, input, field) => {
      expect(expectCode(() => parseKeeperStatement(input), InputError, 'INPUT_FIELD_INVALID').details).toEqual({ field });
    });

    it('names the field it was given', () => {
      expect(expectCode(() => parseKeeperStatement(null, 'expected'), InputError, 'INPUT_FIELD_INVALID').details).toEqual({ field: 'expected' });
    });
  });

  describe('when a member breaks the payload rules', () => {
    it('keeps the code and path and says it is in the statement', () => {
      const err = expectCode(() => parseKeeperStatement({ type: 'a.b', note: 'x\u0000' }), InputError, 'INPUT_PAYLOAD_INVALID');
      expect(err.message).toMatch(/^statement: \$\.note contains U\+0000/);
      expect(err.details).toEqual({ path: '$.note' });
    });

    it('refuses a statement too large to store', () => {
      expectCode(() => parseKeeperStatement({ type: 'a.b', note: 'x'.repeat(70_000) }), InputError, 'INPUT_PAYLOAD_TOO_LARGE');
    });
  });
});

describe('parseSignedStatement', () => {
  const document = toSignedStatementJson(alice.sign(statement));

  it('turns the protocol JSON into a SignedKeeperStatement and back', () => {
    const signed = parseSignedStatement(document);
    expect(signed).toEqual(alice.sign(statement));
    expect(toSignedStatementJson(signed)).toEqual(document);
  });

  describe('when a member is bad', () => {
    it.each([
      ['not an object', 'x', 'signed statement'],
      ['null', null, 'signed statement'],
      ['an extra member', { ...document, note: 1 }, 'note'],
      ['a bad statement', { ...document, statement: {} }, 'statement.type'],
      ['no keeper_id', { ...document, keeper_id: undefined }, 'keeper_id'],
      ['a keeper_id of a witness', { ...document, keeper_id: 'WITNESS:alpha' }, 'keeper_id'],
      ['no key_id', { ...document, key_id: 5 }, 'key_id'],
      ['a key_id with a space', { ...document, key_id: 'a b' }, 'key_id'],
      ['a key_id of 129 characters', { ...document, key_id: 'k'.repeat(129) }, 'key_id'],
      ['a numeric signature', { ...document, signature: 7 }, 'signature'],
      ['a 63-byte signature', { ...document, signature: toBase64(new Uint8Array(63)) }, 'signature'],
    ])('throws INPUT_FIELD_INVALID for %s, naming %s', (_name, input, field) => {
      expect(expectCode(() => parseSignedStatement(input), InputError, 'INPUT_FIELD_INVALID').details).toEqual({ field });
    });
  });
});

describe('verifySignedStatement', () => {
  it('returns the key when the keeper signed with an active key of their own', () => {
    expect(verifySignedStatement(alice.sign(statement), keyring, AT, verifyEd25519Sodium)).toBe(alice.record);
  });

  describe('when the signature or key is wrong', () => {
    const signed = alice.sign(statement);
    it.each([
      ['a statement changed after signing', { ...signed, statement: { ...statement, halt_sequence: 43 } }, SignatureError, 'SIG_INVALID'],
      ["another keeper's signature", { ...signed, signature: bob.sign(statement).signature }, SignatureError, 'SIG_INVALID'],
      ['a malformed signature', { ...signed, signature: 'AAAA' }, SignatureError, 'SIG_MALFORMED'],
      ['an unknown key', { ...signed, keyId: 'keeper-nobody' }, SignatureError, 'SIG_KEY_UNKNOWN'],
      ["another keeper's key", { ...signed, keyId: bob.record.keyId }, SignatureError, 'SIG_KEY_AGENT_MISMATCH'],
      ['a key closed before the time', carol.sign(statement), SignatureError, 'SIG_KEY_INACTIVE'],
      ['a witness key presented as a keeper key', { ...signed, keeperId: 'WITNESS:alpha', keyId: 'witness-key' }, InputError, 'INPUT_FIELD_INVALID'],
    ] as const)('refuses %s with %s %s', (_name, input, cls, code) => {
      expectCode(() => verifySignedStatement(input, keyring, AT, verifyEd25519Sodium), cls, code);
    });
  });

  it('refuses a signature made with the event-signature prefix over the same JCS bytes', () => {
    const pair = keyPairFromSeed(new Uint8Array(32).fill(1));
    const eventPrefixed = concatBytes(utf8(SIGNATURE_DOMAINS.event), new Uint8Array([0]), utf8(canonicalize(statement)));
    const signed = { ...alice.sign(statement), signature: toBase64(signEd25519(pair.secretKey, eventPrefixed)) };
    expectCode(() => verifySignedStatement(signed, keyring, AT, verifyEd25519Sodium), SignatureError, 'SIG_INVALID');
  });
});

describe('verifyKeeperQuorum', () => {
  const run = (signed: SignedKeeperStatement[], quorum: number, expected: KeeperStatement = statement) => verifyKeeperQuorum(signed, expected, keyring, AT, quorum, verifyEd25519Sodium);

  describe('when enough distinct keepers signed exactly the statement', () => {
    it('returns their ids, sorted, each once', () => {
      expect(run([bob.sign(statement), alice.sign(statement), alice.sign(statement)], 2)).toEqual(['KEEPER:alice', 'KEEPER:bob']);
    });

    it('compares JCS bytes, so member order does not matter', () => {
      const reordered = Object.fromEntries(Object.entries(statement).reverse()) as KeeperStatement;
      expect(run([alice.sign(reordered), bob.sign(statement)], 2, reordered)).toEqual(['KEEPER:alice', 'KEEPER:bob']);
    });

    it('ignores signatures that do not count', () => {
      expect(run([alice.sign(statement), carol.sign(statement), bob.sign({ ...statement, halt_sequence: 1 })], 1)).toEqual(['KEEPER:alice']);
    });
  });

  describe('when fewer than quorum keepers signed validly', () => {
    it('throws SIG_INVALID naming who failed and why', () => {
      const other = { ...statement, halt_sequence: 43 };
      const err = expectCode(() => run([alice.sign(statement), bob.sign(other), carol.sign(statement)], 2), SignatureError, 'SIG_INVALID');
      expect(err.message).toContain('1 of 2 required keepers signed validly (KEEPER:alice)');
      expect(err.message).toContain(`KEEPER:bob (key ${bob.record.keyId}): signed a different statement`);
      expect(err.message).toContain(`KEEPER:carol (key ${carol.record.keyId}): SIG_KEY_INACTIVE`);
      expect(err.details).toMatchObject({
        quorum: 2,
        keepers: ['KEEPER:alice'],
        failures: [
          { keeperId: 'KEEPER:bob', code: undefined },
          { keeperId: 'KEEPER:carol', code: 'SIG_KEY_INACTIVE' },
        ],
      });
    });

    it('counts a keeper who signed twice once', () => {
      expectCode(() => run([alice.sign(statement), alice.sign(statement)], 2), SignatureError, 'SIG_INVALID');
    });

    it('says so when nobody signed', () => {
      const err = expectCode(() => run([], 1), SignatureError, 'SIG_INVALID');
      expect(err.message).toBe('keeper quorum not met: 0 of 1 required keepers signed validly');
    });

    it('reports a signed statement that cannot be canonicalised as a failure', () => {
      const broken = { ...alice.sign(statement), statement: { type: 'a.b', x: '\ud800' } };
      const err = expectCode(() => run([broken], 1), SignatureError, 'SIG_INVALID');
      expect(err.details?.failures).toMatchObject([{ keeperId: 'KEEPER:alice', code: 'INPUT_PAYLOAD_INVALID' }]);
    });
  });

  describe('when the quorum is not a whole number ≥ 1', () => {
    it.each([0, -1, 1.5, Number.NaN])('throws INPUT_FIELD_INVALID for %s', (quorum) => {
      expectCode(() => run([alice.sign(statement)], quorum), InputError, 'INPUT_FIELD_INVALID');
    });
  });

  describe('when the verifier itself fails', () => {
    it('lets the error through instead of counting it as a bad signature', () => {
      const broken = () => {
        throw new TypeError('verifier bug');
      };
      expect(() => verifyKeeperQuorum([alice.sign(statement)], statement, keyring, AT, 1, broken)).toThrow(TypeError);
    });
  });
});
