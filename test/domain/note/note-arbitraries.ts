import fc from 'fast-check';

// fast-check arbitraries shared by the note tests.

/** One line of note text: any Unicode but control characters (newline included) and lone surrogates. */
const lineArb = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\u0000-\u001f]/.test(s));

/** A note text: lines (possibly empty) each ending in a newline, at least one. */
export const noteTextArb = fc.array(lineArb, { minLength: 1, maxLength: 6 }).map((lines) => `${lines.join('\n')}\n`);

/** A key name (and origin): non-empty, no Unicode space, no '+', no control character. */
export const keyNameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => !/[\p{White_Space}+\u0000-\u001f]/u.test(s));

/** A 32-byte hash. */
export const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
