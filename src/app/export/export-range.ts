import { InputError } from '../../domain/errors.js';

/** A range of sequences, both ends included; empty when end = start − 1. */
export interface ExportRange {
  start: number;
  end: number;
}

/**
 * The range an export or manifest covers, against the chain head `head` read when the request arrived. An
 * explicit `end` must lie within the log, so the same parameters always name the same bytes; without one the
 * range runs to the head (and is empty when `start` lies beyond it). Throws InputError INPUT_FIELD_INVALID
 * (details.field end_sequence) when `end` < `start` or `end` > `head`. Assumes integers ≥ 1 (the route's schema).
 */
export function resolveExportRange(head: number, start: number, end: number | undefined): ExportRange {
  if (end === undefined) return { start, end: Math.max(head, start - 1) };
  if (end < start) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: 'end_sequence must be ≥ start_sequence', details: { location: 'querystring', field: 'end_sequence' } });
  }
  if (end > head) {
    throw new InputError({
      code: 'INPUT_FIELD_INVALID',
      message: `end_sequence ${end} is beyond the chain head ${head}`,
      details: { location: 'querystring', field: 'end_sequence', head },
    });
  }
  return { start, end };
}
