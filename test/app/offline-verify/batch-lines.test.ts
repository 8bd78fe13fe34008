import { describe, expect, it } from 'vitest';
import { batchLines } from '../../../src/app/offline-verify/batch-lines.js';
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
