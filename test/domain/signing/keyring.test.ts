import { describe, expect, it } from 'vitest';
import { SignatureError } from '../../../src/domain/errors.js';
import { Keyring } from '../../../src/domain/signing/keyring.js';
import { expectCode } from '../../support/expect-code.js';
import { chainKeys } from '../load-vectors.js';
import type { PublicKeyRecord } from '../../../src/domain/signing/key.types.js';

const AGENT_7 = 'agent-00000000-0000-4000-8000-000000000007';
const keyring = new Keyring(chainKeys());

const witnessKey = (keyId: string, agentId: string, activeFrom: string, activeUntil?: string): PublicKeyRecord => ({
  keyId,
  agentId,
  publicKey: new Uint8Array(32).fill(keyId.length),
  activeFrom,
  activeUntil,
});

describe('Keyring', () => {
  describe('get', () => {
    it('returns the key with that id, or undefined', () => {
      expect(keyring.get('dev-writer-1')?.agentId).toBe('SYSTEM:EVENT_WRITER');
      expect(keyring.get('dev-nobody')).toBeUndefined();
    });
  });

  describe('keysOf', () => {
    it('returns every key of the agent, open or closed, in registration order', () => {
      expect(keyring.keysOf(AGENT_7).map((k) => k.keyId)).toEqual(['dev-agent-7-1', 'dev-agent-7-2']);
      expect(keyring.keysOf('agent-nobody')).toEqual([]);
    });
  });

  describe('requireAgentKey', () => {
    describe('when the key belongs to the agent', () => {
      it('returns it whether or not it is active (activity is decided at authority time)', () => {
        expect(keyring.requireAgentKey('dev-agent-7-1', AGENT_7).keyId).toBe('dev-agent-7-1');
      });
    });

    describe('when the key is unknown or another agent\'s', () => {
      it('throws SIG_KEY_UNKNOWN and SIG_KEY_AGENT_MISMATCH', () => {
        expectCode(() => keyring.requireAgentKey('dev-nobody', AGENT_7), SignatureError, 'SIG_KEY_UNKNOWN');
        expectCode(() => keyring.requireAgentKey('dev-agent-9-1', AGENT_7), SignatureError, 'SIG_KEY_AGENT_MISMATCH');
      });
    });
  });

  describe('requireSigningKey', () => {
    describe('when the key belongs to the agent and is active', () => {
      it('returns it', () => {
        expect(keyring.requireSigningKey('dev-agent-7-2', AGENT_7, '2026-06-01T00:00:00.000000Z').keyId).toBe('dev-agent-7-2');
      });
    });

    describe('when the key id is not registered', () => {
      it('throws SIG_KEY_UNKNOWN', () => {
        const err = expectCode(() => keyring.requireSigningKey('dev-nobody', AGENT_7, '2026-03-01T00:00:00.000000Z'), SignatureError, 'SIG_KEY_UNKNOWN');
        expect(err.details).toMatchObject({ keyId: 'dev-nobody' });
      });
    });

    describe('when the key belongs to another agent', () => {
      it('throws SIG_KEY_AGENT_MISMATCH', () => {
        expectCode(() => keyring.requireSigningKey('dev-agent-9-1', AGENT_7, '2026-03-01T00:00:00.000000Z'), SignatureError, 'SIG_KEY_AGENT_MISMATCH');
      });
    });

    describe('when the key is used outside its window', () => {
      it.each([
        ['at its active_until', 'dev-agent-7-1', '2026-06-01T00:00:00.000000Z'],
        ['before its active_from', 'dev-agent-7-2', '2026-05-31T23:59:59.999999Z'],
      ])('throws SIG_KEY_INACTIVE %s', (_name, keyId, at) => {
        expectCode(() => keyring.requireSigningKey(keyId, AGENT_7, at), SignatureError, 'SIG_KEY_INACTIVE');
      });
    });
  });

  describe('witnessPoolAt', () => {
    it.each([
      ['before any witness key', '2026-01-15T00:00:00.000000Z', []],
      ['while delta is active', '2026-02-10T00:00:00.000000Z', ['WITNESS:alpha', 'WITNESS:bravo', 'WITNESS:delta']],
      ['after delta retired', '2026-04-01T00:00:00.000000Z', ['WITNESS:alpha', 'WITNESS:bravo']],
      ['after charlie joined', '2026-06-01T00:00:00.000000Z', ['WITNESS:alpha', 'WITNESS:bravo', 'WITNESS:charlie']],
    ])('lists witnesses with an active key, sorted, %s', (_name, at, pool) => {
      expect(keyring.witnessPoolAt(at, AGENT_7)).toEqual(pool);
    });

    it('lists a witness once even when two of its keys are active', () => {
      const ring = new Keyring([witnessKey('w-1', 'WITNESS:z', '2026-01-01T00:00:00.000000Z'), witnessKey('w-2', 'WITNESS:z', '2026-02-01T00:00:00.000000Z'), witnessKey('w-3', 'WITNESS:a', '2026-01-01T00:00:00.000000Z')]);
      expect(ring.witnessPoolAt('2026-03-01T00:00:00.000000Z', AGENT_7)).toEqual(['WITNESS:a', 'WITNESS:z']);
    });

    it('leaves out the agent of the event when that agent is a witness', () => {
      expect(keyring.witnessPoolAt('2026-06-01T00:00:00.000000Z', 'WITNESS:bravo')).toEqual(['WITNESS:alpha', 'WITNESS:charlie']);
    });

    it('leaves out actors that are not well-formed witness ids', () => {
      const ring = new Keyring([
        witnessKey('w-ok', 'WITNESS:ok', '2026-01-01T00:00:00.000000Z'),
        witnessKey('w-empty', 'WITNESS:', '2026-01-01T00:00:00.000000Z'),
        witnessKey('w-space', 'WITNESS: spaced', '2026-01-01T00:00:00.000000Z'),
        witnessKey('w-agent', AGENT_7, '2026-01-01T00:00:00.000000Z'),
      ]);
      expect(ring.witnessPoolAt('2026-03-01T00:00:00.000000Z', AGENT_7)).toEqual(['WITNESS:ok']);
    });
  });

  describe('witnessKeysAt', () => {
    const overlapping = new Keyring([
      witnessKey('w-new', 'WITNESS:z', '2026-02-01T00:00:00.000000Z'),
      witnessKey('w-old', 'WITNESS:z', '2026-01-01T00:00:00.000000Z', '2026-03-01T00:00:00.000000Z'),
      witnessKey('w-twin', 'WITNESS:z', '2026-02-01T00:00:00.000000Z'),
      witnessKey('w-oldest', 'WITNESS:z', '2025-12-01T00:00:00.000000Z', '2026-03-01T00:00:00.000000Z'),
      witnessKey('w-other', 'WITNESS:y', '2026-01-01T00:00:00.000000Z'),
    ]);

    it('returns the witness keys active at that time, newest first, registration order among equals', () => {
      expect(overlapping.witnessKeysAt('WITNESS:z', '2026-02-15T00:00:00.000000Z').map((k) => k.keyId)).toEqual(['w-new', 'w-twin', 'w-old', 'w-oldest']);
      expect(overlapping.witnessKeysAt('WITNESS:z', '2026-03-01T00:00:00.000000Z').map((k) => k.keyId)).toEqual(['w-new', 'w-twin']);
    });

    it('returns nothing for a witness without an active key', () => {
      expect(overlapping.witnessKeysAt('WITNESS:z', '2025-01-01T00:00:00.000000Z')).toEqual([]);
    });
  });

  describe('requireWitnessKey', () => {
    describe('when the witness has an active key', () => {
      it('returns its newest active key', () => {
        const ring = new Keyring([witnessKey('w-old', 'WITNESS:z', '2026-01-01T00:00:00.000000Z', '2026-03-01T00:00:00.000000Z'), witnessKey('w-new', 'WITNESS:z', '2026-02-01T00:00:00.000000Z')]);
        expect(ring.requireWitnessKey('WITNESS:z', '2026-02-15T00:00:00.000000Z').keyId).toBe('w-new');
      });
    });

    describe('when the witness has no key active at that time', () => {
      it.each([
        ['a retired witness', 'WITNESS:delta', '2026-06-01T00:00:00.000000Z'],
        ['an unknown witness', 'WITNESS:nobody', '2026-06-01T00:00:00.000000Z'],
        ['an agent that is not a witness', 'SYSTEM:EVENT_WRITER', '2026-06-01T00:00:00.000000Z'],
      ])('throws SIG_KEY_UNKNOWN for %s', (_name, witnessId, at) => {
        expectCode(() => keyring.requireWitnessKey(witnessId, at), SignatureError, 'SIG_KEY_UNKNOWN');
      });
    });
  });
});
