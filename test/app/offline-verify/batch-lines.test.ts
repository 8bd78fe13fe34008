import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchLines } from '../../../src/app/offline-verify/batch-lines.js';
import { utf8 } from '../../../src/domain/encoding/bytes.js';
import { textSource } from './chain-fixture.js';
import type { LineBatch } from '../../../src/app/offline-verify/line-batch.js';

async function collect(text: string, chunkSize: number, size: number, lookahead: number): Promise<LineBatch[]> {
  const out: LineBatch[] = [];
  for await (const batch of batchLines(textSource(text, chunkSize).chunks(), size, lookahead)) out.push(batch);
  return out;
}

const decode = (batch: LineBatch) => new TextDecoder().decode(batch.text);

describe('batchLines', () => {
  const text = Array.from({ length: 10 }, (_, i) => `line${i + 1}`).join('\n');

  it.each([1, 3, 7, 1 << 16])('cuts lines into batches with anchors and lookahead, whatever the chunk size (%i bytes)', async (chunkSize) => {
    const batches = await collect(`${text}\n`, chunkSize, 4, 2);
    expect(batches.map((b) => [b.id, b.firstLine, b.count, b.hasAnchor, b.lookahead])).toEqual([
      [0, 1, 4, false, 2],
      [1, 5, 4, true, 2],
      [2, 9, 2, true, 0],
    ]);
    expect(decode(batches[0] as LineBatch)).toBe('line1\nline2\nline3\nline4\nline5\nline6\n');
    expect(decode(batches[1] as LineBatch)).toBe('line4\nline5\nline6\nline7\nline8\nline9\nline10\n');
    expect(decode(batches[2] as LineBatch)).toBe('line8\nline9\nline10\n');
  });

  it('counts a last line without a newline, and an empty line as a line', async () => {
    const batches = await collect('a\n\nb', 2, 10, 2);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.count).toBe(3);
    expect(decode(batches[0] as LineBatch)).toBe('a\n\nb\n');
  });

  it('yields nothing for an empty source', async () => {
    expect(await collect('', 4, 4, 2)).toEqual([]);
  });

  it('gives every batch its own buffer, so it can be transferred to a worker', async () => {
    const batches = await collect(`${text}\n`, 1 << 16, 4, 2);
    const buffers = new Set(batches.map((b) => b.text.buffer));
    expect(buffers.size).toBe(batches.length);
    for (const b of batches) expect(b.text.byteOffset).toBe(0);
  });
});

/** `bytes` cut at `cuts` (offsets, in any order, repeats giving empty chunks), as views into it. */
async function* cutAt(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  const points = [...cuts.map((c) => c % (bytes.length + 1)), bytes.length].sort((a, b) => a - b);
  let start = 0;
  for (const end of points) {
    yield bytes.subarray(start, end);
    start = end;
  }
}

/** The batches batchLines should give, from the text split on "\n" (a trailing "\n" ends the last line). */
function expectedBatches(text: string, size: number, lookahead: number) {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const withNewlines = (from: number, to: number) => lines.slice(from, to).map((l) => `${l}\n`).join('');
  const batches = [];
  for (let first = 0, id = 0; first < lines.length; first += size, id++) {
    const count = Math.min(size, lines.length - first);
    const ahead = Math.min(lookahead, lines.length - first - count);
    batches.push({
      id,
      firstLine: first + 1,
      count,
      // The bytes the lines take in the source: a last line without "\n" gets one in `text`, not in `size`.
      size: utf8(withNewlines(first, first + count)).length - (first + count === lines.length && !text.endsWith('\n') ? 1 : 0),
      hasAnchor: first > 0,
      lookahead: ahead,
      text: withNewlines(Math.max(0, first - 1), first + count + ahead),
    });
  }
  return batches;
}

const line = fc.string({ unit: fc.constantFrom('a', 'z', '{', '"', ' ', '\u00e9', '\u20ac', '\u{1f600}'), maxLength: 12 });
const text = fc.tuple(fc.array(line, { maxLength: 40 }), fc.boolean()).map(([lines, lastNewline]) => lines.join('\n') + (lastNewline && lines.length > 0 ? '\n' : ''));
const cuts = fc.oneof(fc.array(fc.nat(), { maxLength: 30 }), fc.constant('every byte' as const));

describe('batchLines, for any text cut into any chunks', () => {
  it('gives the batches of the text split on "\\n": anchors, lines, lookahead, sizes and line numbers', async () => {
    await fc.assert(
      fc.asyncProperty(text, cuts, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 4 }), async (t, cut, size, lookahead) => {
        const bytes = utf8(t);
        const points = cut === 'every byte' ? Array.from(bytes.keys()) : cut;
        const got: LineBatch[] = [];
        for await (const batch of batchLines(cutAt(bytes, points), size, lookahead)) got.push(batch);
        expect(got.map((b) => ({ ...b, text: decode(b) }))).toEqual(expectedBatches(t, size, lookahead));
        for (const b of got) expect(b.text.buffer).not.toBe(bytes.buffer);
      }),
      { numRuns: 300 },
    );
  });
});
