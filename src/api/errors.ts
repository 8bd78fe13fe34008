import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type ErrorCode } from '../domain/errors.js';

/** The only mapping from error code to HTTP status. A new code without a status fails the type check. */
export const httpStatus: Record<ErrorCode, number> = {
  INPUT_FIELD_INVALID: 400,
  INPUT_INVALID_JSON: 400,
  INPUT_PAYLOAD_NOT_OBJECT: 400,
  INPUT_PAYLOAD_INVALID: 400,
  INPUT_PAYLOAD_TOO_LARGE: 413,
  CHAIN_SEQUENCE_GAP: 500,
  CHAIN_PREV_HASH_MISMATCH: 500,
  CHAIN_CONTENT_HASH_MISMATCH: 500,
  CHAIN_TIMESTAMP_REGRESSION: 500,
  SIG_MALFORMED: 400,
  SIG_INVALID: 422,
  SIG_WITNESS_INVALID: 500,
  SIG_WITNESS_NOT_SELECTED: 500,
  SIG_KEY_UNKNOWN: 422,
  SIG_KEY_INACTIVE: 422,
  SIG_KEY_AGENT_MISMATCH: 422,
  STORE_UNAVAILABLE: 503,
  STORE_FAILED: 500,
  STORE_REJECTED: 422,
  STORE_CONFLICT: 409,
  STORE_SCHEMA_MISMATCH: 503,
  STORE_MIGRATION_FAILED: 500,
  STORE_MIGRATION_EDITED: 503,
  STORE_MIGRATIONS_PENDING: 503,
  CUSTODY_KEY_NOT_FOUND: 500,
  CUSTODY_KEY_FILE_INVALID: 500,
  CUSTODY_NOT_CONFIGURED: 503,
  SIG_DEVELOPMENT_KEY: 422,
  WITNESS_POOL_BELOW_FLOOR: 503,
  WITNESS_BOOTSTRAP_DISABLED: 409,
  WITNESS_BOOTSTRAP_REFUSED: 409,
  KEY_NOT_FOUND: 404,
  KEY_ALREADY_OPEN: 409,
  KEY_NOT_OPEN: 409,
  KEY_ALREADY_REVOKED: 409,
  KEY_REVOCATION_NEEDS_REPLACEMENT: 409,
  KEY_ID_INVALID: 400,
  CUSTODY_KEY_INVALID: 500,
  CUSTODY_PASSPHRASE_INCORRECT: 400,
  CUSTODY_HSM_NOT_CONFIGURED: 503,
  CUSTODY_HSM_LIBRARY_UNLOADABLE: 503,
  CUSTODY_HSM_TOKEN_NOT_FOUND: 503,
  CUSTODY_HSM_PIN_INCORRECT: 503,
  CUSTODY_HSM_MECHANISM_UNSUPPORTED: 503,
  CUSTODY_HSM_UNAVAILABLE: 503,
  CUSTODY_SIGN_FAILED: 503,
  WITNESS_POOL_EMPTY: 503,
  SYSTEM_HALTED: 503,
  HALT_STATE_UNKNOWN: 503,
  HALT_CHANNEL_UNAVAILABLE: 503,
  HALT_REASON_REQUIRED: 400,
  HALT_UNAUTHORIZED: 401,
  HALT_NOT_HALTED: 409,
  HALT_CEREMONY_INVALID: 422,
  HALT_CEREMONY_EXPIRED: 422,
  HALT_CEREMONY_REPLAYED: 409,
  HALT_RESUMING: 503,
  CONFIG_INVALID: 500,
  CONFIG_FORBIDDEN: 500,
  CONFIG_DEV_MODE_ENVIRONMENT_MISMATCH: 500,
};

/** Error body: { error: { code, message, details?, requestId } }. 5xx bodies say "Internal error"; details go to the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      const status = httpStatus[err.code];
      if (status >= 500) request.log.error({ err, code: err.code }, err.message);
      const exposed = status < 500 || status === 503;
      return reply.status(status).send({
        error: {
          code: err.code,
          message: exposed ? err.message : 'Internal error',
          ...(exposed && err.details ? { details: err.details } : {}),
          requestId: request.id,
        },
      });
    }
    if (typeof err.statusCode === 'number' && err.statusCode < 500) {
      // Fastify's own 4xx: schema validation, body too large, unsupported media type.
      return reply.status(err.statusCode).send({ error: { code: err.validation ? 'INPUT_FIELD_INVALID' : (err.code ?? 'INPUT_INVALID'), message: err.message, requestId: request.id } });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'Internal error', requestId: request.id } });
  });
}
