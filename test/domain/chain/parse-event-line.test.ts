import { describe, expect, it } from 'vitest';
import { parseEventLine, peekSequence } from '../../../src/domain/chain/parse-event-line.js';
import { InputError } from '../../../src/domain/errors.js';
import { utf8 } from '../../../src/domain/encoding/bytes.js';
import { expectCode } from '../../support/expect-code.js';
import { buildChain } from '../../app/offline-verify/chain-fixture.js';

const chain = buildChain(1);
const json = JSON.parse(chain.lines[0] as string) as Record<string, unknown>;
const parse = (value: unknown) => () => parseEventLine(utf8(JSON.stringify(value)), 7);

describe('parseEventLine', () => {
  it('reads a line of protocol JSON back into the stored event', () => {
    expect(parseEventLine(utf8(chain.lines[0] as string), 1)).toEqual(chain.events[0]);
  });

  it('reads a line already decoded to text as it reads its bytes', () => {
    expect(parseEventLine(chain.lines[0] as string, 1)).toEqual(chain.events[0]);
    expectCode(() => parseEventLine('{', 2), InputError, 'INPUT_INVALID_JSON');
  });

  it('accepts any member order and a trailing CR', () => {
    const reversed = Object.fromEntries(Object.entries(json).reverse());
    expect(parseEventLine(utf8(`${JSON.stringify(reversed)}\r`), 1)).toEqual(chain.events[0]);
  });

  describe('refuses, naming the line and the member (INPUT_FIELD_INVALID)', () => {
    it.each([
      ['an extra member', { ...json, extra: 1 }, 'extra'],
      ['a missing member', { ...json, witness_id: undefined }, 'witness_id'],
      ['a sequence that is not a whole number ≥ 1', { ...json, sequence: 0 }, 'sequence'],
      ['a string sequence', { ...json, sequence: '1' }, 'sequence'],
      ['a payload that is an array', { ...json, payload: [1] }, 'payload'],
      ['a null payload', { ...json, payload: null }, 'payload'],
      ['a non-canonical authority_timestamp', { ...json, authority_timestamp: '2026-01-01T00:00:00Z' }, 'authority_timestamp'],
      ['an uppercase content_hash', { ...json, content_hash: (json.content_hash as string).toUpperCase() }, 'content_hash'],
      ['a number where a string belongs', { ...json, agent_id: 5 }, 'agent_id'],
      ['an array', [json], 'event'],
    ])('%s', (_what, value, field) => {
      const err = expectCode(parse(value), InputError, 'INPUT_FIELD_INVALID');
      expect(err.details).toEqual({ field });
      expect(err.message).toMatch(/^line 7: /);
    });

    it.each([
      ['no bytes', new Uint8Array(0)],
      ['only a CR byte', Uint8Array.of(0x0d)],
      ['no text', ''],
      ['only a CR', '\r'],
    ])('an empty line: %s', (_what, input) => {
      const err = expectCode(() => parseEventLine(input, 3), InputError, 'INPUT_FIELD_INVALID');
      expect(err.message).toBe('line 3: event is empty');
    });
  });

  it('refuses invalid UTF-8 instead of replacing it (INPUT_INVALID_JSON)', () => {
    const bytes = utf8(chain.lines[0] as string);
    bytes[bytes.indexOf(0x65)] = 0xff; // one byte of the text becomes invalid UTF-8
    expectCode(() => parseEventLine(bytes, 1), InputError, 'INPUT_INVALID_JSON');
  });

  it('does not judge what verifyStoredEvent does not (PROTOCOL §7.1): a malformed signature, a non-canonical local_timestamp', () => {
    expect(parseEventLine(utf8(JSON.stringify({ ...json, signature: 'not base64' })), 1).signature).toBe('not base64');
    expect(parseEventLine(utf8(JSON.stringify({ ...json, local_timestamp: '2026-01-01T00:00:00Z' })), 1).localTimestamp).toBe('2026-01-01T00:00:00Z');
  });
});

describe('peekSequence', () => {
  it('reads the sequence of a line, and nothing from a line that is not an event', () => {
    expect(peekSequence(utf8(chain.lines[0] as string))).toBe(1);
    expect(peekSequence(utf8('{"sequence": 1.5}'))).toBeUndefined();
    expect(peekSequence(utf8('null'))).toBeUndefined();
    expect(peekSequence(utf8('{'))).toBeUndefined();
    expect(peekSequence(chain.lines[0] as string)).toBe(1);
    expect(peekSequence('{')).toBeUndefined();
  });
});
