import { canonicalize } from '../../domain/chain/canonical-json.js';
import { toEventJson, type EventJson } from '../../domain/chain/event-json.js';
import type { StoredEvent } from '../../domain/chain/event.types.js';

/** Columns of the CSV export: the protocol JSON members (docs/PROTOCOL.md §2.1), in that table's order. */
export const CSV_COLUMNS: ReadonlyArray<keyof EventJson> = [
  'sequence', 'event_id', 'event_type', 'payload', 'agent_id', 'signing_key_id', 'signature',
  'local_timestamp', 'authority_timestamp', 'prev_hash', 'content_hash', 'witness_id', 'witness_signature',
];

/** RFC 4180 §2: a field holding a quote, comma or line break is quoted, with its quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV header line (CRLF-terminated, RFC 4180). */
export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/**
 * One CSV record of `event`, CRLF-terminated: every member as text, `payload` as its JCS text (RFC 8785) in one
 * field, so hashes can be recomputed from the CSV as well. Values are not altered for spreadsheets (a base64
 * signature may begin with "+"); import the columns as text.
 */
export function csvRecord(event: StoredEvent): string {
  const json = toEventJson(event);
  return `${CSV_COLUMNS.map((column) => csvField(column === 'payload' ? canonicalize(json.payload) : String(json[column]))).join(',')}\r\n`;
}
