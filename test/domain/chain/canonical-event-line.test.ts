import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalEventLine } from '../../../src/domain/chain/canonical-event-line.js';
import { MAX_DEPTH } from '../../../src/domain/chain/canonical-json-scan.js';
import { exportLine } from '../../../src/domain/export/export-line.js';
import { contentHashText } from '../../../src/domain/chain/content-hash.js';
import { utf8 } from '../../../src/domain/encoding/bytes.js';
import { buildChain } from '../../app/offline-verify/chain-fixture.js';
import type { JsonValue } from '../../../src/domain/chain/canonical-json.js';
import type { StoredEvent } from '../../../src/domain/chain/event.types.js';

const event = buildChain(1).events[0] as StoredEvent;
const MARK = '\u00a7MARK\u00a7';

/** The export line of `event` with `spelling` as the JSON text of payload member "v". */
function lineWith(spelling: string): string {
  const line = exportLine({ ...event, payload: { v: MARK } }).slice(0, -1);
  return line.replace(JSON.stringify(MARK), spelling);
}

function reads(text: string | Uint8Array): boolean {
  const bytes = typeof text === 'string' ? utf8(text) : text;
  return new CanonicalEventLine().read(bytes, 0, bytes.length);
}

const hex4 = (code: number, upper: boolean): string => code.toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']();
const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '/': '\\/' };

/** One of the ways JSON may spell the UTF-16 code unit `unit`: literally, with a short escape, or as \uXXXX. */
function spellUnit(unit: string, choice: number): string {
  const code = unit.charCodeAt(0);
  const options = [`\\u${hex4(code, false)}`, `\\u${hex4(code, true)}`];
  if (SHORT[unit] !== undefined) options.push(SHORT[unit]);
  if (code >= 0x20 && unit !== '"' && unit !== '\\' && (code < 0xd800 || code > 0xdfff)) options.push(unit);
  return options[choice % options.length] as string;
}

