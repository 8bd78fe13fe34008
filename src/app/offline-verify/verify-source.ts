/**
 * Where the events to verify come from: an NDJSON export file, or a live server paged through its observer API
 * (adapters in src/adapters/verify-source/). A source only delivers bytes; it judges nothing.
 */
export interface VerifySource {
  /** How reports name the source: a file path or a URL. */
  readonly name: string;
  /** Size in bytes when known before reading (a file), for progress; undefined otherwise. */
  readonly totalBytes: number | undefined;
  /**
   * The events as NDJSON: one event per line in its protocol JSON (toEventJson), in the order the source holds them,
   * cut into chunks of any size. Stopping the iteration early releases the source. Throws InputError
   * INPUT_FIELD_INVALID / INPUT_URL_INVALID when the source cannot be opened, and the adapter's error when reading
   * fails part-way.
   */
  chunks(): AsyncIterable<Uint8Array>;
}
