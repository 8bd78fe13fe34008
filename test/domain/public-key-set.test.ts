import { describe, expect, it } from 'vitest';
import { actorKind, buildPublicKeySet, parsePublicKeySet, PUBLIC_KEY_SET_FORMAT } from '../../src/domain/signing/public-key-set.js';
import { InputError } from '../../src/domain/errors.js';
import { expectCode } from '../support/expect-code.js';
import type { PublicKeyRecord } from '../../src/domain/signing/key.types.js';

const T0 = '2026-01-01T00:00:00.000000Z';
const T1 = '2026-02-01T00:00:00.000000Z';
const key = (agentId: string, keyId: string, fill: number, activeUntil?: string): PublicKeyRecord => ({
  agentId,
  keyId,
  publicKey: new Uint8Array(32).fill(fill),
  activeFrom: T0,
  activeUntil,
});

describe('actorKind', () => {
  it.each([
    ['WITNESS:dev-01', 'witness'],
    ['KEEPER:alice', 'keeper'],
    ['SYSTEM:EVENT_WRITER', 'system'],
    ['agent-0b6d', 'agent'],
    ['WITNESS:', 'agent'], // not a well-formed witness id, so not a witness
  ])('%s is a %s', (id, kind) => {
    expect(actorKind(id)).toBe(kind);
  });
});

describe('the public key set', () => {
  const keys = [key('WITNESS:w1', 'hsm-02', 2), key('SYSTEM:EVENT_WRITER', 'dev-0000000000000001', 1, T1), key('KEEPER:alice', 'keeper-0a', 3)];
  const set = buildPublicKeySet(keys, [{ keyId: 'dev-0000000000000001', agentId: 'SYSTEM:EVENT_WRITER', activeUntil: T1, reason: 'laptop stolen', sequence: 7, recordedAt: T1 }], T1);

  it('lists every key with its window, kind, development mark and revocation, sorted by actor', () => {
    expect(set.format).toBe(PUBLIC_KEY_SET_FORMAT);
    expect(set.keys.map((k) => k.actor_id)).toEqual(['KEEPER:alice', 'SYSTEM:EVENT_WRITER', 'WITNESS:w1']);
    expect(set.keys[1]).toEqual({
      actor_id: 'SYSTEM:EVENT_WRITER',
      kind: 'system',
      key_id: 'dev-0000000000000001',
      algorithm: 'Ed25519',
      public_key: '01'.repeat(32),
      active_from: T0,
      active_until: T1,
      development: true,
      revocation: { sequence: 7, recorded_at: T1, reason: 'laptop stolen' },
    });
    expect(set.keys[2]).toMatchObject({ kind: 'witness', development: false, revocation: null, active_until: null });
  });

  it('sorts two keys of one actor by window, then by id', () => {
    const later = { ...key('A', 'k2', 4), activeFrom: T1 };
    const sorted = buildPublicKeySet([later, key('A', 'k3', 5), key('A', 'k1', 6)], [], T1).keys.map((k) => k.key_id);
    expect(sorted).toEqual(['k1', 'k3', 'k2']);
    // Two rows that agree on every sort key (a registry never has them: key_id is unique) keep their order.
    const tied = buildPublicKeySet([key('A', 'k1', 7), key('A', 'k1', 8)], [], T1).keys.map((k) => k.public_key.slice(0, 2));
    expect(tied).toEqual(['07', '08']);
  });

  it('sorts actors by UTF-16 code units whatever the input order', () => {
    const ids = ['b', 'a', 'd', 'c', 'B', 'A'];
    const sorted = buildPublicKeySet(ids.map((id, i) => key(id, `k-${id}`, i)), [], T1).keys.map((k) => k.actor_id);
    expect(sorted).toEqual(['A', 'B', 'a', 'b', 'c', 'd']);
  });

  it('reads back into the registry records it was built from', () => {
    const parsed = parsePublicKeySet(JSON.parse(JSON.stringify(set)));
    const byId = (a: PublicKeyRecord, b: PublicKeyRecord) => (a.keyId < b.keyId ? -1 : 1);
    expect(parsed.sort(byId)).toEqual([...keys].sort(byId));
  });

  const broken: Array<[string, (doc: any) => void]> = [
    ['format', (d) => (d.format = 'other')],
    ['keys', (d) => (d.keys = {})],
    ['keys[0].actor_id', (d) => (d.keys[0].actor_id = '')],
    ['keys[0].key_id', (d) => delete d.keys[0].key_id],
    ['keys[0].algorithm', (d) => (d.keys[0].algorithm = 'ECDSA')],
    ['keys[0].public_key', (d) => (d.keys[0].public_key = 'AB'.repeat(32))],
    ['keys[0].active_from', (d) => (d.keys[0].active_from = '2026-01-01')],
    ['keys[0].active_until', (d) => (d.keys[0].active_until = '2025-01-01T00:00:00.000000Z')],
    ['keys[0].active_until', (d) => (d.keys[0].active_until = 5)],
  ];
  it.each(broken)('refuses a document whose %s is wrong, naming it', (field, breakIt) => {
    const doc = JSON.parse(JSON.stringify(set));
    breakIt(doc);
    const err = expectCode(() => parsePublicKeySet(doc), InputError, 'INPUT_FIELD_INVALID');
    expect(err.details).toEqual({ field });
  });

  it('refuses something that is not a document', () => {
    expectCode(() => parsePublicKeySet(null), InputError, 'INPUT_FIELD_INVALID');
    expectCode(() => parsePublicKeySet({ format: PUBLIC_KEY_SET_FORMAT, keys: [null] }), InputError, 'INPUT_FIELD_INVALID');
  });
});
