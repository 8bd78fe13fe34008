import type { StoredEvent } from '../../domain/chain/event.types.js';
import type { EventStore } from '../ports.js';
import type { ExportRange } from './export-range.js';

/** Events read per round trip while exporting: one page is one chunk, so memory stays about one page. */
export const EXPORT_PAGE_SIZE = 1000;

/**
 * The stored events of `range`, ascending, read page by page. A consumer pulls one page at a time (an async
 * generator runs only when asked), so a slow client holds back the reads instead of filling memory. Ends early
 * when the store returns nothing (a sequence missing from a tampered store; the manifest refuses such a range).
 * Throws StoreError from the store.
 */
export async function* storedPages(store: Pick<EventStore, 'readRange'>, range: ExportRange, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<StoredEvent[]> {
  for (let next = range.start; next <= range.end; ) {
    const page = await store.readRange(next, range.end, pageSize);
    const last = page.at(-1);
    if (last === undefined) return;
    yield page;
    next = last.sequence + 1;
  }
}

/**
 * The export of `range` as text chunks: `header` (if any), then one chunk per page with `encode` applied to each
 * event. Hand it to `Readable.from(…, { objectMode: false })` so the HTTP response pulls it with backpressure.
 */
export async function* exportChunks(
  store: Pick<EventStore, 'readRange'>,
  range: ExportRange,
  encode: (event: StoredEvent) => string,
  header?: string,
): AsyncGenerator<string> {
  if (header !== undefined) yield header;
  for await (const page of storedPages(store, range)) {
    let chunk = '';
    for (const event of page) chunk += encode(event);
    yield chunk;
  }
}
