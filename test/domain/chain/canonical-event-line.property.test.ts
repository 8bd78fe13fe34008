import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalEventLine } from '../../../src/domain/chain/canonical-event-line.js';
import { byteLinkOf, canonicalLineLeafHash, canonicalLineLinks, chainLinkOf } from '../../../src/domain/chain/canonical-line-hashes.js';
import { contentHashText } from '../../../src/domain/chain/content-hash.js';
import { parseEventLine } from '../../../src/domain/chain/parse-event-line.js';
import { verifyContentHash, verifyLink } from '../../../src/domain/chain/verify-link.js';
import { exportLine } from '../../../src/domain/export/export-line.js';
import { eventLeafHash } from '../../../src/domain/merkle/event-leaf.js';
import { utf8 } from '../../../src/domain/encoding/bytes.js';
import { anyEvent, chainedPair, plainPayloadEvent, tamperings, type Tampering } from './canonical-event-line.arbitraries.js';
import type { StoredEvent } from '../../../src/domain/chain/event.types.js';

const textDecoder = new TextDecoder();
const lineBytes = (event: StoredEvent): Uint8Array => utf8(exportLine(event).slice(0, -1));

/** True when parseEventLine, verifyLink and verifyContentHash accept `line` after `prev`. */
function slowPathAccepts(prev: StoredEvent | undefined, line: Uint8Array): boolean {
  try {
    const event = parseEventLine(line, 2);
    verifyLink(prev, event);
    verifyContentHash(event);
    return true;
  } catch {
    return false;
  }
}

/** Byte edits that make JSON-ish mistakes likely: structural characters, escapes, digits, high bytes. */
const editByte = fc.oneof(
  fc.constantFrom(...utf8('"\\,:{}[]u0123456789aefbnrtE+-. \t\r\n/'), 0x00, 0x1f, 0x7f, 0x80, 0xc3, 0xa9, 0xed, 0xa0, 0xff),
  // Bytes that keep most lines canonical where they land in a value, so that many edited lines are read.
  fc.constantFrom(...utf8('0123456789abcdefxyz')),
);
const edit = fc.record({ kind: fc.constantFrom('replace', 'insert', 'delete'), at: fc.nat(), byte: editByte });

function applyEdits(line: Uint8Array, edits: ReadonlyArray<{ kind: string; at: number; byte: number }>): Uint8Array {
  let bytes = Array.from(line);
  for (const { kind, at, byte } of edits) {
    const i = at % (bytes.length + 1);
    if (kind === 'insert') bytes.splice(i, 0, byte);
    else if (i < bytes.length && kind === 'delete') bytes.splice(i, 1);
    else if (i < bytes.length) bytes[i] = byte;
  }
  bytes = bytes.filter((b) => b !== 0x0a); // one line: a "\n" would end it
  return Uint8Array.from(bytes);
}

describe('CanonicalEventLine (properties)', () => {
  describe('when read() accepts a line, whatever its bytes', () => {
    it('is the export line of the event parseEventLine reads from it, and locates that event’s values', () => {
      let editedAndAccepted = 0;
      fc.assert(
        fc.property(fc.oneof(anyEvent, plainPayloadEvent), fc.array(edit, { maxLength: 3 }), (event, edits) => {
          const line = applyEdits(lineBytes(event), edits);
          const reader = new CanonicalEventLine();
          if (!reader.read(line, 0, line.length)) return;
          if (edits.length > 0 && textDecoder.decode(line) !== exportLine(event).slice(0, -1)) editedAndAccepted += 1;
          const parsed = parseEventLine(line, 1);
          expect(textDecoder.decode(line)).toBe(exportLine(parsed).slice(0, -1));
          expect(reader.end).toBe(line.length);
          expect(chainLinkOf(reader)).toEqual({ sequence: parsed.sequence, contentHash: parsed.contentHash, authorityTimestamp: parsed.authorityTimestamp });
          expect(textDecoder.decode(reader.contentHashInput())).toBe(contentHashText(parsed));
        }),
        { numRuns: 3000 },
      );
      // Not vacuous: many edited lines are still canonical event lines (a changed digit or letter in a value).
      expect(editedAndAccepted).toBeGreaterThan(120);
    });
  });

  describe('when the line is an event exported by exportLine', () => {
    it('accepts it whenever its payload names are plain ASCII, nesting is shallow and sequence has at most 15 digits', () => {
      fc.assert(
        fc.property(plainPayloadEvent, (event) => {
          const line = lineBytes(event);
          expect(new CanonicalEventLine().read(line, 0, line.length)).toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    it('finds the line’s end by reading it, with the next line after it in the same buffer', () => {
      fc.assert(
        fc.property(plainPayloadEvent, plainPayloadEvent, (first, second) => {
          const text = utf8(exportLine(first) + exportLine(second));
          const reader = new CanonicalEventLine();
          expect(reader.read(text, 0, text.length)).toBe(true);
          expect(text[reader.end]).toBe(0x0a);
          expect(reader.read(text, reader.end + 1, text.length)).toBe(true);
          expect(reader.sequence).toBe(second.sequence);
        }),
        { numRuns: 200 },
      );
    });

    it('gives the leaf hash eventLeafHash gives, or none when witness_id is written with an escape', () => {
      fc.assert(
        fc.property(anyEvent, (event) => {
          const line = lineBytes(event);
          const reader = new CanonicalEventLine();
          if (!reader.read(line, 0, line.length)) return;
          const leaf = canonicalLineLeafHash(reader);
          if (leaf === undefined) {
            const escaped = JSON.stringify(event.witnessId).includes('\\');
            expect(escaped || !/^[A-Za-z0-9+/]{86}==$/.test(event.witnessSignature)).toBe(true);
          } else {
            expect(leaf).toEqual(eventLeafHash(event));
          }
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('canonicalLineLinks', () => {
    it('agrees with verifyLink and verifyContentHash on chained pairs, untouched or tampered', () => {
      fc.assert(
        fc.property(chainedPair, fc.option(fc.constantFrom(...tamperings), { nil: undefined }), fc.boolean(), ([prev, event], tampering: Tampering | undefined, prevFromParse) => {
          const next = tampering === undefined ? event : tampering(prev, event);
          const line = lineBytes(next);
          const reader = new CanonicalEventLine();
          expect(reader.read(line, 0, line.length)).toBe(true);
          const prevLine = lineBytes(prev);
          const prevReader = new CanonicalEventLine();
          expect(prevReader.read(prevLine, 0, prevLine.length)).toBe(true);
          // The line before is read either way the verifier may have read it.
          const link = prevFromParse ? byteLinkOf(prev) : prevReader;
          expect(canonicalLineLinks(link, reader)).toBe(slowPathAccepts(prev, line));
        }),
        { numRuns: 1000 },
      );
    });

    it('accepts the first event only at sequence 1 after 64 zeros', () => {
      fc.assert(
        fc.property(chainedPair, ([first]) => {
          const line = lineBytes(first);
          const reader = new CanonicalEventLine();
          reader.read(line, 0, line.length);
          expect(canonicalLineLinks(undefined, reader)).toBe(slowPathAccepts(undefined, line));
        }),
        { numRuns: 200 },
      );
    });
  });
});