describe('CanonicalEventLine.read', () => {
  it('reads an exported event and locates its values', () => {
    const text = exportLine(event);
    const bytes = utf8(text);
    const reader = new CanonicalEventLine();
    expect(reader.read(bytes, 0, bytes.length)).toBe(true);
    const slice = (from: number, to: number) => text.slice(from, to);
    expect(reader.end).toBe(bytes.length - 1);
    expect(reader.sequence).toBe(event.sequence);
    expect(slice(reader.contentHashAt, reader.contentHashAt + 64)).toBe(event.contentHash);
    expect(slice(reader.prevHashAt, reader.prevHashAt + 64)).toBe(event.prevHash);
    expect(slice(reader.timestampAt, reader.timestampEnd)).toBe(event.authorityTimestamp);
    expect(slice(reader.witnessIdAt, reader.witnessIdEnd)).toBe(event.witnessId);
    expect(slice(reader.witnessSignatureAt, reader.witnessSignatureEnd)).toBe(event.witnessSignature);
  });

  describe('takes a string only in the spelling JSON.stringify gives it', () => {
    it('any other spelling of the same text is left to parseEventLine', () => {
      const units = fc.string({ unit: fc.constantFrom('a', '/', '"', '\\', '\b', '\t', '\n', '\f', '\r', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '\ud83d\ude00') });
      fc.assert(
        fc.property(units, fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), (text, choices) => {
          const codeUnits = text.split('');
          const spelling = `"${codeUnits.map((u, i) => spellUnit(u, choices[i % choices.length] as number)).join('')}"`;
          expect(JSON.parse(spelling)).toBe(text);
          expect(reads(lineWith(spelling))).toBe(spelling === JSON.stringify(text));
        }),
        { numRuns: 2000 },
      );
    });

    it.each([
      ['an escaped solidus', '"a\\/b"'],
      ['\\u0041 for A', '"\\u0041"'],
      ['uppercase hex in \\u001F', '"\\u001F"'],
      ['\\u0008 for a backspace', '"\\u0008"'],
      ['a lone surrogate escape', '"\\ud800"'],
      ['a raw tab', '"a\tb"'],
      ['a raw DEL is fine', '"a\u007fb"'],
      ['an unknown escape', '"\\x41"'],
      ['an unterminated string', '"abc'],
    ])('%s', (what, spelling) => {
      expect(reads(lineWith(spelling))).toBe(what === 'a raw DEL is fine');
    });

    it('refuses invalid UTF-8 inside a string (parseEventLine reports it)', () => {
      const line = utf8(lineWith('"ab"'));
      const at = line.indexOf(0x61); // the first "a" of the payload string... or earlier: any string byte
      const broken = line.slice();
      broken[at] = 0xff;
      expect(reads(broken)).toBe(false);
      const overlong = utf8(lineWith('"xx"'));
      const x = overlong.lastIndexOf(0x78);
      overlong[x - 1] = 0xc0;
      overlong[x] = 0x80;
      expect(reads(overlong)).toBe(false);
    });
  });

  describe('takes a number only in ECMAScript Number-to-String form', () => {
    it('any other spelling of the same value is left to parseEventLine', () => {
      const spellings = (n: number): string[] => [String(n), n.toExponential(), n.toExponential().toUpperCase(), n.toFixed(2), `${String(n)}.0`, `0${String(Math.abs(n))}`, String(n).replace('e+', 'e'), Object.is(n, -0) ? '-0' : String(n)];
      fc.assert(
        fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.nat(), (n, pick) => {
          const options = spellings(n).filter((s) => Number(s) === n && /^-?\d/.test(s));
          const spelling = options[pick % options.length] as string;
          expect(reads(lineWith(spelling))).toBe(spelling === JSON.stringify(n));
        }),
        { numRuns: 2000 },
      );
    });

    it.each([
      ['0', true],
      ['-0', false],
      ['1e21', false],
      ['1e+21', true],
      ['123456789012345678', false],
      ['123456789012345680', true],
      ['0.1', true],
      ['.1', false],
      ['1.', false],
      ['1e', false],
      ['-', false],
      ['01', false],
      [`1${'0'.repeat(40)}`, false],
    ])('%s: %s', (spelling, expected) => {
      expect(reads(lineWith(spelling))).toBe(expected);
    });
  });

  describe('takes objects only with plain member names in strictly ascending order', () => {
    it.each([
      ['sorted', '{"a":1,"b":2}', true],
      ['empty', '{}', true],
      ['unsorted', '{"b":1,"a":2}', false],
      ['a repeated name', '{"a":1,"a":2}', false],
      ['a prefix first', '{"a":1,"ab":2}', true],
      ['integer-like names in code-unit order', '{"1":0,"10":0,"9":0}', true],
      ['a name with an escape', '{"a\\n":1}', false],
      ['a non-ASCII name', '{"é":1}', false],
      ['whitespace', '{"a": 1}', false],
      ['a trailing comma', '{"a":1,}', false],
      ['arrays', '[1,[],[{}],"x",null,true,false]', true],
      ['an array with whitespace', '[1, 2]', false],
    ])('%s', (_what, spelling, expected) => {
      expect(reads(lineWith(spelling))).toBe(expected);
    });

    it.each([
      ['arrays', (inner: JsonValue): JsonValue => [inner]],
      ['objects', (inner: JsonValue): JsonValue => ({ a: inner })],
    ])(`refuses %s nested deeper than ${MAX_DEPTH}`, (_what, wrap) => {
      const nest = (depth: number): JsonValue => (depth === 0 ? 1 : wrap(nest(depth - 1)));
      // The payload object is depth 1; each level inside it adds one.
      expect(reads(lineWith(JSON.stringify(nest(MAX_DEPTH - 1))))).toBe(true);
      expect(reads(lineWith(JSON.stringify(nest(MAX_DEPTH))))).toBe(false);
    });
  });

  describe('refuses an event line that is not exactly exportLine’s', () => {
    const line = exportLine(event).slice(0, -1);
    const json = JSON.parse(line) as Record<string, unknown>;
    it.each([
      ['a trailing CR', `${line}\r`],
      ['a space before the end', `${line.slice(0, -1)} }`],
      ['members in another order', JSON.stringify(Object.fromEntries(Object.entries(json).reverse()))],
      ['an extra member', `${line.slice(0, -1)},"x":1}`],
      ['a missing member', line.replace(/,"witness_signature":"[^"]*"/, '')],
      ['sequence 0', line.replace(/"sequence":\d+/, '"sequence":0')],
      ['a sequence with a leading zero', line.replace(/"sequence":(\d+)/, '"sequence":0$1')],
      ['a 16-digit sequence', line.replace(/"sequence":\d+/, '"sequence":1000000000000000')],
      ['a string sequence', line.replace(/"sequence":(\d+)/, '"sequence":"$1"')],
      ['an uppercase content_hash', line.replace(/"content_hash":"([0-9a-f]{64})"/, (_m, h: string) => `"content_hash":"${h.toUpperCase()}"`)],
      ['a short prev_hash', line.replace(/"prev_hash":"[0-9a-f]{2}/, '"prev_hash":"')],
      ['a non-canonical authority_timestamp', line.replace(/"authority_timestamp":"[^"]*"/, '"authority_timestamp":"2026-01-01T00:00:00Z"')],
      ['an impossible date', line.replace(/"authority_timestamp":"[^"]*"/, '"authority_timestamp":"2026-02-30T00:00:00.000000Z"')],
      ['an array payload', line.replace(/"payload":\{[^}]*\}/, '"payload":[]')],
      ['two events on one line', `${line}${line}`],
      ['garbage after the line', `${line}x`],
      ['a line cut inside its last string', line.slice(0, -5)],
    ])('%s', (_what, text) => {
      expect(reads(text)).toBe(false);
    });

    it('accepts the same line followed by a newline and more text, ending where its own newline is', () => {
      const bytes = utf8(`${line}\n{"next":1}`);
      const reader = new CanonicalEventLine();
      expect(reader.read(bytes, 0, bytes.length)).toBe(true);
      expect(reader.end).toBe(utf8(line).length);
    });

    it('gives the content-hash text of a line longer than its buffer', () => {
      const long = { ...event, payload: { text: 'x'.repeat(10_000) } };
      const bytes = utf8(exportLine(long));
      const reader = new CanonicalEventLine();
      expect(reader.read(bytes, 0, bytes.length)).toBe(true);
      expect(new TextDecoder().decode(reader.contentHashInput())).toBe(contentHashText(long));
    });

    it('refuses an authority_timestamp of 27 bytes that are not all ASCII', () => {
      const text = line.replace(/"authority_timestamp":"([^"]*)00Z"/, '"authority_timestamp":"$1éZ"');
      expect(utf8(text).length).toBe(utf8(line).length);
      expect(reads(text)).toBe(false);
    });

    it('takes a repeated authority_timestamp from its memory only when the bytes are the same', () => {
      const reader = new CanonicalEventLine();
      const good = utf8(line);
      expect(reader.read(good, 0, good.length)).toBe(true);
      const bad = utf8(line.replace(/"authority_timestamp":"[^"]*"/, '"authority_timestamp":"2026-13-01T00:00:00.000000Z"'));
      expect(reader.read(bad, 0, bad.length)).toBe(false);
      expect(reader.read(good, 0, good.length)).toBe(true);
    });
  });
});
