import { describe, it, expect } from 'vitest';
import { encodeHaltMessage, parseHaltMessage } from '../../../src/adapters/redis/halt-message.js';

describe('halt messages', () => {
  describe('encodeHaltMessage then parseHaltMessage', () => {
    it('round-trips a raise with and without its optional fields, and a clear', () => {
      const full = { kind: 'raised', reason: 'Emergency maintenance', source: 'api', at: '2025-06-01T12:00:00.000000Z' } as const;
      const bare = { kind: 'raised', reason: undefined, source: undefined, at: undefined } as const;
      expect(parseHaltMessage(encodeHaltMessage(full))).toEqual(full);
      expect(parseHaltMessage(encodeHaltMessage(bare))).toEqual(bare);
      expect(parseHaltMessage(encodeHaltMessage({ kind: 'cleared' }))).toEqual({ kind: 'cleared' });
    });

    it('writes {kind, reason, source, at} JSON', () => {
      expect(JSON.parse(encodeHaltMessage({ kind: 'raised', reason: 'r', source: 's', at: 't' }))).toEqual({ kind: 'raised', reason: 'r', source: 's', at: 't' });
    });
  });

  describe('parseHaltMessage on attacker-controlled input', () => {
    it.each([
      ['not JSON', '{kind'],
      ['a JSON array', '["raised"]'],
      ['JSON null', 'null'],
      ['a string', '"raised"'],
      ['an unknown kind', '{"kind":"halt"}'],
      ['no kind', '{"reason":"x"}'],
      ['a numeric reason', '{"kind":"raised","reason":5}'],
      ['an object source', '{"kind":"raised","source":{}}'],
      ['a boolean time', '{"kind":"raised","at":true}'],
      ['an oversized message', JSON.stringify({ kind: 'raised', reason: 'x'.repeat(70_000) })],
    ])('returns undefined for %s', (_, text) => {
      expect(parseHaltMessage(text)).toBeUndefined();
    });

    it('reads null fields as absent and ignores unknown fields', () => {
      expect(parseHaltMessage('{"kind":"raised","reason":null,"extra":1}')).toEqual({ kind: 'raised', reason: undefined, source: undefined, at: undefined });
    });
  });
});
