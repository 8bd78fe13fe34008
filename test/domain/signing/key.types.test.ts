import { describe, expect, it } from 'vitest';
import { isKeyActiveAt, isWitnessId, WITNESS_PREFIX, type PublicKeyRecord } from '../../../src/domain/signing/key.types.js';

const key = (activeUntil: string | undefined): PublicKeyRecord => ({
  keyId: 'dev-k',
  agentId: 'agent-x',
  publicKey: new Uint8Array(32),
  activeFrom: '2026-01-01T00:00:00.000000Z',
  activeUntil,
});

describe('isKeyActiveAt', () => {
  describe('when the key window is closed', () => {
    const closed = key('2026-06-01T00:00:00.000000Z');
    it.each([
      ['one microsecond before active_from', '2025-12-31T23:59:59.999999Z', false],
      ['at active_from (inclusive)', '2026-01-01T00:00:00.000000Z', true],
      ['inside the window', '2026-03-01T00:00:00.000000Z', true],
      ['one microsecond before active_until', '2026-05-31T23:59:59.999999Z', true],
      ['at active_until (exclusive)', '2026-06-01T00:00:00.000000Z', false],
    ])('is %s → %s', (_name, at, expected) => {
      expect(isKeyActiveAt(closed, at)).toBe(expected);
    });
  });

  describe('when the key window is open', () => {
    it('is active from active_from on, and not before', () => {
      expect(isKeyActiveAt(key(undefined), '9999-12-31T23:59:59.999999Z')).toBe(true);
      expect(isKeyActiveAt(key(undefined), '2025-12-31T23:59:59.999999Z')).toBe(false);
    });
  });
});

describe('WITNESS_PREFIX', () => {
  it('is "WITNESS:"', () => {
    expect(WITNESS_PREFIX).toBe('WITNESS:');
  });
});

describe('isWitnessId', () => {
  describe('when the id is WITNESS: then a letter or digit, then letters, digits, _ . -', () => {
    it.each(['WITNESS:alpha', 'WITNESS:0', 'WITNESS:a_b.c-d', `WITNESS:${'w'.repeat(120)}`])('accepts %s', (id) => {
      expect(isWitnessId(id)).toBe(true);
    });
  });

  describe('when it is not', () => {
    it.each([
      ['no name', 'WITNESS:'],
      ['a name starting with punctuation', 'WITNESS:-alpha'],
      ['a space', 'WITNESS:al pha'],
      ['a lowercase prefix', 'witness:alpha'],
      ['an agent id', 'agent-00000000-0000-4000-8000-000000000007'],
      ['129 characters', `WITNESS:${'w'.repeat(121)}`],
    ])('rejects %s', (_name, id) => {
      expect(isWitnessId(id)).toBe(false);
    });
  });
});
