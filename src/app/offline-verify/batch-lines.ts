import { BATCH_LINES, LOOKAHEAD_LINES, type LineBatch } from './line-batch.js';

const NEWLINE = 0x0a;

/**
 * Cuts NDJSON text, arriving in chunks of any size, into LineBatches of `batchLines` lines (the last may be
 * shorter), each with its anchor (the line before) and up to `lookahead` lines after it. Lines are split on "\n"
 * only; a final line without one counts (and gets one in its batch), an empty line counts (and will not parse).
 * Memory stays bounded by one batch, its lookahead and one chunk, whatever the export's size.
 *
 * It runs on the main thread while workers verify, so it does as little as it can per line: it finds each line
 * end (one native indexOf) and records its offset in the stream; bytes are copied once, a batch at a time.
 */
export async function* batchLines(
  chunks: AsyncIterable<Uint8Array>,
  batchLines = BATCH_LINES,
  lookahead = LOOKAHEAD_LINES,
): AsyncGenerator<LineBatch, void, undefined> {
  const window = new ByteWindow();
  // Offsets in the stream: where each pending line ends (after its "\n"), where the first pending line starts,
  // and the anchor (the last line of the batch before; start === end when there is none).
  let ends: number[] = [];
  let firstStart = 0;
  let anchorStart = 0;
  let id = 0;
  let firstLine = 1;
  // Where the source ends, once it has: a "\n" given to a last line that lacked one is not the source's.
  let sourceEnd = Number.POSITIVE_INFINITY;
  const emit = (count: number): LineBatch => {
    const aheadEnd = ends[Math.min(count + lookahead, ends.length) - 1] as number;
    const ownEnd = ends[count - 1] as number;
    const batch: LineBatch = {
      id,
      firstLine,
      count,
      size: Math.min(ownEnd, sourceEnd) - firstStart,
      hasAnchor: anchorStart < firstStart,
      lookahead: Math.min(lookahead, ends.length - count),
      // A fresh buffer per batch: it is transferred to a worker, and the chunks it was cut from stay ours.
      text: window.copy(anchorStart, aheadEnd),
    };
    anchorStart = count > 1 ? (ends[count - 2] as number) : firstStart;
    firstStart = ownEnd;
    ends = ends.slice(count);
    window.dropBefore(anchorStart);
    id += 1;
    firstLine += count;
    return batch;
  };
  for await (const chunk of chunks) {
    const offset = window.append(chunk);
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, end + 1)) ends.push(offset + end + 1);
    while (ends.length >= batchLines + lookahead) yield emit(batchLines);
  }
  // A last line without its "\n" is given one, so that every line of a batch ends with one.
  sourceEnd = window.end;
  if (window.end > (ends.at(-1) ?? firstStart)) ends.push(window.append(Uint8Array.of(NEWLINE)) + 1);
  while (ends.length > 0) yield emit(Math.min(batchLines, ends.length));
}

/** The stream's bytes from some offset on, as the chunks they came in. */
class ByteWindow {
  private chunks: Uint8Array[] = [];
  /** Stream offset of chunks[0]'s first byte. */
  private start = 0;
  /** Stream offset just after the last byte appended. */
  end = 0;

  /** Appends a chunk (kept, not copied); returns the stream offset of its first byte. */
  append(chunk: Uint8Array): number {
    const at = this.end;
    this.chunks.push(chunk);
    this.end += chunk.length;
    return at;
  }

  /** A new buffer holding the stream's bytes [from, to), which must still be in the window. */
  copy(from: number, to: number): Uint8Array {
    const out = new Uint8Array(to - from);
    let chunkStart = this.start;
    for (const chunk of this.chunks) {
      const chunkEnd = chunkStart + chunk.length;
      if (chunkEnd > from && chunkStart < to) {
        const a = Math.max(from, chunkStart);
        const b = Math.min(to, chunkEnd);
        out.set(chunk.subarray(a - chunkStart, b - chunkStart), a - from);
      }
      if (chunkEnd >= to) break;
      chunkStart = chunkEnd;
    }
    return out;
  }

  /** Forgets every chunk that ends at or before `offset`. */
  dropBefore(offset: number): void {
    let drop = 0;
    while (drop < this.chunks.length && this.start + (this.chunks[drop] as Uint8Array).length <= offset) {
      this.start += (this.chunks[drop] as Uint8Array).length;
      drop++;
    }
    if (drop > 0) this.chunks = this.chunks.slice(drop);
  }
}
