import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../src/domain/chain/canonical-json.js';
import { parseJsonText } from '../../../src/domain/encoding/parse-json.js';
import { toHex, utf8 } from '../../../src/domain/encoding/bytes.js';
import { InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import { hexBytes, loadVectors } from '../load-vectors.js';

type CanonicalInput = { json: string } | { ieee754: string };

/** The value a vector describes: parsed JSON text, or an IEEE 754 double given as 16 hex digits (RFC 8785 Appendix B). */
function valueOf(input: CanonicalInput): unknown {
  if ('json' in input) return parseJsonText(input.json, 'vector');
  const bytes = hexBytes(input.ieee754);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(0);
}

// RFC 8785 examples, cyberphone/json-canonicalization test data and our own unicode and number edge cases.
describe('canonicalize (test/vectors/canonical-json.json)', () => {
  const vectors = loadVectors<CanonicalInput, { canonical: string; utf8Hex: string }>('canonical-json.json');

  describe.each(vectors.filter((v) => v.expectedError === undefined))('$description', (v) => {
    it('produces the expected canonical text and UTF-8 bytes', () => {
      const canonical = canonicalize(valueOf(v.input));
      expect(canonical).toBe(v.expected?.canonical);
      expect(toHex(utf8(canonical))).toBe(v.expected?.utf8Hex);
    });
  });

  describe.each(vectors.filter((v) => v.expectedError !== undefined))('$description', (v) => {
    it(`throws ${v.expectedError}`, () => {
      expectCode(() => canonicalize(valueOf(v.input)), InputError, v.expectedError ?? 'INPUT_PAYLOAD_INVALID');
    });
  });
});
