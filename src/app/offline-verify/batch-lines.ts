import { BATCH_LINES, LOOKAHEAD_LINES, type LineBatch } from './line-batch.js';

const NEWLINE = 0x0a;

/**
 * Cuts NDJSON text, arriving in chunks of any size, into LineBatches of `batchLines` lines (the last may be
 * shorter), each with its anchor (the line before) and up to `lookahead` lines after it. Lines are split on "\n"
 * only; a final line without one counts, an empty line counts (and will not parse). Memory stays bounded by one
 * batch, its lookahead and one chunk, whatever the export's size.
 */
export async function* batchLines(
  chunks: AsyncIterable<Uint8Array>,
  batchLines = BATCH_LINES,
  lookahead = LOOKAHEAD_LINES,
): AsyncGenerator<LineBatch, void, undefined> {
  let pending: Uint8Array[] = [];
  let anchor: Uint8Array | undefined;
  let carry: Uint8Array | undefined;
  let id = 0;
  let firstLine = 1;
  const emit = (count: number): LineBatch => {
    const ahead = pending.slice(count, count + lookahead);
    const batch = buildBatch(id, firstLine, anchor, pending.slice(0, count), ahead);
    anchor = pending[count - 1];
    pending = pending.slice(count);
    id += 1;
    firstLine += count;
    return batch;
  };
  for await (const chunk of chunks) {
    const data = carry === undefined ? chunk : concat(carry, chunk);
    let start = 0;
    for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
      pending.push(data.subarray(start, end));
      start = end + 1;
    }
    carry = start < data.length ? data.subarray(start) : undefined;
    while (pending.length >= batchLines + lookahead) yield emit(batchLines);
  }
  if (carry !== undefined) pending.push(carry);
  while (pending.length > 0) yield emit(Math.min(batchLines, pending.length));
}

function buildBatch(id: number, firstLine: number, anchor: Uint8Array | undefined, lines: Uint8Array[], ahead: Uint8Array[]): LineBatch {
  const all = anchor === undefined ? [...lines, ...ahead] : [anchor, ...lines, ...ahead];
  let size = 0;
  for (const line of all) size += line.length + 1;
  let own = 0;
  for (const line of lines) own += line.length + 1;
  // A fresh buffer per batch: it is transferred to a worker, and the chunks it was cut from stay ours.
  const text = new Uint8Array(size);
  let offset = 0;
  for (const line of all) {
    text.set(line, offset);
    offset += line.length;
    text[offset++] = NEWLINE;
  }
  return { id, firstLine, count: lines.length, size: own, hasAnchor: anchor !== undefined, lookahead: ahead.length, text };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
