import { InputError } from '../../../domain/errors.js';
import type { FastifySchemaValidationError } from 'fastify';

/**
 * Fastify's schemaErrorFormatter for POST /v1/events/batch: Ajv's first complaint as InputError INPUT_FIELD_INVALID
 * naming the submission it concerns, like every other batch refusal. `/events/3/signature` (or a member missing
 * from or extra in `/events/3`) gives `details.index` 3 and `details.field` 'signature'; a complaint about the
 * array or the body itself gives `details.field` 'events' or the extra member.
 */
export function batchValidationError(errors: FastifySchemaValidationError[]): Error {
  const first = errors[0];
  // instancePath is a JSON pointer into the body: '', '/events', '/events/3' or '/events/3/signature'.
  const [, events, index, member] = (first?.instancePath ?? '').split('/');
  const named = first?.params.missingProperty ?? first?.params.additionalProperty;
  const field = typeof named === 'string' ? named : (member ?? 'events');
  const where = events === undefined ? 'body' : index === undefined ? 'events' : member === undefined ? `events[${index}]` : `events[${index}].${member}`;
  return new InputError({
    code: 'INPUT_FIELD_INVALID',
    message: `${where} ${first?.message ?? 'is invalid'}`,
    details: index === undefined ? { field } : { field, index: Number(index) },
  });
}
