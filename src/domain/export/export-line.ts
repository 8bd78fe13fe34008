import { canonicalize } from '../chain/canonical-json.js';
import { toEventJson } from '../chain/event-json.js';
import type { StoredEvent } from '../chain/event.types.js';

/**
 * One line of the NDJSON export (docs/PROTOCOL.md §17.1): the JCS text (RFC 8785) of the event's protocol JSON
 * form, then one line feed. JCS makes the bytes a function of the event alone, so the export manifest can commit
 * to them (`ndjson_sha256`) and anyone re-exporting the same range gets the same bytes. JCS escapes every line
 * break inside strings, so a line never contains 0x0A before its end.
 * Throws InputError INPUT_PAYLOAD_INVALID for a payload JCS cannot encode (none the store can hold).
 */
export function exportLine(event: StoredEvent): string {
  return `${canonicalize(toEventJson(event))}\n`;
}
